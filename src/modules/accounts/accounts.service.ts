import { badRequest, conflict, forbidden, unauthorized } from '../../errors.js';
import { burnPasswordCheck, hashPassword, verifyPassword } from '../../platform/auth/passwords.js';
import { systemPrincipal, type Principal } from '../../platform/auth/principal.js';
import { sha256Hex } from '../../platform/auth/tokens.js';
import { codec } from '../../platform/db/codec.js';
import { newId } from '../../platform/ids.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { Invite, Workspace, WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import type { WorkspacesService } from '../workspaces/workspaces.service.js';
import type { AccountEmailsService } from './account-emails.service.js';
import {
  isUniqueViolation,
  publicUser,
  type AccountsRepository,
  type UserWithSecret,
} from './accounts.repository.js';
import type { LoginThrottle, ThrottleKey } from './login-throttle.js';
import { sessionPrincipal, type SessionIssuer } from './session-issuer.js';

export interface AccountsDeps {
  repo: AccountsRepository;
  workspacesRepo: WorkspacesRepository;
  workspaces: WorkspacesService;
  emails: AccountEmailsService;
  throttle: LoginThrottle;
  sessions: SessionIssuer;
  audit: AuditWriter;
  signup: 'open' | 'invite' | 'closed';
  passwordCost: number;
}

export interface SignupInput {
  email: string;
  password: string;
  name?: string | undefined;
  invite_token?: string | undefined;
}

/** One message for unknown email and wrong password, so login does not reveal accounts. */
const INVALID_LOGIN = 'Invalid email or password.';
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

const personalWorkspace = (userId: string, name: string, now: string): Workspace => ({
  id: newId('ws'),
  name: `${name}'s workspace`.slice(0, 200),
  plan: 'free',
  created_by: userId,
  created_at: now,
  updated_at: now,
});

/** Sign-up, login, logout and the CLI's owner bootstrap. */
export class AccountsService {
  constructor(private readonly d: AccountsDeps) {}

  async signup(principal: Principal, input: SignupInput) {
    if (this.d.signup === 'closed') {
      throw forbidden(
        'Sign-up is closed on this instance; ask its administrator to create an account for you.',
      );
    }
    const email = normalizeEmail(input.email);
    // Duplicate sign-ups reveal that an address has an account, so they count
    // against the caller's IP like failed logins do.
    const ipKey: ThrottleKey[] = principal.ip ? [{ kind: 'signup', value: principal.ip }] : [];
    await this.d.throttle.assertOpen(ipKey);
    const invite = input.invite_token ? await this.validInvite(input.invite_token, email) : undefined;
    if (this.d.signup === 'invite' && !invite) {
      throw forbidden(
        'Sign-up on this instance is by invitation only; sign up with the invite_token from your invitation email.',
      );
    }
    const duplicate = () =>
      conflict('An account with this email already exists; log in, or reset the password if you forgot it.');
    if (await this.d.repo.findByEmail(email)) {
      await this.d.throttle.fail(ipKey);
      throw duplicate();
    }

    const passwordHash = await hashPassword(input.password, this.d.passwordCost);
    const name = input.name?.trim() || email.split('@')[0]!;
    const now = codec.now();
    const userId = newId('usr');
    const ws = personalWorkspace(userId, name, now);
    let created;
    try {
      created = await this.d.repo.transaction(async (repo, trx) => {
        await this.insertAccount(repo, trx, ws, {
          id: userId,
          email,
          name,
          password_hash: passwordHash,
          // Accepting an invitation sent to this address proves the address.
          email_verified_at: invite ? now : null,
        });
        if (invite) {
          if (!(await this.d.workspacesRepo.markInviteAccepted(invite.id, userId, trx))) {
            throw badRequest('This invitation was just used or revoked.');
          }
          await this.d.workspacesRepo.addMember(invite.workspace_id, userId, invite.role, trx);
        }
        const session = await this.d.sessions.start(repo, userId, 'password', principal);
        return { user: publicUser((await repo.findById(userId))!), session };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw duplicate();
      throw err;
    }
    const { user, session } = created;
    const actor = sessionPrincipal(user, session.sessionId, principal);
    await this.d.audit.record(actor, {
      workspaceId: ws.id,
      action: 'auth.signup',
      target: { type: 'user', id: user.id },
      after: user,
    });
    await this.d.audit.record(actor, {
      workspaceId: ws.id,
      action: 'workspace.create',
      target: { type: 'workspace', id: ws.id },
      after: ws,
    });
    if (invite) {
      await this.d.audit.record(actor, {
        workspaceId: invite.workspace_id,
        action: 'invite.accept',
        target: { type: 'invite', id: invite.id },
        after: { role: invite.role, user_id: user.id },
      });
    } else {
      await this.d.emails.sendVerification(user);
    }
    return {
      user,
      workspace: await this.d.workspaces.get(actor, ws.id),
      token: session.token,
      expires_at: session.expiresAt,
    };
  }

  async login(principal: Principal, input: { email: string; password: string }) {
    const email = normalizeEmail(input.email);
    const keys: ThrottleKey[] = [{ kind: 'email', value: email }];
    if (principal.ip) keys.push({ kind: 'ip', value: principal.ip });
    const attempt = { ...principal, email };
    try {
      await this.d.throttle.assertOpen(keys);
    } catch (err) {
      await this.d.audit.record(attempt, { action: 'auth.login', outcome: 'denied', reason: 'throttled' });
      throw err;
    }

    const user = await this.d.repo.findByEmail(email);
    const ok = user?.passwordHash
      ? await verifyPassword(input.password, user.passwordHash)
      : await burnPasswordCheck(input.password, this.d.passwordCost).then(() => false);
    if (!user || !ok) {
      await this.d.throttle.fail(keys);
      await this.d.audit.record(attempt, {
        workspaceId: user?.default_workspace_id ?? null,
        action: 'auth.login',
        outcome: 'failure',
        ...(user ? { target: { type: 'user', id: user.id } } : {}),
        reason: 'wrong email or password',
      });
      throw unauthorized(INVALID_LOGIN);
    }
    if (user.status !== 'active') {
      await this.d.audit.record(attempt, {
        workspaceId: user.default_workspace_id,
        action: 'auth.login',
        outcome: 'failure',
        target: { type: 'user', id: user.id },
        reason: 'account disabled',
      });
      throw unauthorized('This account is disabled.');
    }
    await this.d.throttle.clear([{ kind: 'email', value: email }]);
    await this.upgradeHash(user, input.password);
    const session = await this.d.sessions.start(this.d.repo, user.id, 'password', principal);
    const account = publicUser(user);
    await this.d.audit.record(sessionPrincipal(account, session.sessionId, principal), {
      workspaceId: user.default_workspace_id,
      action: 'auth.login',
      target: { type: 'user', id: user.id },
    });
    return { user: account, token: session.token, expires_at: session.expiresAt };
  }

  /**
   * Login through an external identity provider (OIDC) that vouched for a verified
   * email: the account with that email, or a new one (with its personal workspace)
   * when `autoCreate` allows it. No password is involved; the session says `via`.
   */
  async loginExternal(
    principal: Principal,
    identity: { email: string; name: string | undefined; via: string },
    autoCreate: boolean,
  ) {
    const email = normalizeEmail(identity.email);
    const attempt = { ...principal, email };
    let user = await this.d.repo.findByEmail(email);
    if (!user && !autoCreate) {
      await this.d.audit.record(attempt, {
        action: 'auth.login',
        outcome: 'denied',
        reason: `${identity.via}: no account for this email and automatic sign-up is off`,
      });
      throw forbidden('There is no Iris account for this email; ask an administrator to create one.');
    }
    if (!user) {
      const now = codec.now();
      const userId = newId('usr');
      const name = identity.name?.trim() || email.split('@')[0]!;
      const ws = personalWorkspace(userId, name, now);
      try {
        await this.d.repo.transaction(async (repo, trx) => {
          await this.insertAccount(repo, trx, ws, {
            id: userId,
            email,
            name,
            password_hash: null,
            email_verified_at: now,
          });
        });
      } catch (err) {
        // Two first logins raced: the other one created the account.
        if (!isUniqueViolation(err)) throw err;
      }
      user = await this.d.repo.findByEmail(email);
      if (!user) throw unauthorized('The account could not be created.');
      if (user.id === userId) {
        const actor = sessionPrincipal(publicUser(user), undefined, principal);
        await this.d.audit.record(actor, {
          workspaceId: ws.id,
          action: 'auth.signup',
          target: { type: 'user', id: user.id },
          after: { ...publicUser(user), via: identity.via },
        });
      }
    }
    if (user.status !== 'active') {
      await this.d.audit.record(attempt, {
        workspaceId: user.default_workspace_id,
        action: 'auth.login',
        outcome: 'failure',
        target: { type: 'user', id: user.id },
        reason: 'account disabled',
      });
      throw unauthorized('This account is disabled.');
    }
    const session = await this.d.sessions.start(this.d.repo, user.id, identity.via, principal);
    const account = publicUser(user);
    await this.d.audit.record(sessionPrincipal(account, session.sessionId, principal), {
      workspaceId: user.default_workspace_id,
      action: 'auth.login',
      target: { type: 'user', id: user.id },
      after: { via: identity.via },
    });
    return { user: account, token: session.token, expires_at: session.expiresAt };
  }

  /** A user row and their personal workspace; the instance's first user becomes its admin. */
  private async insertAccount(
    repo: AccountsRepository,
    trx: Parameters<WorkspacesRepository['create']>[2],
    ws: Workspace,
    user: {
      id: string;
      email: string;
      name: string;
      password_hash: string | null;
      email_verified_at: string | null;
    },
  ): Promise<void> {
    await repo.insertUser({
      ...user,
      is_instance_admin: false,
      default_workspace_id: ws.id,
      created_by: null,
    });
    await this.d.workspacesRepo.create(ws, user.id, trx);
    const isAdmin = (await repo.countUsers()) === 1 && (await repo.claimFirstAdmin(user.id));
    if (isAdmin) await repo.updateUser(user.id, { is_instance_admin: true });
  }

  async logout(principal: Principal): Promise<void> {
    if (principal.kind !== 'user' || !principal.userId) throw unauthorized();
    const { type, id } = principal.credential;
    if (type === 'api_key') {
      throw badRequest('API keys cannot log out; revoke the key with DELETE /api/v1/keys/:id instead.');
    }
    if (type !== 'session' || !id) {
      throw badRequest('Only a session can log out, and this request did not use one.');
    }
    await this.d.repo.revokeSession(id, codec.now());
    await this.d.audit.record(principal, {
      workspaceId: (await this.d.repo.findById(principal.userId))?.default_workspace_id ?? null,
      action: 'auth.logout',
      target: { type: 'session', id },
    });
  }

  /**
   * `iris admin create-owner`: a verified instance admin with a workspace. Run again
   * for an existing email, it makes that user admin and sets the password instead.
   */
  async createOwner(input: { email: string; password: string; name: string; workspaceName: string }) {
    const email = normalizeEmail(input.email);
    if (!EMAIL_SHAPE.test(email) || email.length > 254) throw badRequest(`"${input.email}" is not an email.`);
    if (input.password.length < 8 || input.password.length > 256) {
      throw badRequest('The password must have 8 to 256 characters.');
    }
    const name = input.name.trim() || 'Owner';
    const workspaceName = input.workspaceName.trim() || 'Default';
    const passwordHash = await hashPassword(input.password, this.d.passwordCost);
    const now = codec.now();
    const existing = await this.d.repo.findByEmail(email);

    const result = await this.d.repo.transaction(async (repo, trx) => {
      const userId = existing?.id ?? newId('usr');
      if (existing) {
        await repo.updateUser(userId, {
          password_hash: passwordHash,
          is_instance_admin: true,
          status: 'active',
        });
        await repo.markEmailVerified(userId, now);
        await repo.revokeSessions(userId, now);
      } else {
        await repo.insertUser({
          id: userId,
          email,
          name,
          password_hash: passwordHash,
          email_verified_at: now,
          is_instance_admin: true,
          default_workspace_id: null,
          created_by: null,
        });
      }
      await repo.claimFirstAdmin(userId);
      let workspace: Workspace | undefined;
      if (!existing || !(await repo.memberWorkspaceIds(userId)).length) {
        workspace = {
          id: newId('ws'),
          name: workspaceName,
          plan: 'free',
          created_by: userId,
          created_at: now,
          updated_at: now,
        };
        await this.d.workspacesRepo.create(workspace, userId, trx);
        await this.d.workspacesRepo.setDefaultWorkspaceIfNone(userId, workspace.id, trx);
      }
      return { user: publicUser((await repo.findById(userId))!), workspace };
    });

    await this.d.audit.record(systemPrincipal, {
      workspaceId: result.workspace?.id ?? result.user.default_workspace_id,
      action: existing ? 'user.promote_owner' : 'user.create_owner',
      target: { type: 'user', id: result.user.id },
      ...(existing ? { before: publicUser(existing) } : {}),
      after: result.user,
    });
    if (result.workspace) {
      await this.d.audit.record(systemPrincipal, {
        workspaceId: result.workspace.id,
        action: 'workspace.create',
        target: { type: 'workspace', id: result.workspace.id },
        after: result.workspace,
      });
    }
    return { ...result, created: !existing };
  }

  private async validInvite(token: string, email: string): Promise<Invite> {
    const invite = await this.d.workspacesRepo.findInviteByHash(sha256Hex(token));
    if (
      !invite ||
      invite.accepted_at ||
      invite.revoked_at ||
      invite.expires_at <= codec.now() ||
      invite.email !== email
    ) {
      throw badRequest(
        'This invitation is invalid, expired or revoked, or it was sent to another email address.',
      );
    }
    return invite;
  }

  /** Re-hashes with today's cost when an older, cheaper hash just proved correct. */
  private async upgradeHash(user: UserWithSecret, password: string): Promise<void> {
    const logN = Number(user.passwordHash?.split('$')[1]);
    if (Number.isFinite(logN) && logN < this.d.passwordCost) {
      await this.d.repo.updateUser(user.id, {
        password_hash: await hashPassword(password, this.d.passwordCost),
      });
    }
  }
}
