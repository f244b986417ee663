import type { Principal } from '../../platform/auth/principal.js';
import type { SessionTokens } from '../../platform/auth/tokens.js';
import { newId } from '../../platform/ids.js';
import type { AccountUser, AccountsRepository } from './accounts.repository.js';

export interface IssuedSession {
  sessionId: string;
  token: string;
  expiresAt: string;
}

/**
 * A session is a row (so it can be revoked) plus a JWT naming it (so most checks
 * stay cheap). The JWT expires with the row.
 */
export class SessionIssuer {
  constructor(
    private readonly tokens: SessionTokens,
    private readonly ttlSeconds: number,
  ) {}

  async start(
    repo: AccountsRepository,
    userId: string,
    via: string,
    meta: Pick<Principal, 'ip' | 'userAgent'>,
  ): Promise<IssuedSession> {
    const sessionId = newId('ses');
    const expires = new Date(Date.now() + this.ttlSeconds * 1000);
    await repo.insertSession({
      id: sessionId,
      user_id: userId,
      via,
      ip: meta.ip ?? null,
      user_agent: meta.userAgent?.slice(0, 512) ?? null,
      expires_at: expires.toISOString(),
    });
    const token = await this.tokens.sign({ userId, sessionId }, expires);
    return { sessionId, token, expiresAt: expires.toISOString() };
  }
}

/** The principal of a user acting through a session: used to audit what they just did. */
export function sessionPrincipal(
  user: AccountUser,
  sessionId: string | undefined,
  meta: Pick<Principal, 'ip' | 'userAgent' | 'requestId'>,
): Principal {
  return {
    kind: 'user',
    userId: user.id,
    email: user.email,
    name: user.name,
    isInstanceAdmin: user.is_instance_admin,
    credential: sessionId ? { type: 'session', id: sessionId } : { type: 'none' },
    ...meta,
  };
}
