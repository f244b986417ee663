import { routes, type IrisModule } from '../platform/modules/iris-module.js';
import type { Container } from '../container.js';
import { accessRoutes } from './access/access.routes.js';
import { accountsRoutes } from './accounts/accounts.routes.js';
import { oidcRoutes } from './accounts/oidc.routes.js';
import { outboxRoutes } from './accounts/outbox.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { blobsRoutes } from './blobs/blobs.routes.js';
import { keysRoutes } from './keys/keys.routes.js';
import { opsRootRoutes, statusRoutes } from './ops/ops.routes.js';
import { workspacesRoutes } from './workspaces/workspaces.routes.js';

type CoreParts = Pick<
  Container,
  | 'config'
  | 'health'
  | 'metricsAccess'
  | 'status'
  | 'workspaces'
  | 'auditQuery'
  | 'accounts'
  | 'profile'
  | 'accountEmails'
  | 'outbox'
  | 'oidc'
  | 'keys'
  | 'accessAdmin'
  | 'blobLinks'
>;

/**
 * The platform's own features (probes and status, workspaces, audit, accounts, keys,
 * RBAC administration, signed blob links) as modules, so app.ts mounts them the way it
 * mounts every other module.
 */
export function coreModules(c: CoreParts): IrisModule[] {
  return [
    {
      name: 'ops',
      routes: [
        routes(opsRootRoutes, { health: c.health, metrics: c.metricsAccess }, 'root'),
        routes(statusRoutes, { status: c.status }),
      ],
    },
    { name: 'workspaces', routes: [routes(workspacesRoutes, { workspaces: c.workspaces })] },
    { name: 'audit', routes: [routes(auditRoutes, { auditQuery: c.auditQuery })] },
    {
      name: 'accounts',
      routes: [
        routes(accountsRoutes, { accounts: c.accounts, profile: c.profile, emails: c.accountEmails }),
        routes(outboxRoutes, { outbox: c.outbox }),
        routes(oidcRoutes, { oidc: c.oidc, secureCookies: c.config.publicUrl.startsWith('https:') }),
      ],
    },
    {
      name: 'keys',
      routes: [
        routes(keysRoutes, { keys: c.keys, base: '/keys' }),
        // Spec 004's unversioned key paths, served by the same handlers.
        routes(keysRoutes, { keys: c.keys, base: '/me/api-keys', prefix: '/api' }, 'root'),
      ],
    },
    { name: 'access', routes: [routes(accessRoutes, { accessAdmin: c.accessAdmin })] },
    { name: 'blobs', routes: [routes(blobsRoutes, { links: c.blobLinks })] },
  ];
}
