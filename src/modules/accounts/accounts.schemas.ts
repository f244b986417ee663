import { Type } from 'typebox';
import { KEY_SCOPES } from '../../platform/auth/permissions.js';
import {
  Email,
  Id,
  Name,
  NullableTimestamp,
  PaginationQuery,
  Password,
  Strict,
  Timestamp,
} from '../../platform/http/schemas.js';
import { RoleSchema, WorkspaceSchema } from '../workspaces/workspaces.schemas.js';

const OneTimeToken = Type.String({ minLength: 16, maxLength: 200, description: 'The token from the email.' });

export const UserSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  email_verified: Type.Boolean(),
  is_instance_admin: Type.Boolean(),
  default_workspace_id: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
});

export const SessionResponse = Type.Object({
  user: UserSchema,
  token: Type.String({ description: 'Session JWT: send it as `Authorization: Bearer <token>`.' }),
  expires_at: Timestamp,
});

export const SignupResponse = Type.Object({
  user: UserSchema,
  workspace: WorkspaceSchema,
  token: Type.String({ description: 'Session JWT: send it as `Authorization: Bearer <token>`.' }),
  expires_at: Timestamp,
});

export const MeResponse = Type.Object({
  user: UserSchema,
  workspaces: Type.Array(
    Type.Object({
      id: Type.String(),
      name: Type.String(),
      role: RoleSchema,
      permissions: Type.Array(Type.String()),
    }),
  ),
  credential: Type.Object({
    type: Type.String({ description: 'session, api_key, sso…' }),
    id: Type.Optional(Type.String()),
    scopes: Type.Optional(Type.Array(Type.Enum(KEY_SCOPES))),
    workspace_id: Type.Optional(Type.String()),
  }),
});

export const UserEnvelope = Type.Object({ user: UserSchema });
export const Accepted = Type.Object({ message: Type.String() });

export const SignupBody = Strict({
  email: Email,
  password: Password,
  name: Type.Optional(Name),
  invite_token: Type.Optional(OneTimeToken),
});
export const LoginBody = Strict({ email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) });
export const ForgotPasswordBody = Strict({ email: Email });
export const ResetPasswordBody = Strict({ token: OneTimeToken, password: Password });
export const VerifyEmailBody = Strict({ token: OneTimeToken });
export const UpdateMeBody = Type.Object(
  {
    name: Type.Optional(Name),
    password: Type.Optional(Password),
    current_password: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    default_workspace_id: Type.Optional(Id('ws')),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const DeleteMeBody = Strict({ password: Type.String({ minLength: 1, maxLength: 256 }) });

export const OutboxMailSchema = Type.Object({
  id: Type.String(),
  to: Type.String(),
  subject: Type.String(),
  text_body: Type.String(),
  purpose: Type.String(),
  status: Type.String({ description: 'kept (no SMTP), sending, sent or failed.' }),
  transport: Type.String(),
  error: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  sent_at: NullableTimestamp,
});
export const OutboxQuery = Strict({
  ...PaginationQuery,
  status: Type.Optional(
    Type.Union([Type.Literal('kept'), Type.Literal('sending'), Type.Literal('sent'), Type.Literal('failed')]),
  ),
  purpose: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
  to: Type.Optional(Type.String({ minLength: 1, maxLength: 254 })),
});
export const OutboxParams = Strict({ id: Id('mail') });
