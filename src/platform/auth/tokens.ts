import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
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

export class SessionTokens {
  private readonly key: Uint8Array;
  constructor(secret: string) {
    this.key = deriveKey(secret, 'session-jwt');
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

  /** Returns the claims, or a reason the token is not acceptable. */
  async verify(token: string): Promise<SessionClaims | { error: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer: 'iris',
        audience: 'iris-api',
        algorithms: ['HS256'],
      });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string')
        return { error: 'Malformed session token.' };
      return { userId: payload.sub, sessionId: payload.sid };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { error: 'Session token has expired.' };
      return { error: 'Invalid session token.' };
    }
  }
}
