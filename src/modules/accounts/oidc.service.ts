import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import type { Logger } from 'pino';
import type { OidcConfig } from '../../config.js';
import { AppError, badRequest, unauthorized } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { AccountsService } from './accounts.service.js';

/** The login attempt carried through the IdP round trip in a signed, short-lived cookie. */
interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  redirect: string;
}

export const OIDC_STATE_COOKIE = 'iris_oidc';
const STATE_TTL_SECONDS = 600;
const DISCOVERY_RETRY_MS = 30_000;

export interface OidcStart {
  location: string;
  /** Value of the state cookie (a signed JWT); the route sets it HttpOnly. */
  cookie: string;
  maxAgeSeconds: number;
}

export interface OidcLoginResult {
  location: string;
  token: string;
  expires_at: string;
}

/**
 * OIDC login (spec 003): authorization code flow with PKCE, state and nonce, on
 * openid-client. The attempt's secrets (state, nonce, PKCE verifier) live in a cookie
 * signed with the instance secret, so any API process can finish a login another one
 * started. The IdP's metadata is discovered once and cached; a failed discovery is
 * retried after a pause instead of on every request.
 */
export class OidcService {
  private discovered: Promise<oidc.Configuration> | undefined;
  private failedAt = 0;
  private readonly stateKey: Uint8Array;

  constructor(
    private readonly d: {
      config: OidcConfig | undefined;
      accounts: AccountsService;
      access: AccessService;
      secret: string;
      publicUrl: string;
      apiPrefix: string;
      logger: Logger;
    },
  ) {
    this.stateKey = createHash('sha256').update(`oidc-state:${d.secret}`).digest();
  }

  publicConfig() {
    const c = this.d.config;
    if (!c) return { enabled: false as const };
    return {
      enabled: true as const,
      issuer: c.issuer,
      label: c.label,
      login_url: `${this.d.publicUrl}${this.d.apiPrefix}/auth/oidc/login`,
    };
  }

  /** Starts a login: where to send the browser, and the state cookie to set. */
  async start(redirect: string | undefined): Promise<OidcStart> {
    const config = await this.configuration();
    const login: LoginState = {
      state: oidc.randomState(),
      nonce: oidc.randomNonce(),
      verifier: oidc.randomPKCECodeVerifier(),
      redirect: safeRedirect(redirect),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.cfg().redirectUrl,
      scope: this.cfg().scopes,
      state: login.state,
      nonce: login.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(login.verifier),
      code_challenge_method: 'S256',
    });
    const cookie = await new SignJWT({ ...login })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuedAt()
      .setExpirationTime(`${STATE_TTL_SECONDS}s`)
      .sign(this.stateKey);
    return { location: url.href, cookie, maxAgeSeconds: STATE_TTL_SECONDS };
  }

  /**
   * Finishes a login from the IdP's redirect: checks the state cookie, redeems the code
   * (PKCE), validates the ID token (signature, issuer, audience, nonce), then logs in
   * or creates the account for its verified email.
   */
  async callback(
    principal: Principal,
    currentUrl: URL,
    cookie: string | undefined,
  ): Promise<OidcLoginResult> {
    const config = await this.configuration();
    const idpError = currentUrl.searchParams.get('error');
    if (idpError) {
      const description = currentUrl.searchParams.get('error_description');
      throw unauthorized(
        `The identity provider refused the login: ${idpError}${description ? ` (${description})` : ''}.`,
      );
    }
    const login = await this.readState(cookie);
    const returned = currentUrl.searchParams.get('state') ?? '';
    if (!sameString(returned, login.state)) {
      throw badRequest('The login state does not match; start the login again.');
    }
    // openid-client takes the callback URL as the IdP built it, against the registered redirect URI.
    const callbackUrl = new URL(this.cfg().redirectUrl);
    callbackUrl.search = currentUrl.search;
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: login.verifier,
        expectedState: login.state,
        expectedNonce: login.nonce,
        idTokenExpected: true,
      });
      const idToken = tokens.claims();
      claims = idToken ? { ...idToken } : undefined;
      // Many IdPs keep profile claims out of the ID token in the code flow: ask userinfo.
      if (idToken && typeof idToken.email !== 'string') {
        claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)), ...idToken };
      }
    } catch (err) {
      this.d.logger.warn({ err: { message: (err as Error).message } }, 'oidc code exchange failed');
      throw unauthorized(
        `The login could not be completed with the identity provider: ${(err as Error).message}`,
      );
    }
    if (!claims) throw unauthorized('The identity provider returned no ID token.');
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    if (!email) {
      throw unauthorized('The identity provider did not share an email address; add the "email" scope.');
    }
    if (claims.email_verified !== true) {
      throw unauthorized('The identity provider has not verified this email address.');
    }
    const name = typeof claims.name === 'string' ? claims.name : undefined;
    const session = await this.d.accounts.loginExternal(
      principal,
      { email, name, via: 'oidc' },
      this.cfg().autoCreate,
    );
    // The token travels in the fragment: browsers never send it to a server or a log.
    const fragment = new URLSearchParams({ token: session.token, expires_at: session.expires_at });
    return {
      location: `${this.d.publicUrl}${login.redirect}#${fragment.toString()}`,
      token: session.token,
      expires_at: session.expires_at,
    };
  }

  /** The IdP's discovery document, for admins checking the setup (auth:manage). */
  async discoveryDocument(principal: Principal) {
    await this.d.access.require(principal, 'auth:manage', {
      action: 'oidc.discovery',
      target: { type: 'oidc' },
    });
    const config = await this.configuration();
    return { issuer: this.cfg().issuer, metadata: config.serverMetadata() };
  }

  private cfg(): OidcConfig {
    if (!this.d.config)
      throw new AppError(
        'NOT_FOUND',
        'OIDC login is not configured on this instance (set IRIS_OIDC_ISSUER).',
      );
    return this.d.config;
  }

  private configuration(): Promise<oidc.Configuration> {
    const c = this.cfg();
    if (!this.discovered || (this.failedAt && Date.now() - this.failedAt > DISCOVERY_RETRY_MS)) {
      this.failedAt = 0;
      const insecure = new URL(c.issuer).protocol === 'http:';
      this.discovered = oidc
        .discovery(
          new URL(c.issuer),
          c.clientId,
          c.clientSecret,
          c.clientSecret ? oidc.ClientSecretBasic(c.clientSecret) : oidc.None(),
          // http issuers are for local IdPs (development, tests); production ones are https.
          insecure ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
        )
        .catch((err: unknown) => {
          this.failedAt = Date.now();
          this.d.logger.warn({ err: { message: (err as Error).message } }, 'oidc discovery failed');
          throw new AppError(
            'SERVICE_UNAVAILABLE',
            `The identity provider at ${c.issuer} could not be reached: ${(err as Error).message}`,
          );
        });
    }
    return this.discovered;
  }

  private async readState(cookie: string | undefined): Promise<LoginState> {
    if (!cookie)
      throw badRequest('The login cookie is missing; start the login again (cookies must be enabled).');
    try {
      const { payload } = await jwtVerify(cookie, this.stateKey, { algorithms: ['HS256'] });
      const { state, nonce, verifier, redirect } = payload as Partial<LoginState>;
      if (!state || !nonce || !verifier || typeof redirect !== 'string') throw new Error('incomplete');
      return { state, nonce, verifier, redirect };
    } catch {
      throw badRequest('The login has expired or its cookie is invalid; start the login again.');
    }
  }
}

/** Only same-site paths: an open redirect would hand the session token to anyone. */
export function safeRedirect(redirect: string | undefined): string {
  if (!redirect || !redirect.startsWith('/') || redirect.startsWith('//') || redirect.includes('\\'))
    return '/';
  return redirect.slice(0, 512);
}

function sameString(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
