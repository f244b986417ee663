import { badRequest, conflict, notFound } from '../../errors.js';
import type { WorkspaceAccess } from '../../platform/auth/access.js';
import type { Permission, Role } from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import { codec } from '../../platform/db/codec.js';
import type { Page } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import { allow, permissionsOfRoles, refuse, type AdminGuard, type Decision } from './admin-guard.js';
import type { Group, GroupPatch, GroupsRepository } from './groups.repository.js';
import { isUniqueViolation } from './unique.js';

export interface GroupsDeps {
  repo: GroupsRepository;
  workspaces: WorkspacesRepository;
  guard: AdminGuard;
  audit: AuditWriter;
}

export interface GroupInput {
  name: string;
  description?: string | undefined;
  roles?: Role[] | undefined;
  permissions?: Permission[] | undefined;
  member_ids?: string[] | undefined;
}

const groupTarget = (id: string | null) => ({ type: 'group', id });
const uniq = <T>(xs: T[]) => [...new Set(xs)];

/** Groups of a workspace: roles and permissions given to every member of the group. */
export class GroupsService {
  constructor(private readonly d: GroupsDeps) {}

  async list(principal: Principal, workspaceId: string | undefined, page: Page) {
    const ctx = await this.d.guard.require(principal, workspaceId, 'group.list', groupTarget(null));
    return this.d.repo.list(ctx.workspaceId, page.limit, page.offset);
  }

  async get(principal: Principal, workspaceId: string | undefined, id: string): Promise<Group> {
    const ctx = await this.d.guard.require(principal, workspaceId, 'group.read', groupTarget(id));
    const group = await this.d.repo.find(ctx.workspaceId, id);
    if (!group) throw notFound('Group');
    return group;
  }

  async create(principal: Principal, workspaceId: string | undefined, input: GroupInput): Promise<Group> {
    const action = 'group.create';
    const ctx = await this.d.guard.require(principal, workspaceId, action, groupTarget(null));
    const now = codec.now();
    const group: Group = {
      id: newId('grp'),
      workspace_id: ctx.workspaceId,
      name: input.name.trim(),
      description: input.description?.trim() ?? '',
      roles: uniq(input.roles ?? []),
      permissions: uniq(input.permissions ?? []).sort(),
      member_ids: uniq(input.member_ids ?? []).sort(),
      created_at: now,
      updated_at: now,
    };
    await this.d.guard.enforce(principal, ctx, this.mayHandOut(ctx, group), action, groupTarget(null));
    await this.assertMembers(ctx.workspaceId, group.member_ids);
    if (await this.d.repo.nameTaken(ctx.workspaceId, group.name)) throw this.nameConflict(group.name);
    try {
      await this.d.repo.create(group);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameConflict(group.name);
      throw err;
    }
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target: groupTarget(group.id),
      after: group,
    });
    return group;
  }

  async update(
    principal: Principal,
    workspaceId: string | undefined,
    id: string,
    input: Partial<GroupInput>,
  ): Promise<Group> {
    const action = 'group.update';
    const ctx = await this.d.guard.require(principal, workspaceId, action, groupTarget(id));
    const before = await this.d.repo.find(ctx.workspaceId, id);
    if (!before) throw notFound('Group');
    const patch: GroupPatch = {
      ...(input.name !== undefined ? { name: input.name.trim() } : {}),
      ...(input.description !== undefined ? { description: input.description.trim() } : {}),
      ...(input.roles !== undefined ? { roles: uniq(input.roles) } : {}),
      ...(input.permissions !== undefined ? { permissions: uniq(input.permissions).sort() } : {}),
    };
    const memberIds = input.member_ids !== undefined ? uniq(input.member_ids).sort() : undefined;
    const next: Group = { ...before, ...patch, member_ids: memberIds ?? before.member_ids };
    // Widening a group, or adding people to it, hands its access out: the caller must hold it.
    const widened =
      next.roles.some((r) => !before.roles.includes(r)) ||
      next.permissions.some((p) => !before.permissions.includes(p)) ||
      next.member_ids.some((m) => !before.member_ids.includes(m));
    if (widened) {
      await this.d.guard.enforce(principal, ctx, this.mayHandOut(ctx, next), action, groupTarget(id));
    }
    if (memberIds)
      await this.assertMembers(
        ctx.workspaceId,
        memberIds.filter((m) => !before.member_ids.includes(m)),
      );
    if (patch.name !== undefined && (await this.d.repo.nameTaken(ctx.workspaceId, patch.name, id))) {
      throw this.nameConflict(patch.name);
    }
    try {
      await this.d.repo.update(id, patch, memberIds);
    } catch (err) {
      if (isUniqueViolation(err)) throw this.nameConflict(patch.name ?? before.name);
      throw err;
    }
    const after = (await this.d.repo.find(ctx.workspaceId, id))!;
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target: groupTarget(id),
      before,
      after,
    });
    return after;
  }

  async delete(principal: Principal, workspaceId: string | undefined, id: string): Promise<void> {
    const action = 'group.delete';
    const ctx = await this.d.guard.require(principal, workspaceId, action, groupTarget(id));
    const before = await this.d.repo.find(ctx.workspaceId, id);
    if (!before) throw notFound('Group');
    await this.d.repo.delete(id);
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target: groupTarget(id),
      before,
    });
  }

  private mayHandOut(ctx: WorkspaceAccess, group: Pick<Group, 'roles' | 'permissions'>): Decision {
    if (group.roles.includes('owner') && ctx.role !== 'owner') {
      return refuse('Only an owner can manage a group that carries the owner role.');
    }
    const decision = this.d.guard.mayGrant(ctx, [...permissionsOfRoles(group.roles), ...group.permissions]);
    return decision.allowed ? allow : decision;
  }

  private async assertMembers(workspaceId: string, userIds: string[]): Promise<void> {
    if (!userIds.length) return;
    const members = new Set((await this.d.workspaces.members(workspaceId)).map((m) => m.user_id));
    const strangers = userIds.filter((u) => !members.has(u));
    if (strangers.length) {
      throw badRequest(`Not members of this workspace: ${strangers.join(', ')}.`);
    }
  }

  private nameConflict(name: string) {
    return conflict(`A group named "${name}" already exists in this workspace.`);
  }
}
