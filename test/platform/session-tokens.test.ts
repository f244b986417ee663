import { describe, expect, it } from 'vitest';
import { SessionTokens } from '../../src/platform/auth/tokens.js';

describe('session tokens', () => {
  const claims = { userId: 'usr_1', sessionId: 'ses_1' };

  it('verifies a token again from memory, and still ends it at its expiry', async () => {
    const tokens = new SessionTokens('session-secret-session-secret-0000');
    const expires = new Date(Date.now() + 60_000);
    const token = await tokens.sign(claims, expires);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await tokens.verify(token, expires.getTime() + 1000)).toEqual({
      error: 'Session token has expired.',
    });
    // Expired on a fresh instance too (jose's own check, not the remembered one).
    expect(
      await new SessionTokens('session-secret-session-secret-0000').verify(token, expires.getTime() + 1000),
    ).toEqual({
      error: 'Session token has expired.',
    });
  });

  it('never takes a token it has not verified: a changed signature or another secret fails', async () => {
    const tokens = new SessionTokens('session-secret-session-secret-0000');
    const token = await tokens.sign(claims, new Date(Date.now() + 60_000));
    expect(await tokens.verify(token)).toEqual(claims);
    const [head, body, sig] = token.split('.') as [string, string, string];
    const flipped = `${head}.${body}.${sig.slice(0, -2)}${sig.endsWith('AA') ? 'BB' : 'AA'}`;
    expect(await tokens.verify(flipped)).toEqual({ error: 'Invalid session token.' });
    expect(await new SessionTokens('another-secret-another-secret-0000').verify(token)).toEqual({
      error: 'Invalid session token.',
    });
  });
});
