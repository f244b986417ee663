import { badRequest, conflict, notFound } from '../../errors.js';
import type { AccessService, WorkspaceAccess } from '../../platform/auth/access.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import type { Permission, Role } from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import { generateOneTimeToken } from '../../platform/auth/tokens.js';
import type { Page } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import {
  RESET_TTL_MS,
  SETUP_TTL_MS,
  accountSetupMail,
  addedToWorkspaceMail,
  adminResetMail,
} from './access-mails.js';
import { permissionsOfRoles, refuse, type AdminGuard, type Decision } from './admin-guard.js';
import type { GroupsRepository } from './groups.repository.js';
import { isUniqueViolation } from './unique.js';
import { decideUserActions, type UserAction } from './user-actions.js';
import type { AccessUsersRepository, MemberFilter, MemberRecord } from './users.repository.js';

export interface AccessUsersDeps {
  repo: AccessUsersRepository;
  workspaces: WorkspacesRepository;
  groups: GroupsRepository;
  access: AccessService;
  guard: AdminGuard;
  audit: AuditWriter;
  mailer: Mailer;
  publicUrl: string;
  passwordCost: number;
}

export interface UserSummary extends MemberRecord {
  groups: Array<{ id: string; name: string }>;
}

export interface UserDetail extends UserSummary {
  permissions: Permission[];
  action_states: Record<UserAction, { allowed: boolean; reason: string | null }>;
}

export interface CreateUserInput {
  email: string;
  name: string;
  role: Role;
  password?: string | undefined;
}

export interface AccessPatch {
  role?: Role | undefined;
  grants?: Permission[] | undefined;
  group_ids?: string[] | undefined;
}

const userTarget = (id: string | null) => ({ type: 'user', id });
const by = (p: Principal) => p.name ?? p.email ?? 'An administrator';

/** Spec 003's `/auth/users`: workspace administrators manage members and their access. */
export class AccessUsersService {
  constructor(private readonly d: AccessUsersDeps) {}

  async list(principal: Principal, workspaceId: string | undefined, filter: MemberFilter, page: Page) {
    const ctx = await this.d.guard.require(principal, workspaceId, 'user.list', userTarget(null));
    const { items, total } = await this.d.repo.list(ctx.workspaceId, filter, page.limit, page.offset);
    const groups = await this.d.repo.groupsOf(
      ctx.workspaceId,
      items.map((i) => i.id),
    );
    return { items: items.map((i): UserSummary => ({ ...i, groups: groups.get(i.id) ?? [] })), total };
  }

  async get(principal: Principal, workspaceId: string | undefined, userId: string): Promise<UserDetail> {
    const { ctx, member } = await this.load(principal, workspaceId, userId, 'user.read');
    return this.detail(principal, ctx, member);
  }

  /** Adds a person to the workspace, creating their (verified) account when the email is new. */
  async create(principal: Principal, workspaceId: string | undefined, input: CreateUserInput) {
    const action = 'user.create';
    const ctx = await this.d.guard.require(principal, workspaceId, action, userTarget(null));
    await this.d.guard.enforce(
      principal,
      ctx,
      this.d.guard.mayAssign(ctx, 'viewer', input.role),
      action,
      userTarget(null),
    );
    const ws = await this.d.workspaces.find(ctx.workspaceId);
    if (!ws) throw notFound('Workspace');
    const email = input.email.trim().toLowerCase();
    const existing = await this.d.repo.userByEmail(email);
    let userId: string;
    let created = false;
    let mailed = false;
    if (existing) {
      if (await this.d.workspaces.member(ws.id, existing.id)) {
        throw conflict(`${email} is already a member of this workspace.`);
      }
      if (input.password !== undefined) {
        throw conflict(
          'An account with this email already exists and its password is not changed here; ' +
            'send the request without a password to add it to the workspace.',
        );
      }
      userId = existing.id;
      await this.d.workspaces.transaction(async (repo, trx) => {
        await repo.addMember(ws.id, userId, input.role, trx);
        await repo.setDefaultWorkspaceIfNone(userId, ws.id, trx);
      });
      await this.d.mailer.send(addedToWorkspaceMail(existing, by(principal), ws.name, input.role));
    } else {
      userId = newId('usr');
      const passwordHash =
        input.password !== undefined ? await hashPassword(input.password, this.d.passwordCost) : null;
      try {
        await this.d.workspaces.transaction(async (repo, trx) => {
          await this.d.repo.withDb(trx).createUser({
            id: userId,
            email,
            name: input.name.trim(),
            password_hash: passwordHash,
            created_by: principal.userId ?? null,
            default_workspace_id: ws.id,
          });
          await repo.addMember(ws.id, userId, input.role, trx);
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw conflict(`An account for ${email} was just created; try again.`);
        throw err;
      }
      created = true;
      if (passwordHash === null) {
        const { token, hash } = generateOneTimeToken();
        await this.d.repo.issueEmailToken(userId, 'reset_password', hash, SETUP_TTL_MS);
        await this.d.mailer.send(
          accountSetupMail(
            this.d.publicUrl,
            { email, name: input.name.trim() },
            by(principal),
            ws.name,
            token,
          ),
        );
        mailed = true;
      }
    }
    const member = (await this.d.repo.member(ws.id, userId))!;
    if (created) {
      await this.d.audit.record(principal, {
        workspaceId: ws.id,
        action: 'user.create',
        permission: 'auth:manage',
        target: userTarget(userId),
        after: {
          id: userId,
          email,
          name: member.name,
          email_verified: true,
          password_set: member.password_set,
        },
      });
    }
    await this.d.audit.record(principal, {
      workspaceId: ws.id,
      action: 'member.add',
      permission: 'auth:manage',
      target: userTarget(userId),
      after: member,
    });
    return {
      ...(await this.detail(principal, ctx, member)),
      account_created: created,
      password_email_sent: mailed,
    };
  }

  async updateAccess(
    principal: Principal,
    workspaceId: string | undefined,
    userId: string,
    patch: AccessPatch,
  ) {
    const action = 'user.access.update';
    const target = userTarget(userId);
    const { ctx, member } = await this.load(principal, workspaceId, userId, action);
    const guard = this.d.guard;
    await guard.enforce(principal, ctx, guard.mayTouch(ctx, member.role), action, target);
    if (patch.role !== undefined && patch.role !== member.role) {
      await guard.enforce(principal, ctx, guard.mayAssign(ctx, member.role, patch.role), action, target);
      const states = await this.states(principal, ctx, member);
      if (member.role === 'owner') await guard.enforce(principal, ctx, states.change_role, action, target);
    }
    if (patch.grants !== undefined) {
      const added = patch.grants.filter((p) => !member.grants.includes(p));
      await guard.enforce(principal, ctx, guard.mayGrant(ctx, added), action, target);
    }
    const current = (await this.d.repo.groupsOf(ctx.workspaceId, [userId])).get(userId) ?? [];
    if (patch.group_ids !== undefined) {
      const found = await this.d.groups.findMany(ctx.workspaceId, patch.group_ids);
      const unknown = patch.group_ids.filter((id) => !found.some((g) => g.id === id));
      if (unknown.length) throw badRequest(`No such group in this workspace: ${unknown.join(', ')}.`);
      for (const g of found.filter((g) => !current.some((c) => c.id === g.id))) {
        const wanted = [...permissionsOfRoles(g.roles), ...g.permissions];
        const decision: Decision =
          g.roles.includes('owner') && ctx.role !== 'owner'
            ? refuse(`Only an owner can add members to the group "${g.name}", which carries the owner role.`)
            : guard.mayGrant(ctx, wanted);
        await guard.enforce(principal, ctx, decision, action, target);
      }
    }
    const snapshot = (m: MemberRecord, groups: Array<{ id: string }>) => ({
      role: m.role,
      grants: m.grants,
      group_ids: groups.map((g) => g.id).sort(),
    });
    await this.d.workspaces.transaction(async (repo, trx) => {
      if (patch.role !== undefined || patch.grants !== undefined) {
        await repo.updateMember(ctx.workspaceId, userId, {
          ...(patch.role !== undefined ? { role: patch.role } : {}),
          ...(patch.grants !== undefined ? { grants: [...new Set(patch.grants)].sort() } : {}),
        });
      }
      if (patch.group_ids !== undefined) {
        await this.d.repo.withDb(trx).setGroups(ctx.workspaceId, userId, [...new Set(patch.group_ids)]);
      }
    });
    const after = (await this.d.repo.member(ctx.workspaceId, userId))!;
    const afterGroups = (await this.d.repo.groupsOf(ctx.workspaceId, [userId])).get(userId) ?? [];
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target,
      before: snapshot(member, current),
      after: snapshot(after, afterGroups),
    });
    return this.detail(principal, ctx, after);
  }

  /** Sets a password directly (sessions end) or emails the user a reset link. */
  async password(
    principal: Principal,
    workspaceId: string | undefined,
    userId: string,
    input: { password?: string | undefined; send_reset_email?: boolean | undefined },
  ) {
    const viaEmail = input.send_reset_email === true;
    if (viaEmail === (input.password !== undefined)) {
      throw badRequest('Send either {"password": "…"} or {"send_reset_email": true}.');
    }
    const action = viaEmail ? 'user.password.reset_email' : 'user.password.set';
    const target = userTarget(userId);
    const { ctx, member } = await this.load(principal, workspaceId, userId, action);
    const states = await this.states(principal, ctx, member);
    await this.d.guard.enforce(
      principal,
      ctx,
      viaEmail ? states.send_password_reset : states.set_password,
      action,
      target,
    );
    if (viaEmail) {
      const { token, hash } = generateOneTimeToken();
      await this.d.repo.issueEmailToken(userId, 'reset_password', hash, RESET_TTL_MS);
      await this.d.mailer.send(adminResetMail(this.d.publicUrl, member, by(principal), token));
      await this.d.audit.record(principal, {
        workspaceId: ctx.workspaceId,
        action,
        permission: 'auth:manage',
        target,
        after: { reset_email_sent_to: member.email },
      });
      return { user_id: userId, result: 'reset_email_sent' as const, sessions_revoked: 0 };
    }
    const revoked = await this.d.repo.setPassword(
      userId,
      await hashPassword(input.password!, this.d.passwordCost),
    );
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target,
      before: { password_set: member.password_set },
      after: { password_set: true, sessions_revoked: revoked },
    });
    return { user_id: userId, result: 'password_set' as const, sessions_revoked: revoked };
  }

  /** Enables or disables the membership in this workspace (the account elsewhere is untouched). */
  async setStatus(
    principal: Principal,
    workspaceId: string | undefined,
    userId: string,
    status: 'active' | 'disabled',
  ): Promise<UserDetail> {
    const action = 'user.status.update';
    const { ctx, member } = await this.load(principal, workspaceId, userId, action);
    if (member.status === status) return this.detail(principal, ctx, member);
    const states = await this.states(principal, ctx, member);
    await this.d.guard.enforce(
      principal,
      ctx,
      status === 'disabled' ? states.disable : states.enable,
      action,
      userTarget(userId),
    );
    await this.d.workspaces.updateMember(ctx.workspaceId, userId, { status });
    const after = (await this.d.repo.member(ctx.workspaceId, userId))!;
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target: userTarget(userId),
      before: member,
      after,
    });
    return this.detail(principal, ctx, after);
  }

  /** Removes the user from this workspace (their keys and group seats here go too). */
  async remove(principal: Principal, workspaceId: string | undefined, userId: string): Promise<void> {
    const action = 'member.remove';
    const { ctx, member } = await this.load(principal, workspaceId, userId, action);
    const states = await this.states(principal, ctx, member);
    await this.d.guard.enforce(principal, ctx, states.remove, action, userTarget(userId));
    const groups = (await this.d.repo.groupsOf(ctx.workspaceId, [userId])).get(userId) ?? [];
    await this.d.workspaces.removeMember(ctx.workspaceId, userId);
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target: userTarget(userId),
      before: { ...member, groups },
    });
  }

  private async load(principal: Principal, workspaceId: string | undefined, userId: string, action: string) {
    const ctx = await this.d.guard.require(principal, workspaceId, action, userTarget(userId));
    const member = await this.d.repo.member(ctx.workspaceId, userId);
    if (!member) throw notFound('User');
    return { ctx, member };
  }

  private states(principal: Principal, ctx: WorkspaceAccess, member: MemberRecord) {
    return decideUserActions(
      { access: this.d.access, guard: this.d.guard, workspaces: this.d.workspaces, users: this.d.repo },
      principal,
      ctx,
      member,
    );
  }

  private async detail(
    principal: Principal,
    ctx: WorkspaceAccess,
    member: MemberRecord,
  ): Promise<UserDetail> {
    const groups = (await this.d.repo.groupsOf(ctx.workspaceId, [member.id])).get(member.id) ?? [];
    const states = await this.states(principal, ctx, member);
    // What the member can do here when signed in with a session (IP-conditioned policies aside).
    const asMember: Principal = {
      kind: 'user',
      userId: member.id,
      isInstanceAdmin: false,
      credential: { type: 'session' },
    };
    const effective = await this.d.access.accessIn(asMember, ctx.workspaceId);
    return {
      ...member,
      groups,
      permissions: [...(effective?.permissions ?? [])].sort(),
      action_states: Object.fromEntries(
        Object.entries(states).map(([k, v]) => [k, { allowed: v.allowed, reason: v.reason }]),
      ) as UserDetail['action_states'],
    };
  }
}
