import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { GroupsService } from './groups.service.js';
import type { PoliciesService } from './policies.service.js';
import { groupsRoutes } from './groups.routes.js';
import { policiesRoutes } from './policies.routes.js';
import type { AccessUsersService } from './users.service.js';
import { usersRoutes } from './users.routes.js';

export interface AccessAdmin {
  users: AccessUsersService;
  groups: GroupsService;
  policies: PoliciesService;
}

/** Every RBAC administration route (spec 003 `/auth/users|groups|access-policies`). */
export const accessRoutes: FastifyPluginAsyncTypebox<{ accessAdmin: AccessAdmin }> = async (
  app,
  { accessAdmin },
) => {
  await app.register(usersRoutes, { users: accessAdmin.users });
  await app.register(groupsRoutes, { groups: accessAdmin.groups });
  await app.register(policiesRoutes, { policies: accessAdmin.policies });
};
