import type { Logger } from 'pino';
import { newId } from '../../platform/ids.js';
import { codec } from '../../platform/db/codec.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { AuditRepository } from './audit.repository.js';
import type { AuditOutcome } from './audit.types.js';
import { redact } from './redact.js';

export interface AuditEntry {
  workspaceId?: string | null;
  action: string;
  permission?: string | null;
  outcome?: AuditOutcome;
  target?: { type: string; id?: string | null };
  before?: unknown;
  after?: unknown;
  reason?: string;
}

/** Writes the audit trail: every mutation and every denied attempt goes through here. */
export class AuditWriter {
  constructor(
    private readonly repo: AuditRepository,
    private readonly logger: Logger,
  ) {}

  async record(principal: Principal, entry: AuditEntry): Promise<void> {
    try {
      await this.repo.insert({
        id: newId('aud'),
        workspace_id: entry.workspaceId ?? principal.credential.workspaceId ?? null,
        occurred_at: codec.now(),
        actor_type: principal.kind,
        actor_id: principal.userId ?? (principal.kind === 'node' ? (principal.credential.id ?? null) : null),
        actor_label: principal.email ?? null,
        credential_type: principal.credential.type,
        credential_id: principal.credential.id ?? null,
        permission: entry.permission ?? null,
        action: entry.action,
        outcome: entry.outcome ?? 'success',
        target_type: entry.target?.type ?? null,
        target_id: entry.target?.id ?? null,
        before: entry.before === undefined ? undefined : redact(entry.before),
        after: entry.after === undefined ? undefined : redact(entry.after),
        reason: entry.reason ?? null,
        ip: principal.ip ?? null,
        user_agent: principal.userAgent?.slice(0, 512) ?? null,
        request_id: principal.requestId ?? null,
      });
    } catch (err) {
      // A denied attempt must still be answered even if the log write fails; the
      // failure itself is logged loudly so it is not silent.
      this.logger.error({ err, action: entry.action }, 'audit write failed');
      if (entry.outcome !== 'denied') throw err;
    }
  }
}
