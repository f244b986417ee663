import type { CredentialType } from '../../platform/auth/principal.js';

export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditEvent {
  id: string;
  workspace_id: string | null;
  occurred_at: string;
  actor: { type: string; id: string | null; label: string | null };
  credential: { type: CredentialType | null; id: string | null };
  permission: string | null;
  action: string;
  outcome: AuditOutcome;
  target: { type: string | null; id: string | null };
  before: unknown;
  after: unknown;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
}

export interface AuditFilter {
  workspaceId?: string | null;
  action?: string;
  actorId?: string;
  targetId?: string;
  targetType?: string;
  outcome?: AuditOutcome;
  permission?: string;
  from?: string;
  to?: string;
  q?: string;
  ids?: string[];
}
