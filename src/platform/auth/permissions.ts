/**
 * Permission names (spec 003) and the level each belongs to. A key's scope caps the
 * levels it may use: read → read, write → read + write, admin → everything.
 * Later modules add their permissions here so there is one closed list.
 */
export const PERMISSIONS = {
  'auth:manage': 'admin',
  'audit:read': 'read',
  'workspace:manage': 'admin',
  'usage:read': 'read',
  'metrics:read': 'read',
  'settings:read': 'read',
  'settings:manage': 'admin',
  'node:read': 'read',
  'node:manage': 'admin',
  'node:control': 'write',
  'listen:monitor': 'read',
  'health:read': 'read',
  'health:acknowledge': 'write',
  'recording:read': 'read',
  'recording:playback': 'read',
  'recording:download': 'read',
  'recording:create': 'write',
  'recording:control': 'write',
  'recording:edit': 'write',
  'recording:share': 'write',
  'recording:delete': 'admin',
  'schedule:read': 'read',
  'schedule:manage': 'write',
  // Agents (spec 002): reading them and talking to them needs what reading recordings
  // needs (an agent only ever shows what its caller may read); changing them is a write.
  'agent:read': 'read',
  'agent:chat': 'read',
  'agent:manage': 'write',
  // Registering an external MCP server sends requests from this instance: admins only.
  'plugin:manage': 'admin',
  // Webhooks: seeing a workspace's subscriptions and their delivery log is a read;
  // creating, changing, rotating secrets and redelivering is administration (a webhook
  // sends the workspace's events outside Iris).
  'webhook:read': 'read',
  'webhook:manage': 'admin',
  // Cameras (spec 001): watching them is a read; adding, repointing and deleting them is
  // administration (a camera's URL carries its password, and deleting one purges its history).
  'camera:read': 'read',
  'camera:manage': 'admin',
  // Watching a camera live (snapshot, MJPEG, HLS): a read, but its own, so a role or key can
  // list cameras and their events without seeing through them.
  'live:view': 'read',
  // Starting and stopping a manual recording keeps footage as an event and a recording: a write.
  'live:record': 'write',
  // Camera events: reading them (and their clips and thumbnails) is a read; deleting
  // recorded evidence is administration.
  'event:read': 'read',
  'event:delete': 'admin',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export type Level = 'read' | 'write' | 'admin';
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export const ROLES = ['owner', 'admin', 'operator', 'viewer', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

export const KEY_SCOPES = ['read', 'write', 'admin'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

const byLevel = (...levels: Level[]) => ALL_PERMISSIONS.filter((p) => levels.includes(PERMISSIONS[p]));
const reads = byLevel('read');

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(ALL_PERMISSIONS),
  admin: new Set(ALL_PERMISSIONS),
  operator: new Set<Permission>([...byLevel('read', 'write')].filter((p) => p !== 'audit:read')),
  // Webhook URLs often carry a receiver's token (chat incoming hooks): not for viewers.
  viewer: new Set<Permission>(
    reads.filter(
      (p) => !['audit:read', 'metrics:read', 'usage:read', 'listen:monitor', 'webhook:read'].includes(p),
    ),
  ),
  auditor: new Set<Permission>(
    reads.filter((p) => !['recording:playback', 'recording:download', 'listen:monitor'].includes(p)),
  ),
};

/** Roles ordered by power, used to stop a member from granting more than they hold. */
export const ROLE_RANK: Record<Role, number> = { owner: 4, admin: 3, operator: 2, auditor: 1, viewer: 1 };

export function isPermission(value: string): value is Permission {
  return Object.prototype.hasOwnProperty.call(PERMISSIONS, value);
}

/** Whether a key with these scopes may use the permission. */
export function scopeAllows(scopes: readonly KeyScope[], permission: Permission): boolean {
  const level = PERMISSIONS[permission];
  if (scopes.includes('admin')) return true;
  if (scopes.includes('write')) return level !== 'admin';
  if (scopes.includes('read')) return level === 'read';
  return false;
}
