import { Type, type TSchema } from 'typebox';
import { ALL_PERMISSIONS, KEY_SCOPES, ROLES } from '../../platform/auth/permissions.js';
import { Email, Id, PaginationQuery, Password, Strict, Timestamp } from '../../platform/http/schemas.js';

/** RBAC admin (spec 003 `/auth/*`) request and response schemas. */
export const RoleName = Type.Enum(ROLES);
export const PermissionName = Type.Enum(ALL_PERMISSIONS);
export const MEMBER_STATUSES = ['active', 'disabled'] as const;
export const MemberStatus = Type.Enum(MEMBER_STATUSES);
/** A name with at least one visible character (names are stored trimmed). */
export const Label = Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' });
/** Every list a client sends is bounded, so one request cannot make unbounded work. */
export const MAX_LIST = 100;

const list = <T extends TSchema>(item: T, description?: string) =>
  Type.Array(item, { maxItems: MAX_LIST, uniqueItems: true, ...(description ? { description } : {}) });

const workspaceQuery = { workspace_id: Type.Optional(Id('ws')) };

export const WorkspaceQuery = Strict(workspaceQuery, {
  description: "Defaults to the calling key's workspace, else your default workspace.",
});
export const ListUsersQuery = Strict({
  ...workspaceQuery,
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'Substring of email or name.' })),
  role: Type.Optional(RoleName),
  status: Type.Optional(MemberStatus),
  ...PaginationQuery,
});
export const ListGroupsQuery = Strict({ ...workspaceQuery, ...PaginationQuery });
export const UserParams = Strict({ id: Id('usr') });
export const GroupParams = Strict({ id: Id('grp') });

export const CreateUserBody = Strict({
  email: Email,
  name: Label,
  role: RoleName,
  password: Type.Optional(Password),
});
export const AccessBody = Type.Object(
  {
    role: Type.Optional(RoleName),
    grants: Type.Optional(list(PermissionName, 'Replaces the extra permissions granted to this member.')),
    group_ids: Type.Optional(list(Id('grp'), "Replaces the member's groups in this workspace.")),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const PasswordBody = Type.Object(
  {
    password: Type.Optional(Password),
    send_reset_email: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    minProperties: 1,
    description: 'Exactly one of `password` or `send_reset_email: true`.',
  },
);
export const StatusBody = Strict({ status: MemberStatus });

const groupFields = {
  name: Label,
  description: Type.Optional(Type.String({ maxLength: 2000 })),
  roles: Type.Optional(list(RoleName)),
  permissions: Type.Optional(list(PermissionName)),
  member_ids: Type.Optional(Type.Array(Id('usr'), { maxItems: 1000, uniqueItems: true })),
};
export const CreateGroupBody = Strict(groupFields);
export const UpdateGroupBody = Type.Object(
  { ...groupFields, name: Type.Optional(Label) },
  { additionalProperties: false, minProperties: 1 },
);

const CREDENTIAL_TYPES = ['session', 'api_key', 'node', 'sso'] as const;
const PolicyPermission = Type.Enum([...ALL_PERMISSIONS, '*'] as const);
const policyFields = {
  name: Label,
  effect: Type.Enum(['allow', 'deny'] as const),
  permissions: Type.Array(PolicyPermission, {
    minItems: 1,
    maxItems: MAX_LIST,
    uniqueItems: true,
    description: 'Permission names, or `*` for all.',
  }),
};
export const PolicyInputSchema = Strict({
  id: Type.Optional(Id('pol')),
  ...policyFields,
  subjects: Type.Optional(
    Strict(
      {
        roles: Type.Optional(list(RoleName)),
        groups: Type.Optional(list(Id('grp'))),
        users: Type.Optional(list(Id('usr'))),
      },
      { description: 'Who it applies to; none given means everybody in the workspace.' },
    ),
  ),
  conditions: Type.Optional(
    Strict(
      {
        ip_cidrs: Type.Optional(list(Type.String({ minLength: 2, maxLength: 64 }), 'e.g. `10.0.0.0/8`.')),
        credential_types: Type.Optional(list(Type.Enum(CREDENTIAL_TYPES))),
      },
      { description: 'When it applies; every condition given must hold.' },
    ),
  ),
});
export const ReplacePoliciesBody = Strict({
  policies: Type.Array(PolicyInputSchema, {
    maxItems: MAX_LIST,
    description: 'The complete new set; deny beats allow.',
  }),
});

// Responses: only these fields leave the server.
const GroupRef = Type.Object({ id: Type.String(), name: Type.String() });
const userFields = {
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  role: RoleName,
  status: Type.String({ description: 'Membership status in this workspace.' }),
  account_status: Type.String({ description: 'The account status, instance-wide.' }),
  email_verified: Type.Boolean(),
  password_set: Type.Boolean(),
  grants: Type.Array(Type.String()),
  groups: Type.Array(GroupRef),
  joined_at: Timestamp,
  updated_at: Timestamp,
};
export const UserSummarySchema = Type.Object(userFields);

const Decision = Type.Object({ allowed: Type.Boolean(), reason: Type.Union([Type.String(), Type.Null()]) });
const detailFields = {
  ...userFields,
  permissions: Type.Array(Type.String(), {
    description: "The member's effective permissions with a session (IP-conditioned policies aside).",
  }),
  action_states: Type.Object({
    change_role: Decision,
    edit_access: Decision,
    disable: Decision,
    enable: Decision,
    set_password: Decision,
    send_password_reset: Decision,
    remove: Decision,
  }),
};
export const UserDetailSchema = Type.Object(detailFields);
export const CreatedUserSchema = Type.Object({
  ...detailFields,
  account_created: Type.Boolean(),
  password_email_sent: Type.Boolean(),
});
export const PasswordResultSchema = Type.Object({
  user_id: Type.String(),
  result: Type.Enum(['password_set', 'reset_email_sent'] as const),
  sessions_revoked: Type.Integer(),
});

export const GroupSchema = Type.Object({
  id: Type.String(),
  workspace_id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  roles: Type.Array(RoleName),
  permissions: Type.Array(Type.String()),
  member_ids: Type.Array(Type.String()),
  created_at: Timestamp,
  updated_at: Timestamp,
});

export const PolicySchema = Type.Object({
  id: Type.String(),
  ...policyFields,
  permissions: Type.Array(Type.String()),
  subjects: Type.Object({
    roles: Type.Optional(Type.Array(Type.String())),
    groups: Type.Optional(Type.Array(Type.String())),
    users: Type.Optional(Type.Array(Type.String())),
  }),
  conditions: Type.Object({
    ip_cidrs: Type.Optional(Type.Array(Type.String())),
    credential_types: Type.Optional(Type.Array(Type.String())),
  }),
  position: Type.Integer(),
  updated_at: Timestamp,
});
export const PoliciesSchema = Type.Object({
  workspace_id: Type.String(),
  policies: Type.Array(PolicySchema),
});

export const CatalogueSchema = Type.Object({
  permissions: Type.Array(Type.Object({ name: Type.String(), level: Type.String(), family: Type.String() })),
  roles: Type.Array(
    Type.Object({ name: RoleName, rank: Type.Integer(), permissions: Type.Array(Type.String()) }),
  ),
  key_scopes: Type.Array(
    Type.Object({ name: Type.Enum(KEY_SCOPES), permissions: Type.Array(Type.String()) }),
  ),
});
