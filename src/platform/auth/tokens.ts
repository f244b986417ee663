import {
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';

export const API_KEY_PREFIX = 'ir_live_';
/** How much of a key is kept in clear to let people recognise it in lists. */
const SHOWN_CHARS = 12;

export function sha256Hex(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Constant-time equality for secrets of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb) && a.length === b.length;
}

/**
 * API keys carry 256 random bits, so a fast SHA-256 is the right stored form:
 * brute-forcing the hash is as hopeless as guessing the key, and lookup is an index hit.
 */
export function generateApiKey(): { plaintext: string; hash: string; prefix: string } {
  const plaintext = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return {
    plaintext,
    hash: sha256Hex(plaintext),
    prefix: plaintext.slice(0, API_KEY_PREFIX.length + SHOWN_CHARS - 4),
  };
}

/** One-time tokens sent by email (verify, reset, invite): random, stored hashed. */
export function generateOneTimeToken(): { token: string; hash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: sha256Hex(token) };
}

export function deriveKey(secret: string, purpose: string): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(`iris:${purpose}`).digest());
}

export interface SessionClaims {
  userId: string;
  sessionId: string;
}

const VERIFIED_TOKENS = 5000;

export class SessionTokens {
  /** A KeyObject made once: given raw bytes, jose imports the key again on every verify. */
  private readonly key: KeyObject;
  constructor(secret: string) {
    this.key = createSecretKey(deriveKey(secret, 'session-jwt'));
  }

  async sign(claims: SessionClaims, expiresAt: Date): Promise<string> {
    return new SignJWT({ sid: claims.sessionId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer('iris')
      .setAudience('iris-api')
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
      .sign(this.key);
  }

  /**
   * Tokens whose signature and claims were verified, with their expiry: a dashboard sends
   * the same token on every request, and jose's HMAC check (WebCrypto, asynchronous) was
   * the largest cost left on a session request. A signature that verified once verifies
   * for ever, so only the expiry needs checking again; revocation is the session row's
   * business (authenticator.ts), not the token's. Bounded; the oldest entries go first.
   */
  private readonly verified = new Map<string, SessionClaims & { exp: number }>();

  /** Returns the claims, or a reason the token is not acceptable. */
  async verify(token: string, nowMs = Date.now()): Promise<SessionClaims | { error: string }> {
    const known = this.verified.get(token);
    if (known) {
      if (nowMs / 1000 < known.exp) return { userId: known.userId, sessionId: known.sessionId };
      this.verified.delete(token);
      return { error: 'Session token has expired.' };
    }
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: 'iris',
        audience: 'iris-api',
        algorithms: ['HS256'],
        currentDate: new Date(nowMs),
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string')
        return { error: 'Malformed session token.' };
      const claims = { userId: payload.sub, sessionId: payload.sid };
      if (typeof payload.exp === 'number') {
        this.verified.set(token, { ...claims, exp: payload.exp });
        if (this.verified.size > VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      }
      return claims;
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { error: 'Session token has expired.' };
      return { error: 'Invalid session token.' };
    }
  }
}
