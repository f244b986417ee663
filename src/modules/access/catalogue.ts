import {
  ALL_PERMISSIONS,
  KEY_SCOPES,
  PERMISSIONS,
  ROLES,
  ROLE_PERMISSIONS,
  ROLE_RANK,
  scopeAllows,
} from '../../platform/auth/permissions.js';

/**
 * The permission model as data, for the dashboard's role and policy editors. Built from
 * permissions.ts, so permissions that later modules add appear here by themselves.
 */
export function permissionCatalogue() {
  return {
    permissions: ALL_PERMISSIONS.map((name) => ({
      name,
      level: PERMISSIONS[name],
      family: name.split(':')[0]!,
    })),
    roles: ROLES.map((name) => ({
      name,
      rank: ROLE_RANK[name],
      permissions: ALL_PERMISSIONS.filter((p) => ROLE_PERMISSIONS[name].has(p)),
    })),
    key_scopes: KEY_SCOPES.map((name) => ({
      name,
      permissions: ALL_PERMISSIONS.filter((p) => scopeAllows([name], p)),
    })),
  };
}
