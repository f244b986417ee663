import { Type } from 'typebox';
import { Id, Strict } from '../../platform/http/schemas.js';

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const HealthSchema = Type.Object(
  {
    status: Type.Enum(['ok', 'degraded']),
    version: Type.String(),
    gpu: Type.Object(
      { used_mb: NullableNumber, total_mb: NullableNumber },
      { description: 'GPU memory in MiB; null when no GPU is in use.' },
    ),
    workers: Type.Array(
      Type.Object({ name: Type.String(), status: Type.String() }, { additionalProperties: true }),
    ),
    checks: Type.Object({ database: Type.Enum(['ok', 'failed']) }),
  },
  { description: 'Spec 001 health shape; `degraded` (HTTP 503) when the database does not answer.' },
);

export const LivenessSchema = Type.Object({ status: Type.Literal('ok') });

export const WorkspaceScopeQuery = Strict({ workspace_id: Type.Optional(Id('ws')) });

export const StatusSchema = Type.Object({
  workspace_id: Type.String(),
  uptime_seconds: Type.Integer(),
  version: Type.String(),
  role: Type.Enum(['serve', 'api', 'worker']),
  database: Type.Object({ dialect: Type.Enum(['sqlite', 'postgres']), ok: Type.Boolean() }),
  nodes: Type.Object({ total: Type.Integer(), online: Type.Integer(), offline: Type.Integer() }),
  recordings: Type.Object({
    total: Type.Integer(),
    by_status: Type.Record(Type.String(), Type.Integer()),
  }),
  health: Type.Object({ open: Type.Integer({ description: 'Open health events.' }) }),
  queue: Type.Union([Type.Object({}, { additionalProperties: true }), Type.Null()], {
    description: 'Job queue summary, once the queue module reports one.',
  }),
});

export const MetricsResponse = {
  description: 'Prometheus text exposition format 0.0.4.',
  content: { 'text/plain': { schema: Type.String() } },
};
