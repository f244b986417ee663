import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcConfig } from '../../src/config.js';
import { createTestApp, seedUser, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';

/**
 * OIDC login against a real identity provider: panva's oidc-provider in this process,
 * with its development login and consent pages, driven like a browser would (cookies,
 * redirects, form posts). Iris itself is reached through app.inject at a fake public
 * URL, so the IdP's redirect back is intercepted and replayed into the app.
 */
const IRIS = 'http://iris.test';
const CLIENT = { client_id: 'iris', client_secret: 'iris-client-secret-0123456789abcdef' };

interface Idp {
  issuer: string;
  close(): Promise<void>;
}

async function startIdp(): Promise<Idp> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        ...CLIENT,
        redirect_uris: [`${IRIS}/api/v1/auth/oidc/callback`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The login form's "login" field is the subject; its email follows from it.
    findAccount: (_ctx, sub) => ({
      accountId: sub,
      claims: () => ({
        sub,
        email: `${sub}@example.com`,
        email_verified: !sub.startsWith('unverified'),
        name: `User ${sub}`,
      }),
    }),
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['test-cookie-key-0123456789'] },
  });
  server.on('request', provider.callback());
  return {
    issuer,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Cookies by name: enough for one IdP host. */
class Jar {
  private readonly cookies = new Map<string, string>();
  store(res: Response) {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, ...value] = pair!.split('=');
      this.cookies.set(name!.trim(), value.join('='));
    }
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

const formAction = (html: string) => {
  const m = /<form[^>]*action="([^"]+)"/.exec(html);
  if (!m) throw new Error(`no form in IdP page: ${html.slice(0, 200)}`);
  return m[1]!.replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
};

/**
 * Plays the browser at the IdP from the authorization URL until it is sent back to
 * Iris: logs in as `subject` and consents. Returns Iris's callback URL.
 */
async function loginAtIdp(idp: Idp, authorizeUrl: string, subject: string): Promise<string> {
  const jar = new Jar();
  let url = authorizeUrl;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  for (let hop = 0; hop < 20; hop++) {
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        cookie: jar.header(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(body ? { body } : {}),
    });
    jar.store(res);
    method = 'GET';
    body = undefined;
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url).href;
      if (next.startsWith(IRIS)) return next;
      url = next;
      continue;
    }
    const html = await res.text();
    expect(res.status, html.slice(0, 300)).toBe(200);
    url = new URL(formAction(html), idp.issuer).href;
    method = 'POST';
    body = html.includes('name="login"')
      ? new URLSearchParams({ prompt: 'login', login: subject, password: 'any' })
      : new URLSearchParams({ prompt: 'consent' });
  }
  throw new Error('too many hops at the IdP');
}

const cookieOf = (setCookie: string | string[] | undefined) =>
  String(Array.isArray(setCookie) ? setCookie[0] : setCookie).split(';')[0]!;

describe.each(DIALECTS)('OIDC login on %s', (dialect) => {
  let idp: Idp;
  let t: TestApp;
  let off: TestApp;
  const config = (over: Partial<OidcConfig> = {}): OidcConfig => ({
    issuer: idp.issuer,
    clientId: CLIENT.client_id,
    clientSecret: CLIENT.client_secret,
    scopes: 'openid email profile',
    redirectUrl: `${IRIS}/api/v1/auth/oidc/callback`,
    autoCreate: true,
    label: 'Test IdP',
    ...over,
  });

  beforeAll(async () => {
    idp = await startIdp();
    t = await createTestApp(dialect, { publicUrl: IRIS, oidc: config() });
    off = await createTestApp(dialect);
  });
  afterAll(async () => {
    await t?.close();
    await off?.close();
    await idp?.close();
  });

  /** The whole round trip: Iris → IdP → Iris; returns Iris's final redirect. */
  async function roundTrip(app: TestApp, subject: string, redirect = '/recordings') {
    const start = await app.call('GET', `/api/v1/auth/oidc/login?redirect=${encodeURIComponent(redirect)}`);
    expect(start.statusCode, start.body).toBe(302);
    const cookie = cookieOf(start.headers['set-cookie']);
    expect(String(start.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Lax/);
    const callback = await loginAtIdp(idp, String(start.headers.location), subject);
    const done = await app.call('GET', callback.slice(IRIS.length), { headers: { cookie } });
    return { done, callback, cookie };
  }

  it('publishes its config, and says when SSO is off', async () => {
    const on = await t.call('GET', '/api/v1/auth/oidc/config');
    expect(on.json()).toEqual({
      enabled: true,
      issuer: idp.issuer,
      label: 'Test IdP',
      login_url: `${IRIS}/api/v1/auth/oidc/login`,
    });
    expect((await off.call('GET', '/api/v1/auth/oidc/config')).json()).toEqual({ enabled: false });
    const login = await off.call('GET', '/api/v1/auth/oidc/login');
    expect(login.statusCode).toBe(404);
    expect(login.json().error.message).toMatch(/IRIS_OIDC_ISSUER/);
  });

  it('logs a new user in through the IdP, creating the account once, with the token in the fragment', async () => {
    const { done } = await roundTrip(t, 'alice');
    expect(done.statusCode, done.body).toBe(302);
    const location = new URL(String(done.headers.location));
    expect(location.origin + location.pathname).toBe(`${IRIS}/recordings`);
    expect(location.search).toBe('');
    const token = new URLSearchParams(location.hash.slice(1)).get('token')!;
    const me = await t.call('GET', '/api/v1/auth/me', { token });
    expect(me.statusCode).toBe(200);
    expect(me.json().user ?? me.json()).toMatchObject({ email: 'alice@example.com' });
    const userId = (me.json().user ?? me.json()).id as string;

    const again = await roundTrip(t, 'alice');
    const token2 = new URLSearchParams(new URL(String(again.done.headers.location)).hash.slice(1)).get(
      'token',
    )!;
    const me2 = await t.call('GET', '/api/v1/auth/me', { token: token2 });
    expect((me2.json().user ?? me2.json()).id).toBe(userId);

    const events = await t.c.database.db
      .selectFrom('audit_events')
      .select(['action', 'outcome'])
      .where('actor_id', '=', userId)
      .where('action', 'in', ['auth.signup', 'auth.login'])
      .execute();
    expect(events.filter((e) => e.action === 'auth.signup')).toHaveLength(1);
    expect(events.filter((e) => e.action === 'auth.login')).toHaveLength(2);
  });

  it('logs an existing password account in by its verified email', async () => {
    const bob = await seedUser(t, 'bob@example.com');
    const { done } = await roundTrip(t, 'bob', '/');
    const token = new URLSearchParams(new URL(String(done.headers.location)).hash.slice(1)).get('token')!;
    const me = await t.call('GET', '/api/v1/auth/me', { token });
    expect((me.json().user ?? me.json()).id).toBe(bob.userId);
  });

  it('refuses unverified emails, replayed or tampered state, and open redirects', async () => {
    const unverified = await roundTrip(t, 'unverified-carol');
    expect(unverified.done.statusCode).toBe(401);
    expect(unverified.done.json().error.message).toMatch(/not verified/);

    // The same callback with no cookie, and with another attempt's cookie.
    const { callback } = await roundTrip(t, 'dave');
    const noCookie = await t.call('GET', callback.slice(IRIS.length));
    expect(noCookie.statusCode).toBe(400);
    const other = await t.call('GET', '/api/v1/auth/oidc/login');
    const mixed = await t.call('GET', callback.slice(IRIS.length), {
      headers: { cookie: cookieOf(other.headers['set-cookie']) },
    });
    expect(mixed.statusCode).toBe(400);
    expect(mixed.json().error.message).toMatch(/state does not match/);
    const forged = await t.call('GET', callback.slice(IRIS.length), {
      headers: { cookie: 'iris_oidc=eyJhbGciOiJIUzI1NiJ9.e30.forged' },
    });
    expect(forged.statusCode).toBe(400);

    const evil = await roundTrip(t, 'erin', '//evil.example.com/steal');
    expect(String(evil.done.headers.location)).toMatch(new RegExp(`^${IRIS}/#token=`));

    const idpError = await t.call('GET', '/api/v1/auth/oidc/callback?error=access_denied&state=x');
    expect(idpError.statusCode).toBe(401);
    expect(idpError.json().error.message).toMatch(/access_denied/);
  });

  it('without automatic sign-up, only existing accounts may log in', async () => {
    const closed = await createTestApp(dialect, { publicUrl: IRIS, oidc: config({ autoCreate: false }) });
    try {
      const { done } = await roundTrip(closed, 'frank');
      expect(done.statusCode).toBe(403);
      expect(done.json().error.message).toMatch(/no Iris account/);
    } finally {
      await closed.close();
    }
  });

  it("shows the IdP's discovery document to admins only", async () => {
    const owner = await seedUser(t);
    const doc = await t.call('GET', '/api/v1/auth/oidc/discovery', { token: owner.token });
    expect(doc.statusCode, doc.body).toBe(200);
    expect(doc.json().metadata.issuer).toBe(idp.issuer);
    expect(doc.json().metadata.authorization_endpoint).toMatch(/^http:\/\/127\.0\.0\.1/);
    expect((await t.call('GET', '/api/v1/auth/oidc/discovery')).statusCode).toBe(401);
  });
});
