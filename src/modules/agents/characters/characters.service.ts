import { badRequest, notFound } from '../../../errors.js';
import type { AccessService } from '../../../platform/auth/access.js';
import type { Permission } from '../../../platform/auth/permissions.js';
import type { Principal } from '../../../platform/auth/principal.js';
import type { Page } from '../../../platform/http/pagination.js';
import { newId } from '../../../platform/ids.js';
import type { AuditWriter } from '../../audit/audit.service.js';
import type { Character } from '../agents.types.js';
import type { CharactersRepository } from './characters.repository.js';

export interface CharacterInput {
  name: string;
  description?: string | undefined;
  persona: string;
  workspace_id?: string | undefined;
}

/** Characters: a workspace's persona presets for its agents (read: agent:read, change: agent:manage). */
export class CharactersService {
  constructor(
    private readonly d: { repo: CharactersRepository; access: AccessService; audit: AuditWriter },
  ) {}

  async create(principal: Principal, input: CharacterInput): Promise<Character> {
    const access = await this.d.access.require(principal, 'agent:manage', {
      workspaceId: input.workspace_id,
      action: 'character.create',
      target: { type: 'character' },
    });
    const character = await this.d.repo.create({
      id: newId('chr'),
      workspace_id: access.workspaceId,
      name: input.name.trim(),
      description: input.description ?? '',
      persona: input.persona,
      created_by: principal.userId ?? null,
    });
    await this.audited(principal, character, 'character.create', undefined, character);
    return character;
  }

  async list(principal: Principal, workspaceId: string | undefined, page: Page) {
    const access = await this.d.access.require(principal, 'agent:read', {
      workspaceId,
      action: 'character.list',
    });
    return this.d.repo.list(access.workspaceId, page);
  }

  get(principal: Principal, id: string): Promise<Character> {
    return this.load(principal, id, 'agent:read', 'character.read');
  }

  async update(principal: Principal, id: string, changes: Partial<CharacterInput>): Promise<Character> {
    const before = await this.load(principal, id, 'agent:manage', 'character.update');
    const after =
      (await this.d.repo.update(id, {
        ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.persona !== undefined ? { persona: changes.persona } : {}),
      })) ?? before;
    await this.audited(principal, after, 'character.update', before, after);
    return after;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const character = await this.load(principal, id, 'agent:manage', 'character.delete');
    await this.d.repo.delete(id);
    await this.audited(principal, character, 'character.delete', character, undefined);
  }

  /** The character an agent of `workspaceId` may take: 400 when it is not that workspace's. */
  async forAgent(workspaceId: string, id: string | null): Promise<Character | null> {
    if (id === null) return null;
    const c = await this.d.repo.get(id);
    if (!c || c.workspace_id !== workspaceId) {
      throw badRequest('character_id names no character of the agent’s workspace.', {
        field: 'character_id',
      });
    }
    return c;
  }

  async persona(id: string | null): Promise<string | undefined> {
    return id ? (await this.d.repo.get(id))?.persona : undefined;
  }

  private async load(principal: Principal, id: string, permission: Permission, action: string) {
    const c = await this.d.repo.get(id);
    if (!c) throw notFound('Character');
    await this.d.access.require(principal, permission, {
      workspaceId: c.workspace_id,
      action,
      target: { type: 'character', id },
    });
    return c;
  }

  private audited(principal: Principal, c: Character, action: string, before?: Character, after?: Character) {
    const view = (x: Character) => ({
      name: x.name,
      description: x.description,
      persona_chars: x.persona.length,
    });
    return this.d.audit.record(principal, {
      workspaceId: c.workspace_id,
      action,
      permission: 'agent:manage',
      target: { type: 'character', id: c.id },
      ...(before ? { before: view(before) } : {}),
      ...(after ? { after: view(after) } : {}),
    });
  }
}
