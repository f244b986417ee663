import type { Kysely, SelectQueryBuilder } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import { containsFn } from '../../platform/db/sql.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB, AuditEventsTable } from '../../platform/db/schema.js';
import type { CredentialType } from '../../platform/auth/principal.js';
import type { AuditEvent, AuditFilter, AuditOutcome } from './audit.types.js';

export type NewAuditRow = Omit<AuditEventsTable, 'before' | 'after'> & { before: unknown; after: unknown };

function toEvent(row: AuditEventsTable): AuditEvent {
  return {
    id: row.id,
    workspace_id: row.workspace_id,
    occurred_at: decode.time(row.occurred_at),
    actor: { type: row.actor_type, id: row.actor_id, label: row.actor_label },
    credential: { type: row.credential_type as CredentialType | null, id: row.credential_id },
    permission: row.permission,
    action: row.action,
    outcome: row.outcome as AuditOutcome,
    target: { type: row.target_type, id: row.target_id },
    before: decode.json(row.before, null),
    after: decode.json(row.after, null),
    reason: row.reason,
    ip: row.ip,
    user_agent: row.user_agent,
    request_id: row.request_id,
  };
}

export class AuditRepository {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly dialect: Dialect,
  ) {}

  async insert(row: NewAuditRow): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        ...row,
        before: row.before === undefined ? null : codec.json(row.before),
        after: row.after === undefined ? null : codec.json(row.after),
      })
      .execute();
  }

  private filtered(filter: AuditFilter): SelectQueryBuilder<DB, 'audit_events', object> {
    let q = this.db.selectFrom('audit_events');
    if (filter.workspaceId !== undefined) {
      q =
        filter.workspaceId === null
          ? q.where('workspace_id', 'is', null)
          : q.where('workspace_id', '=', filter.workspaceId);
    }
    if (filter.action) {
      if (filter.action.endsWith('.*')) {
        // A prefix range instead of LIKE: no escaping rules that differ by dialect.
        const prefix = filter.action.slice(0, -1);
        q = q.where('action', '>=', prefix).where('action', '<', `${prefix}\uffff`);
      } else {
        q = q.where('action', '=', filter.action);
      }
    }
    if (filter.actorId) q = q.where('actor_id', '=', filter.actorId);
    if (filter.targetId) q = q.where('target_id', '=', filter.targetId);
    if (filter.targetType) q = q.where('target_type', '=', filter.targetType);
    if (filter.outcome) q = q.where('outcome', '=', filter.outcome);
    if (filter.permission) q = q.where('permission', '=', filter.permission);
    if (filter.from) q = q.where('occurred_at', '>=', codec.time(filter.from));
    if (filter.to) q = q.where('occurred_at', '<', codec.time(filter.to));
    if (filter.ids?.length) q = q.where('id', 'in', filter.ids);
    if (filter.q) {
      const needle = filter.q.toLowerCase();
      q = q.where((eb) =>
        eb.or(
          (['action', 'actor_label', 'target_id'] as const).map((col) =>
            eb(containsFn(this.dialect, eb.fn('lower', [col]), needle), '>', 0),
          ),
        ),
      );
    }
    return q;
  }

  async list(
    filter: AuditFilter,
    limit: number,
    offset: number,
  ): Promise<{ items: AuditEvent[]; total: number }> {
    const base = this.filtered(filter);
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('occurred_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toEvent), total: decode.int(count.n) };
  }

  /** Streams matching rows in pages so exports never hold the whole log in memory. */
  async *iterate(filter: AuditFilter, pageSize = 500): AsyncGenerator<AuditEvent> {
    let cursor: { at: string; id: string } | undefined;
    for (;;) {
      let q = this.filtered(filter).selectAll();
      if (cursor) {
        const c = cursor;
        q = q.where((eb) =>
          eb.or([eb('occurred_at', '<', c.at), eb.and([eb('occurred_at', '=', c.at), eb('id', '<', c.id)])]),
        );
      }
      const rows = await q.orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(pageSize).execute();
      for (const row of rows) yield toEvent(row);
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      cursor = { at: last.occurred_at, id: last.id };
    }
  }

  async findById(id: string): Promise<AuditEvent | undefined> {
    const row = await this.db.selectFrom('audit_events').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toEvent(row) : undefined;
  }

  /** Distinct values with counts for the filter UI. */
  async facets(
    filter: AuditFilter,
    fields: Array<'action' | 'outcome' | 'actor_label' | 'target_type' | 'permission' | 'credential_type'>,
  ): Promise<Record<string, Array<{ value: string; count: number }>>> {
    const out: Record<string, Array<{ value: string; count: number }>> = {};
    for (const field of fields) {
      const rows = await this.filtered(filter)
        .select([field, (eb) => eb.fn.countAll<number>().as('n')])
        .where(field, 'is not', null)
        .groupBy(field)
        .orderBy('n', 'desc')
        .limit(100)
        .execute();
      out[field] = rows.map((r) => ({ value: String(r[field]), count: decode.int(r.n) }));
    }
    return out;
  }
}
