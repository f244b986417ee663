import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface PruneCutoffs {
  /** Sessions that expired, or were revoked, before this. */
  sessionsBefore: string;
  /** Email tokens (verification, reset) that expired before this. */
  emailTokensBefore: string;
  /** Login-failure counters whose window started before this and whose lock (if any) ended before `now`. */
  loginWindowBefore: string;
  now: string;
}

export interface PruneCounts {
  sessions: number;
  email_tokens: number;
  login_failures: number;
}

/** The housekeeping deletes of `maintenance.prune`; every row it touches is dead already. */
export class MaintenanceRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async prune(c: PruneCutoffs): Promise<PruneCounts> {
    const sessions = await this.db
      .deleteFrom('sessions')
      .where((eb) =>
        eb.or([eb('expires_at', '<', c.sessionsBefore), eb('revoked_at', '<', c.sessionsBefore)]),
      )
      .executeTakeFirst();
    const tokens = await this.db
      .deleteFrom('email_tokens')
      .where('expires_at', '<', c.emailTokensBefore)
      .executeTakeFirst();
    const failures = await this.db
      .deleteFrom('login_failures')
      .where('window_started_at', '<', c.loginWindowBefore)
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', c.now)]))
      .executeTakeFirst();
    return {
      sessions: Number(sessions.numDeletedRows),
      email_tokens: Number(tokens.numDeletedRows),
      login_failures: Number(failures.numDeletedRows),
    };
  }
}
