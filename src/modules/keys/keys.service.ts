import { badRequest, conflict, forbidden, notFound, unauthorized } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import {
  KEY_SCOPES,
  PERMISSIONS,
  ROLE_RANK,
  type KeyScope,
  type Permission,
} from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import { generateApiKey } from '../../platform/auth/tokens.js';
import { codec } from '../../platform/db/codec.js';
import type { Page } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { WorkspacesRepository } from '../workspaces/workspaces.repository.js';
import type { ApiKey, KeysRepository } from './keys.repository.js';

/** Spec 004's wording: a leaked key must not be able to mint or cancel keys. */
export const KEY_BY_KEY_MESSAGE = 'An API key cannot be used to create or revoke API keys.';
/** Keeps a runaway script from filling the table; far above any real need. */
export const MAX_ACTIVE_KEYS_PER_MEMBER = 100;

export interface KeysDeps {
  repo: KeysRepository;
  workspaces: WorkspacesRepository;
  access: AccessService;
  audit: AuditWriter;
}

export interface CreateKeyInput {
  name: string;
  scopes?: KeyScope[] | undefined;
  workspace_id?: string | undefined;
  expires_at?: string | undefined;
}

export type KeyView = Omit<ApiKey, 'revoked_at'>;

const view = ({ revoked_at: _r, ...key }: ApiKey): KeyView => key;

/**
 * The scopes a member may put on a key: a scope is only offered when the member
 * actually holds a permission of that level, so a viewer cannot mint a key that
 * looks like it could write (it never could: use is capped by the member anyway).
 */
export function scopesWithin(permissions: ReadonlySet<Permission>): KeyScope[] {
  const levels = new Set([...permissions].map((p) => PERMISSIONS[p]));
  return KEY_SCOPES.filter((s) => levels.has(s));
}

export class KeysService {
  constructor(private readonly d: KeysDeps) {}

  /** The caller's own non-revoked keys, or with `all` everybody's (needs auth:manage). */
  async list(
    principal: Principal,
    input: { workspace_id?: string | undefined; all?: boolean | undefined },
    page: Page,
  ) {
    const userId = this.user(principal);
    const workspaceId = await this.d.access.resolveWorkspace(principal, input.workspace_id);
    if (input.all) {
      await this.d.access.require(principal, 'auth:manage', {
        workspaceId,
        action: 'key.list_all',
        target: { type: 'workspace', id: workspaceId },
      });
    } else if (!(await this.d.access.accessIn(principal, workspaceId))) {
      throw notFound('Workspace');
    }
    const { items, total } = await this.d.repo.listActive(
      workspaceId,
      input.all ? undefined : userId,
      page.limit,
      page.offset,
    );
    return { items: items.map(view), total };
  }

  async create(principal: Principal, input: CreateKeyInput): Promise<KeyView & { plaintext: string }> {
    const userId = await this.sessionOnly(principal, 'key.create');
    const workspaceId = await this.d.access.resolveWorkspace(principal, input.workspace_id);
    const access = await this.d.access.accessIn(principal, workspaceId);
    if (!access) {
      await this.denied(principal, 'key.create', workspaceId, undefined, 'not a member of the workspace');
      throw notFound('Workspace');
    }
    const scopes = [...new Set(input.scopes?.length ? input.scopes : (['read'] as KeyScope[]))];
    const allowed = scopesWithin(access.permissions);
    const excess = scopes.filter((s) => !allowed.includes(s));
    if (excess.length) {
      const reason = allowed.length
        ? `Your access in this workspace allows keys with scopes ${allowed.join(', ')} only; ` +
          `you asked for ${excess.join(', ')}.`
        : 'You hold no permissions in this workspace (your membership may be disabled), so you cannot create keys here.';
      await this.denied(principal, 'key.create', workspaceId, undefined, reason);
      throw forbidden(reason);
    }
    let expiresAt: string | null = null;
    if (input.expires_at !== undefined) {
      const when = Date.parse(input.expires_at);
      if (!Number.isFinite(when) || when <= Date.now()) throw badRequest('expires_at must be in the future.');
      expiresAt = new Date(when).toISOString();
    }
    if ((await this.d.repo.countActive(workspaceId, userId)) >= MAX_ACTIVE_KEYS_PER_MEMBER) {
      throw conflict(
        `You already have ${MAX_ACTIVE_KEYS_PER_MEMBER} active keys in this workspace; revoke some first.`,
      );
    }
    const secret = generateApiKey();
    const key: KeyView = {
      id: newId('key'),
      name: input.name.trim(),
      prefix: secret.prefix,
      scopes: KEY_SCOPES.filter((s) => scopes.includes(s)),
      workspace_id: workspaceId,
      user_id: userId,
      created_at: codec.now(),
      last_used_at: null,
      expires_at: expiresAt,
    };
    // Only the SHA-256 of the key is stored; the plaintext leaves in this response only.
    await this.d.repo.insert({ ...key, key_hash: secret.hash });
    await this.d.audit.record(principal, {
      workspaceId,
      action: 'key.create',
      target: { type: 'api_key', id: key.id },
      after: key,
    });
    return { ...key, plaintext: secret.plaintext };
  }

  /** Revokes the caller's own key, or a member's key for an admin (auth:manage) of its workspace. */
  async revoke(principal: Principal, id: string): Promise<void> {
    const userId = await this.sessionOnly(principal, 'key.revoke', id);
    const key = await this.d.repo.find(id);
    if (!key || key.revoked_at) {
      throw notFound('API key');
    }
    let permission: Permission | null = null;
    if (key.user_id !== userId) {
      const access = await this.d.access.require(principal, 'auth:manage', {
        workspaceId: key.workspace_id,
        action: 'key.revoke',
        target: { type: 'api_key', id },
      });
      const owner = await this.d.workspaces.member(key.workspace_id, key.user_id);
      if (owner && ROLE_RANK[owner.role] > ROLE_RANK[access.role]) {
        const reason = `An ${access.role} cannot revoke the keys of an ${owner.role}.`;
        await this.denied(principal, 'key.revoke', key.workspace_id, id, reason);
        throw forbidden(reason);
      }
      permission = 'auth:manage';
    }
    const at = codec.now();
    if (!(await this.d.repo.revoke(id, at))) throw notFound('API key');
    await this.d.audit.record(principal, {
      workspaceId: key.workspace_id,
      action: 'key.revoke',
      permission,
      target: { type: 'api_key', id },
      before: view(key),
      after: { ...view(key), revoked_at: at },
    });
  }

  private user(principal: Principal): string {
    if (principal.kind !== 'user' || !principal.userId) throw unauthorized();
    return principal.userId;
  }

  /** Keys are minted and revoked only by a person signed in (session or trusted SSO). */
  private async sessionOnly(principal: Principal, action: string, keyId?: string): Promise<string> {
    const userId = this.user(principal);
    const type = principal.credential.type;
    if (type === 'session' || type === 'sso') return userId;
    const reason =
      type === 'api_key' ? KEY_BY_KEY_MESSAGE : 'Only a signed-in user can create or revoke API keys.';
    await this.denied(principal, action, principal.credential.workspaceId ?? null, keyId, reason);
    throw forbidden(reason);
  }

  private async denied(
    principal: Principal,
    action: string,
    workspaceId: string | null,
    keyId: string | undefined,
    reason: string,
  ): Promise<void> {
    await this.d.audit.record(principal, {
      workspaceId,
      action,
      outcome: 'denied',
      target: { type: 'api_key', id: keyId ?? null },
      reason,
    });
  }
}
