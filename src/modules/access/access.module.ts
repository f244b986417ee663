import type { Kysely } from 'kysely';
import type { AccessService } from '../../platform/auth/access.js';
import type { Dialect } from '../../platform/db/database.js';
import type { DB } from '../../platform/db/schema.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import type { AccessAdmin } from './access.routes.js';
import { AdminGuard } from './admin-guard.js';
import { GroupsRepository } from './groups.repository.js';
import { GroupsService } from './groups.service.js';
import { PoliciesRepository } from './policies.repository.js';
import { PoliciesService } from './policies.service.js';
import { AccessUsersRepository } from './users.repository.js';
import { AccessUsersService } from './users.service.js';

export interface AccessAdminDeps {
  db: Kysely<DB>;
  dialect: Dialect;
  access: AccessService;
  audit: AuditWriter;
  mailer: Mailer;
  workspaces: WorkspacesRepository;
  publicUrl: string;
  passwordCost: number;
}

/** Wires the RBAC administration services (users, groups, policies) over one database. */
export function createAccessAdmin(d: AccessAdminDeps): AccessAdmin {
  const guard = new AdminGuard(d.access, d.audit);
  const groupsRepo = new GroupsRepository(d.db);
  return {
    users: new AccessUsersService({
      repo: new AccessUsersRepository(d.db, d.dialect),
      workspaces: d.workspaces,
      groups: groupsRepo,
      access: d.access,
      guard,
      audit: d.audit,
      mailer: d.mailer,
      publicUrl: d.publicUrl,
      passwordCost: d.passwordCost,
    }),
    groups: new GroupsService({ repo: groupsRepo, workspaces: d.workspaces, guard, audit: d.audit }),
    policies: new PoliciesService({
      repo: new PoliciesRepository(d.db),
      groups: groupsRepo,
      workspaces: d.workspaces,
      guard,
      audit: d.audit,
    }),
  };
}
