import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../../platform/db/codec.js';
import type { AgentPluginsTable, DB } from '../../../platform/db/schema.js';
import type { PluginTool } from './mcp-plugins.js';

export interface Plugin {
  id: string;
  workspace_id: string;
  name: string;
  description: string;
  url: string;
  /** Whether request headers (credentials) are stored; they are never shown. */
  has_headers: boolean;
  tools: PluginTool[];
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export interface StoredPlugin extends Plugin {
  headers_sealed: string | null;
}

const toPlugin = (r: Selectable<AgentPluginsTable>): StoredPlugin => ({
  id: r.id,
  workspace_id: r.workspace_id,
  name: r.name,
  description: r.description,
  url: r.url,
  has_headers: r.headers_sealed !== null,
  headers_sealed: r.headers_sealed,
  tools: decode.json<PluginTool[]>(r.tools, []),
  created_by: r.created_by,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

export class PluginsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(p: Omit<StoredPlugin, 'has_headers' | 'created_at' | 'updated_at'>): Promise<StoredPlugin> {
    const now = codec.now();
    const row = { ...p, tools: codec.json(p.tools), created_at: now, updated_at: now };
    await this.db.insertInto('agent_plugins').values(row).execute();
    return toPlugin(row);
  }

  async get(id: string): Promise<StoredPlugin | undefined> {
    const row = await this.db.selectFrom('agent_plugins').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toPlugin(row) : undefined;
  }

  async list(workspaceId: string): Promise<StoredPlugin[]> {
    const rows = await this.db
      .selectFrom('agent_plugins')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .orderBy('created_at')
      .limit(100)
      .execute();
    return rows.map(toPlugin);
  }

  async setTools(id: string, tools: PluginTool[]): Promise<void> {
    await this.db
      .updateTable('agent_plugins')
      .set({ tools: codec.json(tools), updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('agent_plugins').where('id', '=', id).execute();
  }
}
