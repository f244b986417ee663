import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { AgentCharactersTable, DB } from '../../../platform/db/schema.js';
import type { Page } from '../../../platform/http/pagination.js';
import type { Character } from '../agents.types.js';

const toCharacter = (r: Selectable<AgentCharactersTable>): Character => ({
  id: r.id,
  workspace_id: r.workspace_id,
  name: r.name,
  description: r.description,
  persona: r.persona,
  created_by: r.created_by,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

export class CharactersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(c: Omit<Character, 'created_at' | 'updated_at'>): Promise<Character> {
    const now = codec.now();
    const row = { ...c, created_at: now, updated_at: now };
    await this.db.insertInto('agent_characters').values(row).execute();
    return toCharacter(row);
  }

  async get(id: string): Promise<Character | undefined> {
    const row = await this.db
      .selectFrom('agent_characters')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toCharacter(row) : undefined;
  }

  async list(workspaceId: string, page: Page): Promise<{ items: Character[]; total: number }> {
    const q = this.db.selectFrom('agent_characters').where('workspace_id', '=', workspaceId);
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toCharacter), total: decode.int(count.n) };
  }

  async update(
    id: string,
    changes: Partial<Pick<Character, 'name' | 'description' | 'persona'>>,
  ): Promise<Character | undefined> {
    await this.db
      .updateTable('agent_characters')
      .set({ ...changes, updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** Agents that took it keep going without it (their character_id is set null). */
  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('agent_characters').where('id', '=', id).execute();
  }
}
