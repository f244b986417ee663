import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { AgentMemoriesTable, DB } from '../../../platform/db/schema.js';
import type { Memory } from '../agents.types.js';

const toMemory = (r: Selectable<AgentMemoriesTable>): Memory => ({
  id: r.id,
  agent_id: r.agent_id,
  user_id: r.user_id,
  content: r.content,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

/** An agent's long-term notes, one list per person. */
export class MemoriesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  private own(agentId: string, userId: string | null) {
    const q = this.db.selectFrom('agent_memories').where('agent_id', '=', agentId);
    return userId === null ? q.where('user_id', 'is', null) : q.where('user_id', '=', userId);
  }

  /** Oldest first: the order they were learnt in. */
  async list(agentId: string, userId: string | null, limit: number): Promise<Memory[]> {
    const rows = await this.own(agentId, userId)
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map(toMemory);
  }

  async count(agentId: string, userId: string | null): Promise<number> {
    const row = await this.own(agentId, userId)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return decode.int(row.n);
  }

  async get(id: string): Promise<Memory | undefined> {
    const row = await this.db
      .selectFrom('agent_memories')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toMemory(row) : undefined;
  }

  async create(m: Pick<Memory, 'id' | 'agent_id' | 'user_id' | 'content'>): Promise<Memory> {
    const now = codec.now();
    const row = { ...m, created_at: now, updated_at: now };
    await this.db.insertInto('agent_memories').values(row).execute();
    return toMemory(row);
  }

  async update(id: string, content: string): Promise<Memory | undefined> {
    await this.db
      .updateTable('agent_memories')
      .set({ content, updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('agent_memories').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
