import type { AccessService, WorkspaceAccess } from '../../platform/auth/access.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import { allow, refuse, type AdminGuard, type Decision } from './admin-guard.js';
import type { AccessUsersRepository, MemberRecord } from './users.repository.js';

export const USER_ACTIONS = [
  'change_role',
  'edit_access',
  'disable',
  'enable',
  'set_password',
  'send_password_reset',
  'remove',
] as const;
export type UserAction = (typeof USER_ACTIONS)[number];

export interface UserActionDeps {
  access: AccessService;
  guard: AdminGuard;
  workspaces: WorkspacesRepository;
  users: AccessUsersRepository;
}

/**
 * What the caller may do to a member, with the reason when not. The detail page shows
 * these, and every mutation enforces the very same decision, so they cannot disagree.
 */
export async function decideUserActions(
  d: UserActionDeps,
  principal: Principal,
  ctx: WorkspaceAccess,
  target: MemberRecord,
): Promise<Record<UserAction, Decision>> {
  const touch = d.guard.mayTouch(ctx, target.role);
  const self = principal.userId === target.id;
  const lastOwner =
    target.role === 'owner' &&
    target.status === 'active' &&
    (await d.workspaces.countOwners(ctx.workspaceId)) <= 1;
  const guarded = (...rest: Array<Decision | false>): Decision => {
    if (!touch.allowed) return touch;
    return rest.find((r): r is Decision => r !== false && !r.allowed) ?? allow;
  };
  return {
    change_role: guarded(lastOwner && refuse('This is the only owner; make someone else owner first.', 409)),
    edit_access: guarded(),
    disable: guarded(
      self && refuse('You cannot disable yourself.'),
      target.status === 'disabled' && refuse('The member is already disabled.', 409),
      lastOwner && refuse('The only active owner cannot be disabled.', 409),
    ),
    enable: guarded(target.status === 'active' && refuse('The member is already active.', 409)),
    set_password: guarded(
      self && refuse('Change your own password with PATCH /api/v1/auth/me.'),
      !self && (await directPasswordSet(d, principal, ctx, target)),
    ),
    send_password_reset: guarded(
      target.account_status !== 'active' && refuse('The account is disabled instance-wide.', 409),
    ),
    // Removing yourself is leaving; only the last owner may not.
    remove: self
      ? lastOwner
        ? refuse('The only owner cannot leave; transfer ownership or delete the workspace.', 409)
        : allow
      : guarded(lastOwner && refuse('The only owner cannot be removed.', 409)),
  };
}

/**
 * A password is an account-wide secret: setting it directly is only for instance
 * administrators, or for someone who administers every workspace the user is in
 * (with at least the user's rank there). Everybody else sends a reset email.
 */
async function directPasswordSet(
  d: UserActionDeps,
  principal: Principal,
  ctx: WorkspaceAccess,
  target: MemberRecord,
): Promise<Decision> {
  if (principal.isInstanceAdmin && principal.credential.type !== 'api_key') return allow;
  const elsewhere = (await d.users.workspaceIdsOf(target.id)).filter((w) => w !== ctx.workspaceId);
  for (const workspaceId of elsewhere) {
    const mine = await d.access.accessIn(principal, workspaceId);
    const theirs = await d.workspaces.member(workspaceId, target.id);
    const administered =
      mine?.permissions.has('auth:manage') && theirs && d.guard.mayTouch(mine, theirs.role).allowed;
    if (!administered) {
      return refuse(
        'This user also belongs to workspaces you do not administer, so you cannot set their password; ' +
          'send them a reset email instead with {"send_reset_email": true}.',
      );
    }
  }
  return allow;
}
