import type { Kysely } from 'kysely';
import { decode } from '../../platform/db/codec.js';
import type { DB } from '../../platform/db/schema.js';

export interface OutboxMail {
  id: string;
  to: string;
  subject: string;
  text_body: string;
  purpose: string;
  status: string;
  transport: string;
  error: string | null;
  created_at: string;
  sent_at: string | null;
}

export interface OutboxFilter {
  status?: string | undefined;
  purpose?: string | undefined;
  to?: string | undefined;
}

const toMail = (r: DB['mail_outbox']): OutboxMail => ({
  id: r.id,
  to: r.to_address,
  subject: r.subject,
  text_body: r.text_body,
  purpose: r.purpose,
  status: r.status,
  transport: r.transport,
  error: r.error,
  created_at: decode.time(r.created_at),
  sent_at: decode.timeOrNull(r.sent_at),
});

/** Reads the mail outbox the Mailer writes. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async list(filter: OutboxFilter, limit: number, offset: number) {
    let base = this.db.selectFrom('mail_outbox');
    if (filter.status) base = base.where('status', '=', filter.status);
    if (filter.purpose) base = base.where('purpose', '=', filter.purpose);
    if (filter.to) base = base.where('to_address', '=', filter.to.trim().toLowerCase());
    const [rows, count] = await Promise.all([
      base
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .offset(offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toMail), total: decode.int(count.n) };
  }

  async find(id: string): Promise<OutboxMail | undefined> {
    const row = await this.db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toMail(row) : undefined;
  }
}
