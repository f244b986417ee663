import { Type } from 'typebox';
import { KEY_SCOPES } from '../../platform/auth/permissions.js';
import { Id, NullableTimestamp, PaginationQuery, Strict, Timestamp } from '../../platform/http/schemas.js';

export const ScopeSchema = Type.Enum(KEY_SCOPES);

const keyProperties = {
  id: Type.String(),
  name: Type.String(),
  prefix: Type.String({ description: 'The first characters of the key, to recognise it; not a secret.' }),
  scopes: Type.Array(ScopeSchema),
  workspace_id: Type.String(),
  user_id: Type.String({ description: 'The member the key acts as.' }),
  created_at: Timestamp,
  last_used_at: NullableTimestamp,
  expires_at: NullableTimestamp,
};

/** What lists show: the hash and the plaintext are never part of it. */
export const ApiKeySchema = Type.Object(keyProperties);

export const CreatedKeySchema = Type.Object({
  key: Type.Object({
    ...keyProperties,
    plaintext: Type.String({ description: 'The full key (`ir_live_…`). Shown only in this response.' }),
  }),
});

export const ListKeysQuery = Strict({
  workspace_id: Type.Optional(Id('ws')),
  all: Type.Optional(
    Type.Boolean({ description: "Every member's keys in the workspace (needs `auth:manage`)." }),
  ),
  ...PaginationQuery,
});

export const CreateKeyBody = Strict({
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Shown in lists.' }),
  scopes: Type.Optional(
    Type.Array(ScopeSchema, {
      minItems: 1,
      maxItems: KEY_SCOPES.length,
      uniqueItems: true,
      description: 'Defaults to ["read"]. Cannot exceed what your access in the workspace allows.',
    }),
  ),
  workspace_id: Type.Optional(Id('ws')),
  expires_at: Type.Optional(Type.String({ format: 'date-time', description: 'Must be in the future.' })),
});

export const KeyParams = Strict({ id: Id('key') });
