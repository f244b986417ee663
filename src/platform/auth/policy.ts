import { BlockList, isIP } from 'node:net';
import type { Permission, Role } from './permissions.js';
import type { CredentialType } from './principal.js';

/** A workspace access policy (spec 003 `/auth/access-policies`). Deny beats allow. */
export interface AccessPolicy {
  id: string;
  name: string;
  effect: 'allow' | 'deny';
  /** Permission names, or `*` for all. */
  permissions: Array<Permission | '*'>;
  /** Who it applies to; an empty subject list means everybody in the workspace. */
  subjects: { roles?: Role[]; groups?: string[]; users?: string[] };
  /** When it applies; every given condition must hold. */
  conditions: { ip_cidrs?: string[]; credential_types?: CredentialType[] };
}

export interface PolicySubject {
  userId: string;
  role: Role;
  groupIds: ReadonlySet<string>;
  ip: string | undefined;
  credentialType: CredentialType;
}

function ipMatches(cidrs: string[], ip: string | undefined): boolean {
  if (!ip) return false;
  const family = isIP(ip);
  if (!family) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr, bits] = cidr.split('/');
    const fam = isIP(addr ?? '');
    if (!fam) continue;
    const type = fam === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr!, type);
    else list.addSubnet(addr!, Number(bits), type);
  }
  return list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

export function policyApplies(policy: AccessPolicy, subject: PolicySubject): boolean {
  const { roles = [], groups = [], users = [] } = policy.subjects;
  const everyone = roles.length === 0 && groups.length === 0 && users.length === 0;
  const inSubjects =
    everyone ||
    roles.includes(subject.role) ||
    users.includes(subject.userId) ||
    groups.some((g) => subject.groupIds.has(g));
  if (!inSubjects) return false;
  const { ip_cidrs, credential_types } = policy.conditions;
  if (ip_cidrs?.length && !ipMatches(ip_cidrs, subject.ip)) return false;
  if (credential_types?.length && !credential_types.includes(subject.credentialType)) return false;
  return true;
}

export function policyCovers(policy: AccessPolicy, permission: Permission): boolean {
  return policy.permissions.includes('*') || policy.permissions.includes(permission);
}

/** True when the CIDR string is well formed; used to validate policy documents. */
export function isValidCidr(cidr: string): boolean {
  const [addr, bits, extra] = cidr.split('/');
  if (extra !== undefined || !addr) return false;
  const fam = isIP(addr);
  if (!fam) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return Number.isInteger(n) && n >= 0 && n <= (fam === 6 ? 128 : 32) && /^\d+$/.test(bits);
}
