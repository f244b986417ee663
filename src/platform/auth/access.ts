import { AppError, forbidden, notFound, unauthorized } from '../../errors.js';
import type { AuditWriter } from '../../modules/audit/audit.service.js';
import type { AccessRepository } from './access.repository.js';
import { policyApplies, policyCovers } from './policy.js';
import { ROLE_PERMISSIONS, scopeAllows, type Permission, type Role } from './permissions.js';
import type { Principal } from './principal.js';

export interface WorkspaceAccess {
  workspaceId: string;
  role: Role;
  /** Permissions after groups, grants, policies and the key's scope cap. */
  permissions: ReadonlySet<Permission>;
}

export interface RequireOptions {
  /** Explicit workspace from the request; otherwise the key's or the user's default. */
  workspaceId?: string | undefined;
  /** Audit action recorded if the attempt is denied. */
  action: string;
  target?: { type: string; id?: string | null };
}

/**
 * The one place authorization is decided: membership scopes the request to a
 * workspace, role + groups + grants + policies give permissions, and a key's scopes
 * cap them. Every service calls `require` before it reads or changes anything.
 */
export class AccessService {
  constructor(
    private readonly repo: AccessRepository,
    private readonly audit: AuditWriter,
  ) {}

  async resolveWorkspace(principal: Principal, requested?: string): Promise<string> {
    if (principal.kind === 'anonymous') throw unauthorized();
    const bound = principal.credential.workspaceId;
    if (bound) {
      if (requested && requested !== bound) throw notFound('Workspace');
      return bound;
    }
    if (requested) return requested;
    if (!principal.userId) throw unauthorized();
    const fallback = await this.repo.defaultWorkspaceId(principal.userId);
    if (!fallback) {
      throw new AppError(
        'NOT_FOUND',
        'You do not belong to any workspace yet; create one with POST /api/v1/workspaces.',
      );
    }
    return fallback;
  }

  /** Effective permissions of the caller in a workspace, or undefined when not a member. */
  async accessIn(principal: Principal, workspaceId: string): Promise<WorkspaceAccess | undefined> {
    if (!principal.userId) return undefined;
    const bound = principal.credential.workspaceId;
    if (bound && bound !== workspaceId) return undefined;
    const member = await this.repo.memberAccess(workspaceId, principal.userId);
    if (!member) return undefined;
    if (member.status !== 'active') {
      return { workspaceId, role: member.role, permissions: new Set() };
    }
    const granted = new Set<Permission>(ROLE_PERMISSIONS[member.role] ?? []);
    for (const p of member.grants) granted.add(p);
    for (const g of member.groups) {
      for (const r of g.roles) for (const p of ROLE_PERMISSIONS[r] ?? []) granted.add(p);
      for (const p of g.permissions) granted.add(p);
    }
    const policies = await this.repo.policies(workspaceId);
    if (policies.length) {
      const subject = {
        userId: principal.userId,
        role: member.role,
        groupIds: new Set(member.groups.map((g) => g.id)),
        ip: principal.ip,
        credentialType: principal.credential.type,
      };
      const applicable = policies.filter((p) => policyApplies(p, subject));
      for (const policy of applicable.filter((p) => p.effect === 'allow')) {
        for (const p of ROLE_PERMISSIONS.owner) if (policyCovers(policy, p)) granted.add(p);
      }
      for (const policy of applicable.filter((p) => p.effect === 'deny')) {
        for (const p of [...granted]) {
          // An owner can never be locked out of fixing the policies themselves.
          if (member.role === 'owner' && p === 'auth:manage') continue;
          if (policyCovers(policy, p)) granted.delete(p);
        }
      }
    }
    const scopes = principal.credential.scopes;
    const permissions = scopes ? new Set([...granted].filter((p) => scopeAllows(scopes, p))) : granted;
    return { workspaceId, role: member.role, permissions };
  }

  /** Resolves the workspace and demands a permission there; denied attempts are audited. */
  async require(
    principal: Principal,
    permission: Permission,
    options: RequireOptions,
  ): Promise<WorkspaceAccess> {
    const workspaceId = await this.resolveWorkspace(principal, options.workspaceId);
    const access = await this.accessIn(principal, workspaceId);
    if (!access) {
      await this.deny(principal, permission, workspaceId, options, 'not a member of the workspace');
      // Other workspaces' resources are invisible, not forbidden.
      throw notFound(options.target?.type ? capitalize(options.target.type) : 'Workspace');
    }
    if (!access.permissions.has(permission)) {
      const scopes = principal.credential.scopes;
      const byScope =
        scopes && ROLE_PERMISSIONS[access.role]?.has(permission) && !scopeAllows(scopes, permission);
      const reason = byScope
        ? `This API key's scopes (${scopes.join(', ')}) do not allow ${permission}.`
        : `Your role in this workspace does not grant ${permission}.`;
      await this.deny(principal, permission, workspaceId, options, reason);
      throw forbidden(reason);
    }
    return access;
  }

  private async deny(
    principal: Principal,
    permission: Permission,
    workspaceId: string,
    options: RequireOptions,
    reason: string,
  ): Promise<void> {
    await this.audit.record(principal, {
      workspaceId,
      action: options.action,
      permission,
      outcome: 'denied',
      ...(options.target ? { target: options.target } : {}),
      reason,
    });
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1).replace(/_/g, ' ');
}
