import { Type } from 'typebox';
import { ROLES } from '../../platform/auth/permissions.js';
import { Email, Id, Name, NullableTimestamp, Strict, Timestamp } from '../../platform/http/schemas.js';
import { PLAN_NAMES } from './plans.js';

export const RoleSchema = Type.Enum(ROLES);
export const PlanSchema = Type.Enum(PLAN_NAMES);

export const WorkspaceSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  plan: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  updated_at: Timestamp,
  role: Type.Optional(RoleSchema),
  permissions: Type.Optional(Type.Array(Type.String())),
});

export const MemberSchema = Type.Object({
  user_id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleSchema,
  status: Type.String(),
  grants: Type.Array(Type.String()),
  joined_at: Timestamp,
});

export const InviteSchema = Type.Object({
  id: Type.String(),
  workspace_id: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  invited_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  expires_at: Timestamp,
  accepted_at: NullableTimestamp,
  revoked_at: NullableTimestamp,
});

export const WorkspaceParams = Strict({ id: Id('ws') });
export const MemberParams = Strict({ id: Id('ws'), userId: Id('usr') });
export const InviteParams = Strict({ id: Id('ws'), inviteId: Id('inv') });

export const CreateWorkspaceBody = Strict({ name: Name });
export const UpdateWorkspaceBody = Type.Object(
  { name: Type.Optional(Name), plan: Type.Optional(PlanSchema) },
  { additionalProperties: false, minProperties: 1 },
);
export const ChangeRoleBody = Strict({ role: RoleSchema });
export const InviteBody = Strict({
  workspace_id: Id('ws'),
  email: Email,
  role: Type.Optional(RoleSchema),
});
export const AcceptInviteBody = Strict({ token: Type.String({ minLength: 16, maxLength: 200 }) });

const Meter = Type.Object({
  used: Type.Number(),
  limit: Type.Union([Type.Number(), Type.Null()]),
  remaining: Type.Optional(Type.Number()),
});
export const UsageSchema = Type.Object({
  workspace_id: Type.String(),
  plan: Type.String(),
  period: Type.String(),
  limits: Type.Object({
    requests_per_minute: Type.Integer(),
    max_upload_bytes: Type.Integer(),
    storage_bytes: Type.Integer(),
    recordings: Type.Integer(),
    processed_minutes: Type.Integer(),
    agent_tokens: Type.Integer({ description: 'Language-model tokens agents may use per month.' }),
  }),
  usage: Type.Object({
    requests: Type.Object({
      used: Type.Integer(),
      limit: Type.Null(),
      rate_limit_per_minute: Type.Integer(),
    }),
    storage_bytes: Meter,
    recordings: Meter,
    processed_minutes: Meter,
    uploaded_bytes: Meter,
    agent_tokens: Meter,
  }),
});
