import { badRequest, conflict, forbidden, notFound, unauthorized } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import { hashPassword, verifyPassword } from '../../platform/auth/passwords.js';
import type { Principal } from '../../platform/auth/principal.js';
import { codec } from '../../platform/db/codec.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import { publicUser, type AccountsRepository, type UserWithSecret } from './accounts.repository.js';
import type { LoginThrottle } from './login-throttle.js';
import type { Logger } from 'pino';
import type { BlobStore } from '../../platform/storage/index.js';
import { purgeWorkspaceFiles } from '../workspaces/workspace-files.js';

export interface ProfileDeps {
  repo: AccountsRepository;
  workspacesRepo: WorkspacesRepository;
  access: AccessService;
  throttle: LoginThrottle;
  audit: AuditWriter;
  passwordCost: number;
  blobs: Pick<BlobStore, 'deletePrefix'>;
  logger: Logger;
}

export interface ProfilePatch {
  name?: string | undefined;
  password?: string | undefined;
  current_password?: string | undefined;
  default_workspace_id?: string | undefined;
}

/** Credentials that stand for the person themselves; API keys are delegated and do not. */
const PERSONAL = new Set(['session', 'sso']);

/** The signed-in user's own account: read it, change it, delete it. */
export class ProfileService {
  constructor(private readonly d: ProfileDeps) {}

  async me(principal: Principal) {
    const user = await this.user(principal);
    const bound = principal.credential.workspaceId;
    const { items } = await this.d.workspacesRepo.listForUser(user.id, 500, 0);
    const workspaces = [];
    for (const ws of items) {
      if (bound && ws.id !== bound) continue;
      const access = await this.d.access.accessIn(principal, ws.id);
      if (!access) continue;
      workspaces.push({
        id: ws.id,
        name: ws.name,
        role: access.role,
        permissions: [...access.permissions].sort(),
      });
    }
    const { type, id, scopes } = principal.credential;
    return {
      user: publicUser(user),
      workspaces,
      credential: {
        type,
        ...(id ? { id } : {}),
        ...(scopes ? { scopes } : {}),
        ...(bound ? { workspace_id: bound } : {}),
      },
    };
  }

  async update(principal: Principal, patch: ProfilePatch) {
    const before = await this.user(principal);
    this.assertPersonal(principal, 'change your account');
    if (patch.name !== undefined && !patch.name.trim()) throw badRequest('The name cannot be blank.');
    if (patch.current_password !== undefined && patch.password === undefined) {
      throw badRequest('current_password is only needed together with a new password.');
    }
    if (patch.password !== undefined) {
      if (patch.current_password === undefined) {
        throw badRequest('Send current_password to change the password.');
      }
      await this.checkPassword(principal, before, patch.current_password, 'user.update');
    }
    if (
      patch.default_workspace_id !== undefined &&
      !(await this.d.repo.isMember(before.id, patch.default_workspace_id))
    ) {
      throw notFound('Workspace');
    }
    const now = codec.now();
    await this.d.repo.updateUser(before.id, {
      ...(patch.name !== undefined ? { name: patch.name.trim() } : {}),
      ...(patch.default_workspace_id !== undefined
        ? { default_workspace_id: patch.default_workspace_id }
        : {}),
      ...(patch.password !== undefined
        ? { password_hash: await hashPassword(patch.password, this.d.passwordCost) }
        : {}),
    });
    let revoked = 0;
    if (patch.password !== undefined) {
      // Whoever else held a session (maybe the reason for the change) is signed out.
      const current = principal.credential.type === 'session' ? principal.credential.id : undefined;
      revoked = await this.d.repo.revokeSessions(before.id, now, current);
    }
    const after = publicUser((await this.d.repo.findById(before.id))!);
    await this.d.audit.record(principal, {
      workspaceId: after.default_workspace_id,
      action: 'user.update',
      target: { type: 'user', id: after.id },
      before: publicUser(before),
      after:
        patch.password !== undefined ? { ...after, password: '[changed]', sessions_revoked: revoked } : after,
    });
    return this.me(principal);
  }

  /**
   * Deletes the account and what only it used: sessions, keys and memberships go by
   * cascade, workspaces where it was the only member go with it. A workspace that
   * others still use must get another owner first.
   */
  async delete(principal: Principal, password: string): Promise<void> {
    const user = await this.user(principal);
    this.assertPersonal(principal, 'delete your account');
    await this.checkPassword(principal, user, password, 'user.delete');
    const owned = await this.d.repo.ownedWorkspaces(user.id);
    const blocking = owned.filter((w) => w.members > 1 && w.owners <= 1);
    if (blocking.length) {
      const names = blocking.map((w) => `"${w.name}" (${w.id})`).join(', ');
      throw conflict(
        `You are the last owner of ${names}, which other members still use. Make one of them owner ` +
          '(PATCH /api/v1/workspaces/:id/members/:userId) or delete the workspace, then try again.',
      );
    }
    const solo = owned.filter((w) => w.members === 1).map((w) => w.id);
    const shared = (await this.d.repo.memberWorkspaceIds(user.id)).filter((id) => !solo.includes(id));
    await this.d.repo.transaction(async (repo) => {
      await repo.deleteWorkspaces(solo);
      await repo.deleteUser(user.id);
    });
    await purgeWorkspaceFiles(this.d.blobs, this.d.logger, solo);
    const entry = {
      action: 'user.delete',
      target: { type: 'user', id: user.id },
      before: publicUser(user),
      after: { deleted_workspaces: solo },
    };
    // Recorded where it stays visible: every workspace the user leaves behind.
    if (!shared.length) await this.d.audit.record(principal, { ...entry, workspaceId: null });
    for (const workspaceId of shared) await this.d.audit.record(principal, { ...entry, workspaceId });
  }

  private async user(principal: Principal): Promise<UserWithSecret> {
    if (principal.kind !== 'user' || !principal.userId) throw unauthorized();
    const user = await this.d.repo.findById(principal.userId);
    if (!user) throw unauthorized('This account no longer exists.');
    return user;
  }

  private assertPersonal(principal: Principal, what: string): void {
    if (!PERSONAL.has(principal.credential.type)) {
      throw forbidden(`Sign in with your password to ${what}; API keys cannot.`);
    }
  }

  /** Re-checks the password for a sensitive change; wrong guesses count like failed logins. */
  private async checkPassword(
    principal: Principal,
    user: UserWithSecret,
    password: string,
    action: string,
  ): Promise<void> {
    if (!user.passwordHash) {
      throw forbidden('This account has no password yet; set one through POST /api/v1/auth/forgot-password.');
    }
    const keys = [{ kind: 'email' as const, value: user.email }];
    await this.d.throttle.assertOpen(keys);
    if (await verifyPassword(password, user.passwordHash)) return;
    await this.d.throttle.fail(keys);
    await this.d.audit.record(principal, {
      workspaceId: user.default_workspace_id,
      action,
      outcome: 'failure',
      target: { type: 'user', id: user.id },
      reason: 'current password did not match',
    });
    throw forbidden('The current password is incorrect.');
  }
}
