import { AppError, conflict, forbidden, notFound } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import { ROLE_RANK, type Role } from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import { generateOneTimeToken, sha256Hex } from '../../platform/auth/tokens.js';
import { codec } from '../../platform/db/codec.js';
import { newId } from '../../platform/ids.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { Page } from '../../platform/http/pagination.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { UsageService } from '../usage/usage.service.js';
import { currentPeriod } from '../usage/usage.service.js';
import { planOf } from './plans.js';
import type { Logger } from 'pino';
import type { BlobStore } from '../../platform/storage/index.js';
import { purgeWorkspaceFiles } from './workspace-files.js';
import type { CustomRateLimits, Invite, Workspace, WorkspacesRepository } from './workspaces.repository.js';

const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export interface WorkspaceDeps {
  repo: WorkspacesRepository;
  access: AccessService;
  audit: AuditWriter;
  mailer: Mailer;
  usage: UsageService;
  /** Stored files: deleting a workspace removes everything under its prefix. */
  blobs: Pick<BlobStore, 'deletePrefix'>;
  logger: Logger;
  publicUrl: string;
  /** Told when a workspace's custom rates change, so this process applies them at once. */
  rateLimitsChanged?: (workspaceId: string) => void;
}

function needUser(principal: Principal): string {
  if (principal.kind !== 'user' || !principal.userId)
    throw new AppError('UNAUTHORIZED', 'Authentication required.');
  return principal.userId;
}

export class WorkspacesService {
  constructor(private readonly d: WorkspaceDeps) {}

  async list(principal: Principal, page: Page) {
    const userId = needUser(principal);
    const bound = principal.credential.workspaceId;
    const { items, total } = await this.d.repo.listForUser(userId, page.limit, page.offset);
    // A key only ever sees the one workspace it is bound to.
    if (bound) {
      const only = items.filter((w) => w.id === bound);
      return { items: only, total: only.length };
    }
    return { items, total };
  }

  /** Creates a workspace owned by the caller; used by signup too. */
  async create(principal: Principal, input: { name: string }): Promise<Workspace> {
    const userId = needUser(principal);
    if (principal.credential.type === 'api_key') {
      throw forbidden('API keys are bound to one workspace and cannot create workspaces.');
    }
    const now = codec.now();
    const ws: Workspace = {
      id: newId('ws'),
      name: input.name.trim(),
      plan: 'free',
      created_by: userId,
      created_at: now,
      updated_at: now,
    };
    await this.d.repo.transaction(async (repo, trx) => {
      await repo.create(ws, userId, trx);
      await repo.setDefaultWorkspaceIfNone(userId, ws.id, trx);
    });
    await this.d.audit.record(principal, {
      workspaceId: ws.id,
      action: 'workspace.create',
      permission: null,
      target: { type: 'workspace', id: ws.id },
      after: ws,
    });
    return ws;
  }

  async get(principal: Principal, id: string) {
    const access = await this.d.access.accessIn(principal, id);
    const ws = access && (await this.d.repo.find(id));
    if (!access || !ws) throw notFound('Workspace');
    return { ...ws, role: access.role, permissions: [...access.permissions].sort() };
  }

  async update(
    principal: Principal,
    id: string,
    patch: { name?: string; plan?: string },
  ): Promise<Workspace> {
    await this.d.access.require(principal, 'workspace:manage', {
      workspaceId: id,
      action: 'workspace.update',
      target: { type: 'workspace', id },
    });
    const before = await this.d.repo.find(id);
    if (!before) throw notFound('Workspace');
    if (patch.plan !== undefined && patch.plan !== before.plan && !principal.isInstanceAdmin) {
      throw forbidden('Only the instance administrator can change a workspace plan.');
    }
    await this.d.repo.update(id, {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.plan !== undefined ? { plan: patch.plan } : {}),
    });
    const after = (await this.d.repo.find(id))!;
    await this.d.audit.record(principal, {
      workspaceId: id,
      action: 'workspace.update',
      permission: 'workspace:manage',
      target: { type: 'workspace', id },
      before,
      after,
    });
    return after;
  }

  /** The workspace's rates: its plan's, any custom ones, and what applies. */
  async rateLimits(principal: Principal, id: string) {
    await this.d.access.require(principal, 'usage:read', {
      workspaceId: id,
      action: 'workspace.rate_limits.read',
      target: { type: 'workspace', id },
    });
    return this.rateLimitsView(id);
  }

  private async rateLimitsView(id: string) {
    const ws = await this.d.repo.find(id);
    if (!ws) throw notFound('Workspace');
    const plan = planOf(ws.plan);
    const custom = await this.d.repo.customRateLimits(id);
    return {
      workspace_id: id,
      plan: ws.plan,
      plan_limits: {
        requests_per_minute: plan.requests_per_minute,
        agent_requests_per_minute: plan.agent_requests_per_minute,
      },
      custom,
      effective: {
        requests_per_minute: custom.requests_per_minute ?? plan.requests_per_minute,
        agent_requests_per_minute: custom.agent_requests_per_minute ?? plan.agent_requests_per_minute,
      },
    };
  }

  /** Custom rates (spec 002's Enterprise tier): the instance administrator's to set; null restores the plan's. */
  async setRateLimits(principal: Principal, id: string, custom: CustomRateLimits) {
    if (!principal.isInstanceAdmin) {
      throw forbidden('Only the instance administrator can set custom rate limits.');
    }
    const ws = await this.d.repo.find(id);
    if (!ws) throw notFound('Workspace');
    const before = await this.d.repo.customRateLimits(id);
    await this.d.repo.setCustomRateLimits(id, custom);
    this.d.rateLimitsChanged?.(id);
    await this.d.audit.record(principal, {
      workspaceId: id,
      action: 'workspace.rate_limits.update',
      permission: 'workspace:manage',
      target: { type: 'workspace', id },
      before,
      after: custom,
    });
    return this.rateLimitsView(id);
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const access = await this.d.access.require(principal, 'workspace:manage', {
      workspaceId: id,
      action: 'workspace.delete',
      target: { type: 'workspace', id },
    });
    if (access.role !== 'owner') throw forbidden('Only an owner can delete a workspace.');
    const before = await this.d.repo.find(id);
    await this.d.repo.delete(id);
    await purgeWorkspaceFiles(this.d.blobs, this.d.logger, [id]);
    await this.d.audit.record(principal, {
      workspaceId: id,
      action: 'workspace.delete',
      permission: 'workspace:manage',
      target: { type: 'workspace', id },
      before,
    });
  }

  async members(principal: Principal, id: string) {
    const access = await this.d.access.accessIn(principal, id);
    if (!access) throw notFound('Workspace');
    const members = await this.d.repo.members(id);
    const invites = access.permissions.has('auth:manage')
      ? await this.d.repo.pendingInvites(id, codec.now())
      : [];
    return { members, invites };
  }

  async changeRole(principal: Principal, workspaceId: string, userId: string, role: Role) {
    const access = await this.d.access.require(principal, 'auth:manage', {
      workspaceId,
      action: 'member.update',
      target: { type: 'member', id: userId },
    });
    const target = await this.d.repo.member(workspaceId, userId);
    if (!target) throw notFound('Member');
    this.assertMayAssign(access.role, target.role, role);
    if (target.role === 'owner' && role !== 'owner' && (await this.d.repo.countOwners(workspaceId)) <= 1) {
      throw conflict('A workspace needs at least one owner; make someone else owner first.');
    }
    await this.d.repo.updateMember(workspaceId, userId, { role });
    const after = await this.d.repo.member(workspaceId, userId);
    await this.d.audit.record(principal, {
      workspaceId,
      action: 'member.update',
      permission: 'auth:manage',
      target: { type: 'member', id: userId },
      before: target,
      after,
    });
    return after!;
  }

  /** Removes a member, or lets the caller leave when it is themselves. */
  async removeMember(principal: Principal, workspaceId: string, userId: string): Promise<void> {
    const self = principal.userId === userId;
    let callerRole: Role;
    if (self) {
      const access = await this.d.access.accessIn(principal, workspaceId);
      if (!access) throw notFound('Workspace');
      callerRole = access.role;
    } else {
      callerRole = (
        await this.d.access.require(principal, 'auth:manage', {
          workspaceId,
          action: 'member.remove',
          target: { type: 'member', id: userId },
        })
      ).role;
    }
    const target = await this.d.repo.member(workspaceId, userId);
    if (!target) throw notFound('Member');
    if (!self && ROLE_RANK[target.role] > ROLE_RANK[callerRole]) {
      throw forbidden(`An ${callerRole} cannot remove an ${target.role}.`);
    }
    if (target.role === 'owner' && (await this.d.repo.countOwners(workspaceId)) <= 1) {
      throw conflict(
        'The last owner cannot leave or be removed; transfer ownership or delete the workspace.',
      );
    }
    await this.d.repo.removeMember(workspaceId, userId);
    await this.d.audit.record(principal, {
      workspaceId,
      action: self ? 'member.leave' : 'member.remove',
      permission: self ? null : 'auth:manage',
      target: { type: 'member', id: userId },
      before: target,
    });
  }

  async invite(principal: Principal, input: { workspace_id: string; email: string; role: Role }) {
    const workspaceId = input.workspace_id;
    const access = await this.d.access.require(principal, 'auth:manage', {
      workspaceId,
      action: 'invite.create',
      target: { type: 'invite' },
    });
    this.assertMayAssign(access.role, 'viewer', input.role);
    const email = input.email.trim().toLowerCase();
    const existing = await this.d.repo.userIdByEmail(email);
    if (existing && (await this.d.repo.member(workspaceId, existing))) {
      throw conflict(`${email} is already a member of this workspace.`);
    }
    const ws = await this.d.repo.find(workspaceId);
    if (!ws) throw notFound('Workspace');
    await this.d.repo.revokePendingInvites(workspaceId, email);
    const { token, hash } = generateOneTimeToken();
    const now = new Date();
    const invite: Invite = {
      id: newId('inv'),
      workspace_id: workspaceId,
      email,
      role: input.role,
      invited_by: principal.userId ?? null,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + INVITE_TTL_MS).toISOString(),
      accepted_at: null,
      revoked_at: null,
    };
    await this.d.repo.createInvite({ ...invite, token_hash: hash });
    const link = `${this.d.publicUrl}/invite?token=${token}`;
    await this.d.mailer.send({
      to: email,
      purpose: 'invite',
      subject: `You're invited to ${ws.name} on Iris`,
      text: [
        `${principal.name ?? principal.email ?? 'Someone'} invited you to join the workspace "${ws.name}" as ${input.role}.`,
        '',
        `Accept the invitation: ${link}`,
        `Or with the API: POST /api/v1/workspaces/invites/accept {"token":"${token}"}`,
        '',
        'The invitation expires in 7 days.',
      ].join('\n'),
    });
    await this.d.audit.record(principal, {
      workspaceId,
      action: 'invite.create',
      permission: 'auth:manage',
      target: { type: 'invite', id: invite.id },
      after: invite,
    });
    return invite;
  }

  async revokeInvite(principal: Principal, workspaceId: string, inviteId: string): Promise<void> {
    await this.d.access.require(principal, 'auth:manage', {
      workspaceId,
      action: 'invite.revoke',
      target: { type: 'invite', id: inviteId },
    });
    const invite = await this.d.repo.findInvite(workspaceId, inviteId);
    if (!invite || invite.accepted_at || invite.revoked_at) throw notFound('Invite');
    await this.d.repo.revokeInvite(inviteId);
    await this.d.audit.record(principal, {
      workspaceId,
      action: 'invite.revoke',
      permission: 'auth:manage',
      target: { type: 'invite', id: inviteId },
      before: invite,
    });
  }

  /** Accepts an invite for the signed-in user; the invite must be for their email. */
  async acceptInvite(principal: Principal, token: string) {
    const userId = needUser(principal);
    if (principal.credential.type === 'api_key')
      throw forbidden('Accept invitations with a session, not an API key.');
    const invite = await this.d.repo.findInviteByHash(sha256Hex(token));
    const now = codec.now();
    if (!invite || invite.revoked_at || invite.accepted_at || invite.expires_at <= now) {
      throw notFound('Invitation (it may have expired or been revoked)');
    }
    if (invite.email !== principal.email?.toLowerCase()) {
      throw forbidden(
        `This invitation was sent to another email address; sign in as that user to accept it.`,
      );
    }
    await this.d.repo.transaction(async (repo, trx) => {
      if (!(await repo.markInviteAccepted(invite.id, userId, trx))) throw notFound('Invitation');
      await repo.addMember(invite.workspace_id, userId, invite.role, trx);
      await repo.setDefaultWorkspaceIfNone(userId, invite.workspace_id, trx);
    });
    await this.d.audit.record(principal, {
      workspaceId: invite.workspace_id,
      action: 'invite.accept',
      target: { type: 'invite', id: invite.id },
      after: { role: invite.role, user_id: userId },
    });
    return this.get(principal, invite.workspace_id);
  }

  async usage(principal: Principal, workspaceId: string) {
    await this.d.access.require(principal, 'usage:read', {
      workspaceId,
      action: 'usage.read',
      target: { type: 'workspace', id: workspaceId },
    });
    const ws = await this.d.repo.find(workspaceId);
    if (!ws) throw notFound('Workspace');
    const plan = planOf(ws.plan);
    const used = await this.d.usage.read(workspaceId);
    const processedMinutes = Math.round((used.processed_seconds / 60) * 100) / 100;
    const item = (used: number, limit: number) => ({ used, limit, remaining: Math.max(0, limit - used) });
    return {
      workspace_id: workspaceId,
      plan: ws.plan,
      period: currentPeriod(),
      limits: plan,
      usage: {
        requests: { used: used.requests, limit: null, rate_limit_per_minute: plan.requests_per_minute },
        storage_bytes: item(used.storage_bytes, plan.storage_bytes),
        recordings: item(used.recordings, plan.recordings),
        processed_minutes: item(processedMinutes, plan.processed_minutes),
        uploaded_bytes: { used: used.uploaded_bytes, limit: null },
        agent_tokens: item(used.agent_tokens, plan.agent_tokens),
      },
    };
  }

  private assertMayAssign(callerRole: Role, currentRole: Role, newRole: Role): void {
    if ((newRole === 'owner' || currentRole === 'owner') && callerRole !== 'owner') {
      throw forbidden('Only an owner can grant or take away the owner role.');
    }
    if (ROLE_RANK[newRole] > ROLE_RANK[callerRole] || ROLE_RANK[currentRole] > ROLE_RANK[callerRole]) {
      throw forbidden(`An ${callerRole} cannot assign the ${newRole} role here.`);
    }
  }
}
