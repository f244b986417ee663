import { AppError, forbidden } from '../../errors.js';
import type { AccessService, WorkspaceAccess } from '../../platform/auth/access.js';
import { ROLE_PERMISSIONS, ROLE_RANK, type Permission, type Role } from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { AuditWriter } from '../audit/audit.service.js';

export interface Target {
  type: string;
  id?: string | null;
}

/** A decision the dashboard can show before the action is tried, and the service enforces. */
export interface Decision {
  allowed: boolean;
  reason: string | null;
  /** 403 for "you may not", 409 for "the workspace's state does not allow it". */
  status?: 403 | 409;
}

export const allow: Decision = { allowed: true, reason: null };
export const refuse = (reason: string, status: 403 | 409 = 403): Decision => ({
  allowed: false,
  reason,
  status,
});

/** Everything a set of roles gives. */
export function permissionsOfRoles(roles: readonly Role[]): Set<Permission> {
  const out = new Set<Permission>();
  for (const r of roles) for (const p of ROLE_PERMISSIONS[r] ?? []) out.add(p);
  return out;
}

/**
 * The checks shared by every RBAC admin action: the caller needs `auth:manage` in the
 * workspace, cannot act above their own rank, and cannot hand out permissions they do
 * not hold themselves. Refusals are audited like the access check's own denials.
 */
export class AdminGuard {
  constructor(
    private readonly access: AccessService,
    private readonly audit: AuditWriter,
  ) {}

  require(principal: Principal, workspaceId: string | undefined, action: string, target: Target) {
    return this.access.require(principal, 'auth:manage', { workspaceId, action, target });
  }

  /** Audits the refusal and throws it with the decision's status. */
  async enforce(
    principal: Principal,
    ctx: WorkspaceAccess,
    decision: Decision,
    action: string,
    target: Target,
  ): Promise<void> {
    if (decision.allowed) return;
    const reason = decision.reason ?? 'Not allowed.';
    await this.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      outcome: 'denied',
      target,
      reason,
    });
    throw decision.status === 409 ? new AppError('CONFLICT', reason) : forbidden(reason);
  }

  /** Only owners touch owners; nobody acts on someone ranked above them. */
  mayTouch(ctx: WorkspaceAccess, targetRole: Role): Decision {
    if (targetRole === 'owner' && ctx.role !== 'owner') {
      return refuse('Only an owner can change or remove an owner.');
    }
    if (ROLE_RANK[targetRole] > ROLE_RANK[ctx.role]) {
      return refuse(`An ${ctx.role} cannot manage an ${targetRole}.`);
    }
    return allow;
  }

  /** The same rule as changing a member's role in the workspaces module. */
  mayAssign(ctx: WorkspaceAccess, currentRole: Role, newRole: Role): Decision {
    if ((newRole === 'owner' || currentRole === 'owner') && ctx.role !== 'owner') {
      return refuse('Only an owner can grant or take away the owner role.');
    }
    if (ROLE_RANK[newRole] > ROLE_RANK[ctx.role] || ROLE_RANK[currentRole] > ROLE_RANK[ctx.role]) {
      return refuse(`An ${ctx.role} cannot assign the ${newRole} role here.`);
    }
    return allow;
  }

  /** Nobody grants what they do not hold (after their own groups, policies and key scopes). */
  mayGrant(ctx: WorkspaceAccess, wanted: Iterable<Permission>): Decision {
    const missing = [...new Set(wanted)].filter((p) => !ctx.permissions.has(p)).sort();
    return missing.length
      ? refuse(`You cannot grant permissions you do not hold yourself: ${missing.join(', ')}.`)
      : allow;
  }
}
