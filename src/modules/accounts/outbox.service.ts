import { forbidden, notFound, unauthorized } from '../../errors.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Page } from '../../platform/http/pagination.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { OutboxFilter, OutboxMail, OutboxRepository } from './outbox.repository.js';

/**
 * The instance owner's view of outgoing mail. Bodies are included because that is how
 * an instance without SMTP hands out verification and reset links; since they hold
 * one-time tokens, only instance admins may read them and every read is audited.
 */
export class OutboxService {
  constructor(
    private readonly repo: OutboxRepository,
    private readonly audit: AuditWriter,
  ) {}

  async list(principal: Principal, filter: OutboxFilter, page: Page) {
    await this.assertAdmin(principal, 'mail_outbox.list');
    const result = await this.repo.list(filter, page.limit, page.offset);
    await this.audit.record(principal, {
      workspaceId: null,
      action: 'mail_outbox.list',
      target: { type: 'mail_outbox' },
      after: { returned: result.items.map((m) => m.id) },
    });
    return result;
  }

  async get(principal: Principal, id: string): Promise<OutboxMail> {
    await this.assertAdmin(principal, 'mail_outbox.read');
    const mail = await this.repo.find(id);
    if (!mail) throw notFound('Mail');
    await this.audit.record(principal, {
      workspaceId: null,
      action: 'mail_outbox.read',
      target: { type: 'mail', id },
    });
    return mail;
  }

  private async assertAdmin(principal: Principal, action: string): Promise<void> {
    if (principal.kind !== 'user') throw unauthorized();
    const scopes = principal.credential.scopes;
    const keyTooWeak = principal.credential.type === 'api_key' && !scopes?.includes('admin');
    if (principal.isInstanceAdmin && !keyTooWeak) return;
    const reason = principal.isInstanceAdmin
      ? 'Reading the mail outbox needs an API key with the admin scope.'
      : 'Only instance administrators can read the mail outbox.';
    await this.audit.record(principal, {
      workspaceId: null,
      action,
      outcome: 'denied',
      target: { type: 'mail_outbox' },
      reason,
    });
    throw forbidden(reason);
  }
}
