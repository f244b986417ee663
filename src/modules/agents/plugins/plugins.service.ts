import { badRequest, notFound } from '../../../errors.js';
import type { AccessService } from '../../../platform/auth/access.js';
import type { Principal } from '../../../platform/auth/principal.js';
import { newId } from '../../../platform/ids.js';
import type { AuditWriter } from '../../audit/audit.service.js';
import { AGENT_TOOLS } from '../agents.types.js';
import type { McpConnector, PluginTool } from './mcp-plugins.js';
import type { Plugin, PluginsRepository, StoredPlugin } from './plugins.repository.js';

/** Seals plugin credentials at rest (AES-GCM under the instance secret). */
export interface Sealer {
  seal(plaintext: string, id: string): string;
  open(sealed: string, id: string): string;
}

export interface PluginInput {
  name: string;
  url: string;
  description?: string | undefined;
  /** Sent with every request to the server (e.g. `authorization`); write-only. */
  headers?: Record<string, string> | undefined;
  workspace_id?: string | undefined;
}

export interface CatalogueEntry {
  /** What an agent's `tools` lists: a built-in name, or `<plugin id>/<tool name>`. */
  id: string;
  kind: 'builtin' | 'mcp';
  name: string;
  description: string;
  plugin_id?: string;
  plugin_name?: string;
}

const BUILTIN_DESCRIPTIONS: Record<(typeof AGENT_TOOLS)[number], string> = {
  search_recordings: "Search the workspace's recordings (speech and screen text).",
  get_transcript: "Read a recording's transcript, or part of it.",
  save_memory: 'Keep a note for later conversations with the same person.',
  recall_memory: 'Read the notes kept for the person.',
};

/** `plg_…/tool_name`: a plugin's tool as an agent lists it. */
export const PLUGIN_TOOL = /^(plg_[0-9a-z]{26})\/([A-Za-z0-9_.-]{1,64})$/;

const view = ({ headers_sealed: _h, ...p }: StoredPlugin): Plugin => p;

/**
 * Plugins (spec 002): the tool catalogue agents choose from, the built-in tools plus the
 * tools of external MCP servers a workspace admin registers (`plugin:manage`).
 */
export class PluginsService {
  constructor(
    private readonly d: {
      repo: PluginsRepository;
      access: AccessService;
      audit: AuditWriter;
      connector: McpConnector;
      sealer: Sealer;
    },
  ) {}

  async register(principal: Principal, input: PluginInput): Promise<Plugin> {
    const access = await this.d.access.require(principal, 'plugin:manage', {
      workspaceId: input.workspace_id,
      action: 'plugin.create',
      target: { type: 'plugin' },
    });
    if (!/^https?:\/\//i.test(input.url)) throw badRequest('url must be an http(s) URL.', { field: 'url' });
    const headers = input.headers ?? {};
    const tools = await this.d.connector.listTools(input.url, headers);
    const id = newId('plg');
    const plugin = await this.d.repo.create({
      id,
      workspace_id: access.workspaceId,
      name: input.name.trim(),
      description: input.description ?? '',
      url: input.url,
      headers_sealed: Object.keys(headers).length ? this.d.sealer.seal(JSON.stringify(headers), id) : null,
      tools,
      created_by: principal.userId ?? null,
    });
    await this.d.audit.record(principal, {
      workspaceId: plugin.workspace_id,
      action: 'plugin.create',
      permission: 'plugin:manage',
      target: { type: 'plugin', id },
      after: {
        name: plugin.name,
        url: plugin.url,
        tools: tools.map((t) => t.name),
        has_headers: plugin.has_headers,
      },
    });
    return view(plugin);
  }

  async list(principal: Principal, workspaceId: string | undefined): Promise<Plugin[]> {
    const access = await this.d.access.require(principal, 'agent:read', {
      workspaceId,
      action: 'plugin.list',
    });
    return (await this.d.repo.list(access.workspaceId)).map(view);
  }

  async get(principal: Principal, id: string): Promise<Plugin> {
    return view(await this.load(principal, id, 'agent:read'));
  }

  /** Lists the server's tools again (it may have added or dropped some). */
  async refresh(principal: Principal, id: string): Promise<Plugin> {
    const p = await this.load(principal, id, 'plugin:manage');
    const tools = await this.d.connector.listTools(p.url, this.headersOf(p));
    await this.d.repo.setTools(p.id, tools);
    return { ...view(p), tools };
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const p = await this.load(principal, id, 'plugin:manage');
    await this.d.repo.delete(p.id);
    await this.d.audit.record(principal, {
      workspaceId: p.workspace_id,
      action: 'plugin.delete',
      permission: 'plugin:manage',
      target: { type: 'plugin', id },
      before: { name: p.name, url: p.url },
    });
  }

  /** Every tool an agent of the workspace may be given. */
  async catalogue(principal: Principal, workspaceId: string | undefined): Promise<CatalogueEntry[]> {
    const plugins = await this.list(principal, workspaceId);
    return [
      ...AGENT_TOOLS.map((t) => ({
        id: t,
        kind: 'builtin' as const,
        name: t,
        description: BUILTIN_DESCRIPTIONS[t],
      })),
      ...plugins.flatMap((p) =>
        p.tools.map((t) => ({
          id: `${p.id}/${t.name}`,
          kind: 'mcp' as const,
          name: t.name,
          description: t.description,
          plugin_id: p.id,
          plugin_name: p.name,
        })),
      ),
    ];
  }

  /** 400 unless every plugin tool listed is a tool of a plugin of this workspace. */
  async checkTools(workspaceId: string, tools: readonly string[]): Promise<void> {
    for (const t of tools) {
      if ((AGENT_TOOLS as readonly string[]).includes(t)) continue;
      const m = PLUGIN_TOOL.exec(t);
      const plugin = m ? await this.d.repo.get(m[1]!) : undefined;
      if (
        !m ||
        !plugin ||
        plugin.workspace_id !== workspaceId ||
        !plugin.tools.some((x) => x.name === m[2])
      ) {
        throw badRequest(
          `tools: "${t}" is not in this workspace's tool catalogue (GET /plugins/catalogue).`,
          {
            field: 'tools',
          },
        );
      }
    }
  }

  /** The agent's plugin tools, to offer to its model and to call. */
  async toolsFor(
    workspaceId: string,
    tools: readonly string[],
  ): Promise<Array<PluginTool & { id: string; call: (args: Record<string, unknown>) => Promise<string> }>> {
    const out = [];
    for (const t of tools) {
      const m = PLUGIN_TOOL.exec(t);
      if (!m) continue;
      const plugin = await this.d.repo.get(m[1]!);
      const tool =
        plugin?.workspace_id === workspaceId ? plugin.tools.find((x) => x.name === m[2]) : undefined;
      if (!plugin || !tool) continue; // removed since: the agent goes on without it
      out.push({
        ...tool,
        id: t,
        call: (args: Record<string, unknown>) =>
          this.d.connector.callTool(plugin.url, this.headersOf(plugin), tool.name, args),
      });
    }
    return out;
  }

  private headersOf(p: StoredPlugin): Record<string, string> {
    return p.headers_sealed
      ? (JSON.parse(this.d.sealer.open(p.headers_sealed, p.id)) as Record<string, string>)
      : {};
  }

  private async load(principal: Principal, id: string, permission: 'agent:read' | 'plugin:manage') {
    const p = await this.d.repo.get(id);
    if (!p) throw notFound('Plugin');
    await this.d.access.require(principal, permission, {
      workspaceId: p.workspace_id,
      action: permission === 'agent:read' ? 'plugin.read' : 'plugin.update',
      target: { type: 'plugin', id },
    });
    return p;
  }
}

export type { PluginTool };
