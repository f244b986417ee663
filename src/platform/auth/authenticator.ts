import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import { codec } from '../db/codec.js';
import { touchDue, type CredentialUser, type CredentialsRepository } from './credentials.repository.js';
import type { Principal } from './principal.js';
import { anonymous } from './principal.js';
import { API_KEY_PREFIX, sha256Hex, type SessionTokens } from './tokens.js';

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

/** Extra credential kinds later modules plug in (e.g. node credentials). */
export interface CredentialResolver {
  /** Returns a principal when the token is theirs, undefined when it is not their format. */
  resolve(token: string, meta: RequestMeta): Promise<Principal | undefined>;
}

const invalid = (message: string) => new AppError('UNAUTHORIZED', message);

/** Turns the Authorization header (or a trusted SSO header) into a Principal. */
export class Authenticator {
  private readonly resolvers: CredentialResolver[] = [];

  constructor(
    private readonly repo: CredentialsRepository,
    private readonly sessions: SessionTokens,
    private readonly logger: Logger,
    private readonly ssoEmailHeader?: string,
  ) {}

  addResolver(resolver: CredentialResolver): void {
    this.resolvers.push(resolver);
  }

  async authenticate(
    headers: Record<string, string | string[] | undefined>,
    meta: RequestMeta,
  ): Promise<Principal> {
    const header = headers.authorization;
    if (header === undefined) {
      const sso = this.ssoEmailHeader ? headers[this.ssoEmailHeader] : undefined;
      if (typeof sso === 'string' && sso) return this.fromSso(sso, meta);
      return anonymous(meta);
    }
    if (Array.isArray(header)) throw invalid('Send exactly one Authorization header.');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw invalid('Use "Authorization: Bearer <token>".');
    const token = match[1]!;
    if (token.length > 4096) throw invalid('Token is too long.');
    if (token.startsWith(API_KEY_PREFIX)) return this.fromApiKey(token, meta);
    for (const resolver of this.resolvers) {
      const principal = await resolver.resolve(token, meta);
      if (principal) return principal;
    }
    return this.fromSession(token, meta);
  }

  private async fromApiKey(token: string, meta: RequestMeta): Promise<Principal> {
    const now = codec.now();
    const key = await this.repo.activeKeyByHash(sha256Hex(token), now);
    if (!key) throw invalid('Invalid API key.');
    this.ensureActive(key.user);
    if (touchDue(key.lastUsedAt, now)) {
      // Recorded at most once a minute per key to keep writes off the hot path.
      this.repo
        .touchKey(key.keyId, now)
        .catch((err) => this.logger.warn({ err }, 'could not record key use'));
    }
    return {
      ...this.userFields(key.user),
      credential: { type: 'api_key', id: key.keyId, scopes: key.scopes, workspaceId: key.workspaceId },
      ...meta,
    };
  }

  private async fromSession(token: string, meta: RequestMeta): Promise<Principal> {
    const claims = await this.sessions.verify(token);
    if ('error' in claims) throw invalid(claims.error);
    const user = await this.repo.activeSession(claims.sessionId, claims.userId, codec.now());
    if (!user) throw invalid('Session has ended; log in again.');
    this.ensureActive(user);
    return { ...this.userFields(user), credential: { type: 'session', id: claims.sessionId }, ...meta };
  }

  private async fromSso(email: string, meta: RequestMeta): Promise<Principal> {
    const user = await this.repo.userByEmail(email.trim());
    if (!user) throw invalid('No Iris account for the SSO user.');
    this.ensureActive(user);
    return { ...this.userFields(user), credential: { type: 'sso' }, ...meta };
  }

  private ensureActive(user: CredentialUser): void {
    if (user.status !== 'active') throw invalid('This account is disabled.');
  }

  private userFields(
    user: CredentialUser,
  ): Pick<Principal, 'kind' | 'userId' | 'email' | 'name' | 'isInstanceAdmin'> {
    return {
      kind: 'user',
      userId: user.id,
      email: user.email,
      name: user.name,
      isInstanceAdmin: user.isInstanceAdmin,
    };
  }
}
