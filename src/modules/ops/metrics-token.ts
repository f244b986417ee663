import type { CredentialResolver, RequestMeta } from '../../platform/auth/authenticator.js';
import type { Principal } from '../../platform/auth/principal.js';
import { safeEqual } from '../../platform/auth/tokens.js';

/**
 * Recognises the configured scrape token (IRIS_METRICS_TOKEN). The principal it yields
 * is anonymous apart from its credential type, so the token opens /metrics and nothing
 * else: every service that needs a user or a workspace still answers 401.
 */
export class MetricsTokenResolver implements CredentialResolver {
  constructor(private readonly token: string) {}

  async resolve(token: string, meta: RequestMeta): Promise<Principal | undefined> {
    if (!safeEqual(token, this.token)) return undefined;
    return { kind: 'anonymous', isInstanceAdmin: false, credential: { type: 'metrics_token' }, ...meta };
  }
}
