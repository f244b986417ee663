import { badRequest } from '../../errors.js';
import { ALL_PERMISSIONS, type Permission, type Role } from '../../platform/auth/permissions.js';
import { isValidCidr, type AccessPolicy } from '../../platform/auth/policy.js';
import type { CredentialType, Principal } from '../../platform/auth/principal.js';
import { newId } from '../../platform/ids.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import type { AdminGuard } from './admin-guard.js';
import type { GroupsRepository } from './groups.repository.js';
import type { PoliciesRepository } from './policies.repository.js';

export interface PoliciesDeps {
  repo: PoliciesRepository;
  groups: GroupsRepository;
  workspaces: WorkspacesRepository;
  guard: AdminGuard;
  audit: AuditWriter;
}

/** One policy as a client sends it; `id` keeps an existing policy's identity. */
export interface PolicyInput {
  id?: string | undefined;
  name: string;
  effect: 'allow' | 'deny';
  permissions: Array<Permission | '*'>;
  subjects?:
    { roles?: Role[] | undefined; groups?: string[] | undefined; users?: string[] | undefined } | undefined;
  conditions?:
    { ip_cidrs?: string[] | undefined; credential_types?: CredentialType[] | undefined } | undefined;
}

const target = { type: 'access_policies' };
const uniq = <T>(xs: T[] | undefined) => [...new Set(xs ?? [])];

/** Spec 003's `/auth/access-policies`: read and atomically replace a workspace's policy set. */
export class PoliciesService {
  constructor(private readonly d: PoliciesDeps) {}

  async get(principal: Principal, workspaceId: string | undefined) {
    const ctx = await this.d.guard.require(principal, workspaceId, 'access_policies.read', target);
    return { workspace_id: ctx.workspaceId, policies: await this.d.repo.list(ctx.workspaceId) };
  }

  async replace(principal: Principal, workspaceId: string | undefined, inputs: PolicyInput[]) {
    const action = 'access_policies.replace';
    const ctx = await this.d.guard.require(principal, workspaceId, action, target);
    const before = await this.d.repo.list(ctx.workspaceId);
    const policies = inputs.map((p) => normalise(p, before));
    const ids = policies.map((p) => p.id);
    if (new Set(ids).size !== ids.length) throw badRequest('Each policy id may appear only once.');
    await this.validateReferences(ctx.workspaceId, policies);
    // An allow policy hands out permissions, so the caller must hold what it allows.
    const allowed = policies
      .filter((p) => p.effect === 'allow')
      .flatMap((p) => (p.permissions.includes('*') ? ALL_PERMISSIONS : (p.permissions as Permission[])));
    await this.d.guard.enforce(principal, ctx, this.d.guard.mayGrant(ctx, allowed), action, target);
    await this.d.repo.replace(ctx.workspaceId, policies);
    const after = await this.d.repo.list(ctx.workspaceId);
    await this.d.audit.record(principal, {
      workspaceId: ctx.workspaceId,
      action,
      permission: 'auth:manage',
      target: { type: 'access_policies', id: ctx.workspaceId },
      before,
      after,
    });
    return { workspace_id: ctx.workspaceId, policies: after };
  }

  /** Subjects must name this workspace's groups and members; CIDRs must parse. */
  private async validateReferences(workspaceId: string, policies: AccessPolicy[]): Promise<void> {
    const problems: string[] = [];
    const groupIds = uniq(policies.flatMap((p) => p.subjects.groups ?? []));
    const known = new Set((await this.d.groups.findMany(workspaceId, groupIds)).map((g) => g.id));
    const members = new Set((await this.d.workspaces.members(workspaceId)).map((m) => m.user_id));
    policies.forEach((p, i) => {
      const where = `policies[${i}]`;
      for (const g of p.subjects.groups ?? []) {
        if (!known.has(g)) problems.push(`${where}.subjects.groups: ${g} is not a group of this workspace`);
      }
      for (const u of p.subjects.users ?? []) {
        if (!members.has(u)) problems.push(`${where}.subjects.users: ${u} is not a member of this workspace`);
      }
      for (const cidr of p.conditions.ip_cidrs ?? []) {
        if (!isValidCidr(cidr))
          problems.push(`${where}.conditions.ip_cidrs: "${cidr}" is not an IP address or CIDR`);
      }
    });
    if (problems.length) {
      throw badRequest(`Invalid access policies: ${problems.slice(0, 10).join('; ')}`, { problems });
    }
  }
}

/**
 * Drops empty lists so stored policies read the same however they were sent, and
 * keeps an id only when it names one of this workspace's current policies (ids are
 * global, so one copied from another workspace gets a fresh id).
 */
function normalise(input: PolicyInput, current: AccessPolicy[]): AccessPolicy {
  const keep = input.id !== undefined && current.some((c) => c.id === input.id);
  const subjects: AccessPolicy['subjects'] = {};
  const roles = uniq(input.subjects?.roles);
  const groups = uniq(input.subjects?.groups);
  const users = uniq(input.subjects?.users);
  if (roles.length) subjects.roles = roles;
  if (groups.length) subjects.groups = groups;
  if (users.length) subjects.users = users;
  const conditions: AccessPolicy['conditions'] = {};
  const cidrs = uniq(input.conditions?.ip_cidrs?.map((c) => c.trim()));
  const types = uniq(input.conditions?.credential_types);
  if (cidrs.length) conditions.ip_cidrs = cidrs;
  if (types.length) conditions.credential_types = types;
  const permissions = uniq(input.permissions);
  return {
    id: keep ? input.id! : newId('pol'),
    name: input.name.trim(),
    effect: input.effect,
    permissions: permissions.includes('*') ? ['*'] : permissions.sort(),
    subjects,
    conditions,
  };
}
