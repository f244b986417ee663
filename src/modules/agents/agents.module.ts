import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { z } from 'zod';
import { guarded } from '../../mcp/errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { DB } from '../../platform/db/schema.js';
import { routes, type IrisModule } from '../../platform/modules/iris-module.js';
import type { AuditWriter } from '../audit/audit.service.js';
import { AgentsRepository } from './agents.repository.js';
import { agentsRoutes } from './agents.routes.js';
import { AgentsService, type RecordingSearch } from './agents.service.js';
import { ReplyLog } from './replies/reply-log.js';
import { HttpMcpConnector, type McpConnector } from './plugins/mcp-plugins.js';
import { PluginsRepository } from './plugins/plugins.repository.js';
import { PluginsService } from './plugins/plugins.service.js';
import { pluginsRoutes } from './plugins/plugins.routes.js';
import { PLUGIN_HEADERS, SecretBox } from '../../platform/crypto/secret-box.js';
import { noEvents, type EventPublisher } from '../../platform/events/publisher.js';
import type { UsageService } from '../usage/usage.service.js';
import { planOf } from '../workspaces/plans.js';
import { CharactersRepository } from './characters/characters.repository.js';
import { CharactersService } from './characters/characters.service.js';
import { charactersRoutes } from './characters/characters.routes.js';
import { MemoriesRepository } from './memory/memories.repository.js';
import type { TranscriptReader } from './replies/toolbox.js';
import type { ToolCallingModel } from '../../engines/llm/port.js';

export interface AgentsModuleDeps {
  db: Kysely<DB>;
  access: AccessService;
  audit: AuditWriter;
  search: RecordingSearch;
  transcripts: TranscriptReader;
  /** Recording context (for tags). */
  context: { find(recordingId: string): Promise<{ tags: string[] } | null> };
  /** The configured language model, if any. */
  model?: ToolCallingModel | undefined;
  logger: Logger;
  usage: Pick<UsageService, 'read' | 'add'>;
  /** The instance secret (plugin credentials are sealed with it). */
  secret: string;
  /** Whether plugins may be on loopback/private addresses (IRIS_WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivateTargets: boolean;
  /** How external MCP servers are reached; the Streamable HTTP client by default. */
  connector?: McpConnector | undefined;
  /** The event bus (webhooks); none by default. */
  events?: EventPublisher | undefined;
  workspaces: { find(id: string): Promise<{ plan: string } | undefined> };
}

export interface AgentsModule extends IrisModule {
  agents: AgentsService;
}

/** Agents (spec 002) at /api/v1/agents and spec 002's /v1/agents, and the MCP `ask_agent` tool. */
export function createAgentsModule(deps: AgentsModuleDeps): AgentsModule {
  const characters = new CharactersService({
    repo: new CharactersRepository(deps.db),
    access: deps.access,
    audit: deps.audit,
  });
  const plugins = new PluginsService({
    repo: new PluginsRepository(deps.db),
    access: deps.access,
    audit: deps.audit,
    connector: deps.connector ?? new HttpMcpConnector({ allowPrivate: deps.allowPrivateTargets }),
    sealer: new SecretBox(deps.secret, PLUGIN_HEADERS),
  });
  const agents = new AgentsService({
    characters,
    plugins,
    events: deps.events ?? noEvents,
    quota: {
      async of(workspaceId) {
        const [used, ws] = await Promise.all([
          deps.usage.read(workspaceId),
          deps.workspaces.find(workspaceId),
        ]);
        return { used: used.agent_tokens, limit: planOf(ws?.plan ?? 'free').agent_tokens };
      },
      spend: (workspaceId, tokens) => deps.usage.add(workspaceId, 'agent_tokens', tokens),
    },
    repo: new AgentsRepository(deps.db),
    access: deps.access,
    audit: deps.audit,
    search: deps.search,
    transcripts: deps.transcripts,
    tagsOf: async (id) => (await deps.context.find(id))?.tags ?? [],
    memories: new MemoriesRepository(deps.db),
    model: deps.model,
    log: new ReplyLog(),
  });
  const log = deps.logger.child({ component: 'mcp' });
  return {
    name: 'agents',
    agents,
    routes: [
      routes(agentsRoutes, { agents }),
      routes(charactersRoutes, { characters }),
      routes(pluginsRoutes, { plugins }),
      // Spec 002's own paths, by the same handlers.
      routes(agentsRoutes, { agents, prefix: '/v1' }, 'root'),
      routes(charactersRoutes, { characters, prefix: '/v1' }, 'root'),
      routes(pluginsRoutes, { plugins, prefix: '/v1' }, 'root'),
    ],
    permissions: ['agent:read', 'agent:chat', 'agent:manage', 'plugin:manage'],
    webhookEvents: [
      {
        name: 'agent.message.completed',
        description: 'An agent finished a reply (its message, with citations).',
      },
    ],
    mcp(server, principal) {
      server.registerTool(
        'list_agents',
        {
          title: 'List agents',
          description: 'The agents of a workspace: id, name, description and model.',
          inputSchema: { workspace_id: z.string().max(100).optional() },
          annotations: { readOnlyHint: true, openWorldHint: false },
        },
        (args) =>
          guarded(log, 'list_agents', undefined, async () => {
            const { items } = await agents.list(principal, args.workspace_id, { limit: 100, offset: 0 });
            const lines = items.map(
              (a) => `- ${a.id} ${a.name} (${a.model})${a.description ? `: ${a.description}` : ''}`,
            );
            return {
              content: [{ type: 'text', text: lines.length ? lines.join('\n') : 'No agents yet.' }],
              structuredContent: { items },
            };
          }),
      );
      server.registerTool(
        'ask_agent',
        {
          title: 'Ask an agent',
          description:
            "Ask an Iris agent a question about the workspace's recordings. The reply cites the moments " +
            '(recording, time, quote) it is built on; pass conversation_id to follow up.',
          inputSchema: {
            agent_id: z.string().min(1).max(100).describe('Agent id (agt_…)'),
            message: z.string().min(1).max(8000),
            conversation_id: z.string().max(100).optional(),
          },
          annotations: { readOnlyHint: false, openWorldHint: false },
        },
        (args) =>
          guarded(log, 'ask_agent', undefined, async () => {
            const reply = await agents.send(principal, args.agent_id, {
              message: args.message,
              conversation_id: args.conversation_id,
            });
            return {
              content: [
                {
                  type: 'text',
                  text: `${reply.message.content}\n\n(conversation ${reply.conversation.id})`,
                },
              ],
              structuredContent: { ...reply },
            };
          }),
      );
    },
  };
}
