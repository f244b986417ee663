import { paginate, type PaginateOptions } from './pagination.js';
import type { Transport } from './transport.js';
import type { AuditEvent, AuditEventList, AuditQuery } from './types.js';

/** The audit log: every mutation and every denied attempt. */
export class Audit {
  constructor(private readonly t: Transport) {}

  list(query: AuditQuery = {}) {
    return this.t.call<AuditEventList>('GET', '/api/v1/audit-events', { query });
  }

  iterate(query: Omit<AuditQuery, 'limit' | 'offset'> = {}, options: PaginateOptions = {}) {
    return paginate<AuditEvent>((page) => this.list({ ...query, ...page }), options);
  }

  get(eventId: string) {
    return this.t.call<unknown>('GET', '/api/v1/audit-events/{id}', { path: { id: eventId } });
  }
}
