import { unauthorized } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Metrics } from './metrics.js';

/**
 * Guards the Prometheus exposition: the configured scrape token, or a person/key
 * holding `metrics:read` in their workspace. Metrics are instance-wide, so the
 * workspace only decides who may look.
 */
export class MetricsService {
  constructor(
    private readonly metrics: Metrics,
    private readonly access: AccessService,
  ) {}

  get contentType(): string {
    return this.metrics.contentType;
  }

  async scrape(principal: Principal, workspaceId?: string): Promise<string> {
    if (principal.credential.type !== 'metrics_token') {
      if (principal.kind === 'anonymous') throw unauthorized();
      await this.access.require(principal, 'metrics:read', { workspaceId, action: 'metrics.read' });
    }
    return this.metrics.render();
  }
}
