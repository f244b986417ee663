import type { Command } from 'commander';
import {
  collect,
  type Agent,
  type AgentAnalytics,
  type Citation,
  type CreateAgentBody,
  type IrisClient,
} from '../../sdk/index.js';
import type { CliContext } from '../context.js';
import { CliError, EXIT } from '../exit-codes.js';
import { table, timestamp, truncate, when } from '../format.js';

const SOURCES = ['upload', 'camera', 'node', 'interview'] as const;
type Source = (typeof SOURCES)[number];

const AGENT_ID = /^agt_[0-9a-z]+$/i;

/** `--source upload camera` or `--source upload,camera`. */
function parseSources(values: string[] | undefined): Source[] | undefined {
  if (!values?.length) return undefined;
  const sources = [...new Set(values.flatMap((v) => v.split(',')).map((s) => s.trim()))].filter(Boolean);
  const bad = sources.filter((s) => !(SOURCES as readonly string[]).includes(s));
  if (bad.length)
    throw new CliError(`unknown source ${bad.join(', ')}: use ${SOURCES.join(', ')}`, EXIT.USAGE);
  return sources as Source[];
}

/**
 * An agent by id, or by its name when exactly one agent has it (exact, else ignoring
 * case): `iris ask Meetings "…"`.
 */
export async function resolveAgent(client: IrisClient, ref: string): Promise<Agent> {
  if (AGENT_ID.test(ref)) return client.agents.get(ref);
  const agents = await collect(client.agents.iterate({}, { pageSize: 200 }));
  const exact = agents.filter((a) => a.name === ref);
  const matches = exact.length ? exact : agents.filter((a) => a.name.toLowerCase() === ref.toLowerCase());
  if (matches.length === 1) return matches[0]!;
  if (!matches.length) throw new CliError(`no agent named "${ref}" (iris agents lists them)`, EXIT.NOT_FOUND);
  throw new CliError(
    `${matches.length} agents are named "${ref}" (${matches.map((a) => a.id).join(', ')}): use the id`,
    EXIT.USAGE,
  );
}

const sourcesOf = (a: Agent) => (a.knowledge.sources?.length ? a.knowledge.sources.join(',') : 'all');

function agentsTable(items: Agent[]): string {
  return table(
    ['id', 'name', 'sources', 'description', 'created'],
    items.map((a) => [
      a.id,
      truncate(a.name, 30),
      sourcesOf(a),
      truncate(a.description, 40),
      when(a.created_at),
    ]),
  );
}

function agentDetail(a: Agent, stats: AgentAnalytics | undefined): string {
  const rows: Array<[string, string]> = [
    ['id', a.id],
    ['name', a.name],
    ['description', a.description || '-'],
    ['model', a.model],
    ['tools', a.tools.join(', ') || 'none'],
    ['sources', sourcesOf(a)],
    ['citations', `up to ${a.max_citations} per reply`],
    ['workspace', a.workspace_id],
    ['created', when(a.created_at)],
    ['updated', when(a.updated_at)],
  ];
  if (stats) {
    const latency = stats.latency_ms_avg === null ? '' : `, ${stats.latency_ms_avg} ms on average`;
    rows.push(['usage', `${stats.conversations} conversations, ${stats.replies} replies${latency}`]);
  }
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}${v}`);
  if (a.instructions) lines.push('', 'instructions:', ...a.instructions.split('\n').map((l) => `  ${l}`));
  return lines.join('\n');
}

/** `[1] Weekly sync @ 1:23 (screen) — "quote"` and the dashboard link under it. */
export function citationLines(citations: Citation[], serverUrl: string): string {
  return citations
    .map((c) => {
      const url = c.url.startsWith('/') ? `${serverUrl}${c.url}` : c.url;
      const quote = truncate(c.quote, 160);
      return `[${c.index}] ${c.recording_title} @ ${timestamp(c.timestamp_seconds)} (${c.source}) — "${quote}"\n    ${url}`;
    })
    .join('\n');
}

/** The tool's short result, with the plural right: "3 moments in 1 recording". */
function toolSummary(result: string): string {
  return result.replace(/\b(\d+) (moment|recording)s\b/g, (all, n: string, word: string) =>
    n === '1' ? `1 ${word}` : all,
  );
}

/** A tool call as a progress line on stderr. */
function toolStarted(name: string, args: Record<string, unknown>): string {
  if (name === 'search_recordings') return `Searching recordings for “${String(args.query ?? '')}”…`;
  if (name === 'get_transcript')
    return `Reading the transcript of ${String(args.recording_id ?? 'a recording')}…`;
  if (name === 'save_memory') return 'Saving a note…';
  if (name === 'recall_memory') return 'Recalling notes…';
  return `Running ${name}…`;
}

export function registerAgentCommands(program: Command, ctx: CliContext): void {
  const agents = program
    .command('agents')
    .description('agents that answer questions about your recordings, citing the moments');

  agents
    .command('ls', { isDefault: true })
    .description('list agents, newest first')
    .option('--workspace <id>', 'workspace (default: the key’s, or your default one)')
    .action(async (opts: { workspace?: string }) => {
      const client = await ctx.client();
      const items = await collect(
        client.agents.iterate(opts.workspace ? { workspace_id: opts.workspace } : {}, { pageSize: 200 }),
      );
      ctx.print(items, () =>
        items.length ? agentsTable(items) : 'No agents. Create one: iris agents create "Meeting helper"',
      );
    });

  agents
    .command('create <name>')
    .description('create an agent (it searches your recordings as you)')
    .option('--description <text>', 'what it is for, shown in lists')
    .option('--instructions <text>', 'how it should answer (its system prompt)')
    .option('--source <source...>', `only recordings from: ${SOURCES.join(', ')} (default: all)`)
    .option('--workspace <id>', 'workspace (default: the key’s, or your default one)')
    .action(
      async (
        name: string,
        opts: { description?: string; instructions?: string; source?: string[]; workspace?: string },
      ) => {
        const sources = parseSources(opts.source);
        const client = await ctx.client();
        const body: CreateAgentBody = {
          name,
          ...(opts.description !== undefined ? { description: opts.description } : {}),
          ...(opts.instructions !== undefined ? { instructions: opts.instructions } : {}),
          ...(sources ? { knowledge: { sources } } : {}),
          ...(opts.workspace ? { workspace_id: opts.workspace } : {}),
        };
        const agent = await client.agents.create(body);
        ctx.print(
          agent,
          () => `Created ${agent.id} "${agent.name}". Ask it: iris ask ${agent.id} "What did we decide?"`,
        );
      },
    );

  agents
    .command('show <agent>')
    .description('one agent (by id or name), with its usage')
    .action(async (ref: string) => {
      const client = await ctx.client();
      const agent = await resolveAgent(client, ref);
      if (ctx.json) return ctx.print(agent, () => '');
      const stats = await client.agents.analytics(agent.id).catch(() => undefined);
      ctx.out(agentDetail(agent, stats));
    });

  agents
    .command('delete <agent>')
    .alias('rm')
    .description('delete an agent (by id or name) with its conversations')
    .action(async (ref: string) => {
      const client = await ctx.client();
      const agent = await resolveAgent(client, ref);
      await client.agents.delete(agent.id);
      ctx.print({ deleted: agent.id }, () => `Deleted ${agent.id} "${agent.name}".`);
    });

  agents
    .command('conversations <agent>')
    .description('your conversations with an agent, most recent first')
    .action(async (ref: string) => {
      const client = await ctx.client();
      const agent = await resolveAgent(client, ref);
      const items = await collect(client.agents.iterateConversations(agent.id, { pageSize: 200 }));
      ctx.print(items, () =>
        items.length
          ? table(
              ['id', 'title', 'messages', 'updated'],
              items.map((c) => [
                c.id,
                truncate(c.title, 50),
                c.message_count,
                when(c.updated_at ?? c.created_at),
              ]),
            )
          : `No conversations with ${agent.name} yet. Start one: iris ask ${agent.id} "…"`,
      );
    });

  program
    .command('ask <agent> <question...>')
    .description('ask an agent (by id or name); the answer streams in, then the moments it cites')
    .option('--conversation <id>', 'continue this conversation (its id is printed after each answer)')
    .action(async (ref: string, words: string[], opts: { conversation?: string }) => {
      const client = await ctx.client();
      const agentId = AGENT_ID.test(ref) ? ref : (await resolveAgent(client, ref)).id;
      const body = {
        message: words.join(' '),
        ...(opts.conversation ? { conversation_id: opts.conversation } : {}),
      };
      if (ctx.json) {
        const reply = await client.agents.send(agentId, body);
        return ctx.print(reply, () => '');
      }
      const out = ctx.io.stdout;
      const reply = client.agents.stream(agentId, body);
      let text = '';
      try {
        for await (const e of reply) {
          if (e.type === 'tool.call') {
            ctx.err(toolStarted(e.tool_call.name, e.tool_call.arguments));
          } else if (e.type === 'tool.result') {
            ctx.err(`  → ${toolSummary(e.result)}`);
          } else if (e.type === 'text.delta') {
            text += e.delta;
            out.write(e.delta);
          }
        }
      } finally {
        // The answer ends its line even when the stream failed half-way.
        if (text && !text.endsWith('\n')) out.write('\n');
      }
      const message = reply.message!;
      if (message.stop_reason === 'cancelled') ctx.err('(the reply was stopped)');
      if (message.citations.length) ctx.out(`\n${citationLines(message.citations, client.baseUrl)}`);
      ctx.err(
        `\nConversation ${message.conversation_id}; continue it with --conversation ${message.conversation_id}`,
      );
    });
}
