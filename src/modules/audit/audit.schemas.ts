import { Type, type Static, type TSchema } from 'typebox';
import { Id, PaginationQuery, Strict, Timestamp } from '../../platform/http/schemas.js';

const Nullable = <T extends TSchema>(s: T) => Type.Union([s, Type.Null()]);

export const AUDIT_OUTCOMES = ['success', 'denied', 'failure'] as const;
export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Filters shared by the list, facets and both export forms (snake_case, as on the wire). */
const FilterProperties = {
  /** Defaults to the workspace the key is bound to, else the caller's default workspace. */
  workspace_id: Type.Optional(Id('ws')),
  action: Type.Optional(
    Type.String({
      maxLength: 200,
      // Exact action, or a dotted prefix ending in `.*` (e.g. `workspace.*`).
      pattern: '^[A-Za-z0-9_:-]+(?:\\.[A-Za-z0-9_:-]+)*(?:\\.\\*)?$',
      description: 'Exact action (`workspace.update`) or a prefix (`workspace.*`).',
    }),
  ),
  actor_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  target_type: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  outcome: Type.Optional(Type.Enum(AUDIT_OUTCOMES)),
  permission: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  from: Type.Optional(Type.String({ format: 'date-time', description: 'Inclusive lower bound.' })),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'Exclusive upper bound.' })),
  q: Type.Optional(
    Type.String({ minLength: 1, maxLength: 200, description: 'Substring of action, actor or target id.' }),
  ),
};

export const AuditListQuery = Strict({ ...FilterProperties, ...PaginationQuery });
export const AuditFacetsQuery = Strict(FilterProperties);
export type AuditFilterInput = Static<typeof AuditFacetsQuery>;

const Format = Type.Optional(
  Type.Enum(EXPORT_FORMATS, { description: 'csv (default), json (one array) or ndjson (one event a line).' }),
);
export const AuditExportQuery = Strict({ ...FilterProperties, format: Format });
export const AuditExportBody = Strict({
  ...FilterProperties,
  format: Format,
  ids: Type.Optional(
    Type.Array(Id('aud'), {
      minItems: 1,
      maxItems: 1000,
      description: 'Export only these events (still limited by the filters and the workspace).',
    }),
  ),
});
export type AuditExportInput = Static<typeof AuditExportBody>;

export const AuditEventParams = Strict({ id: Id('aud') });
export const AuditEventQuery = Strict({ workspace_id: FilterProperties.workspace_id });

const eventProperties = {
  id: Type.String(),
  workspace_id: Nullable(Type.String()),
  occurred_at: Timestamp,
  actor: Type.Object({
    type: Type.String({ description: 'user, node, system or anonymous.' }),
    id: Nullable(Type.String()),
    label: Nullable(Type.String()),
  }),
  credential: Type.Object({
    type: Nullable(Type.String({ description: 'session, api_key, node, sso, metrics_token or none.' })),
    id: Nullable(Type.String()),
  }),
  permission: Nullable(Type.String()),
  action: Type.String(),
  outcome: Type.Enum(AUDIT_OUTCOMES),
  target: Type.Object({ type: Nullable(Type.String()), id: Nullable(Type.String()) }),
  reason: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  user_agent: Nullable(Type.String()),
  request_id: Nullable(Type.String()),
};

export const AuditEventSchema = Type.Object(eventProperties, {
  description: 'An audit event; the list leaves out before/after snapshots, the detail has them.',
});
export const AuditEventDetailSchema = Type.Object({
  ...eventProperties,
  before: Type.Unknown({ description: 'Redacted snapshot before the change, or null.' }),
  after: Type.Unknown({ description: 'Redacted snapshot after the change, or null.' }),
});

const FacetValues = Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() }), {
  description: 'Up to 100 values, most frequent first.',
});
export const FACET_FIELDS = [
  'action',
  'outcome',
  'actor_label',
  'target_type',
  'permission',
  'credential_type',
] as const;
export type FacetField = (typeof FACET_FIELDS)[number];
export const AuditFacetsSchema = Type.Object(
  Object.fromEntries(FACET_FIELDS.map((f) => [f, FacetValues])) as Record<FacetField, typeof FacetValues>,
);

/** Response documentation for the streamed exports; the body is never serialized by Fastify. */
export const ExportResponse = {
  description: 'The export file, streamed as an attachment.',
  content: {
    'text/csv': { schema: Type.String() },
    'application/json': { schema: Type.Array(AuditEventDetailSchema) },
    'application/x-ndjson': { schema: Type.String() },
  },
};
