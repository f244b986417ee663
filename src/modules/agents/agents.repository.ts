import type { Kysely, Selectable } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type {
  AgentConversationsTable,
  AgentMessagesTable,
  AgentsTable,
  DB,
} from '../../platform/db/schema.js';
import type { Page } from '../../platform/http/pagination.js';
import type {
  Agent,
  AgentTool,
  Citation,
  Conversation,
  Knowledge,
  Message,
  StopReason,
  ToolCall,
} from './agents.types.js';

const toAgent = (r: Selectable<AgentsTable>): Agent => ({
  id: r.id,
  workspace_id: r.workspace_id,
  name: r.name,
  description: r.description,
  instructions: r.instructions,
  model: r.model,
  character_id: r.character_id,
  tools: decode.json<AgentTool[]>(r.tools, []),
  knowledge: decode.json<Knowledge>(r.knowledge, {}),
  temperature: Number(r.temperature),
  max_steps: decode.int(r.max_steps),
  max_citations: decode.int(r.max_citations),
  metadata: decode.json<Record<string, string>>(r.metadata, {}),
  created_by: r.created_by,
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

const toConversation = (r: Selectable<AgentConversationsTable>): Conversation => ({
  id: r.id,
  agent_id: r.agent_id,
  workspace_id: r.workspace_id,
  title: r.title,
  created_by: r.created_by,
  message_count: decode.int(r.message_count),
  created_at: decode.time(r.created_at),
  updated_at: decode.time(r.updated_at),
});

const toMessage = (r: Selectable<AgentMessagesTable>): Message => {
  const prompt = decode.int(r.prompt_tokens);
  const completion = decode.int(r.completion_tokens);
  return {
    id: r.id,
    conversation_id: r.conversation_id,
    agent_id: r.agent_id,
    role: r.role as Message['role'],
    content: r.content,
    citations: decode.json<Citation[]>(r.citations, []),
    tool_calls: decode.json<ToolCall[]>(r.tool_calls, []),
    model: r.model,
    stop_reason: r.stop_reason as StopReason | null,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    latency_ms: r.latency_ms === null ? null : decode.int(r.latency_ms),
    created_at: decode.time(r.created_at),
  };
};

export type NewAgent = Omit<Agent, 'created_at' | 'updated_at'>;
export type AgentChanges = Partial<
  Omit<Agent, 'id' | 'workspace_id' | 'created_by' | 'created_at' | 'updated_at'>
>;

const agentColumns = (a: Partial<Agent>) => ({
  ...(a.name !== undefined ? { name: a.name } : {}),
  ...(a.description !== undefined ? { description: a.description } : {}),
  ...(a.instructions !== undefined ? { instructions: a.instructions } : {}),
  ...(a.model !== undefined ? { model: a.model } : {}),
  ...(a.character_id !== undefined ? { character_id: a.character_id } : {}),
  ...(a.tools !== undefined ? { tools: codec.json(a.tools) } : {}),
  ...(a.knowledge !== undefined ? { knowledge: codec.json(a.knowledge) } : {}),
  ...(a.temperature !== undefined ? { temperature: a.temperature } : {}),
  ...(a.max_steps !== undefined ? { max_steps: a.max_steps } : {}),
  ...(a.max_citations !== undefined ? { max_citations: a.max_citations } : {}),
  ...(a.metadata !== undefined ? { metadata: codec.json(a.metadata) } : {}),
});

/** Agents, their conversations and messages. */
export class AgentsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(agent: NewAgent): Promise<Agent> {
    const now = codec.now();
    const row = {
      id: agent.id,
      workspace_id: agent.workspace_id,
      created_by: agent.created_by,
      created_at: now,
      updated_at: now,
      ...agentColumns(agent),
    } as Selectable<AgentsTable>;
    await this.db.insertInto('agents').values(row).execute();
    return toAgent(row);
  }

  async get(id: string): Promise<Agent | undefined> {
    const row = await this.db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAgent(row) : undefined;
  }

  async list(workspaceId: string, page: Page): Promise<{ items: Agent[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('agents')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      this.db
        .selectFrom('agents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toAgent), total: decode.int(count.n) };
  }

  async update(id: string, changes: AgentChanges): Promise<Agent | undefined> {
    await this.db
      .updateTable('agents')
      .set({ ...agentColumns(changes), updated_at: codec.now() })
      .where('id', '=', id)
      .execute();
    return this.get(id);
  }

  /** Conversations and messages go with it (foreign keys cascade). */
  async delete(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('agents').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async createConversation(
    c: Omit<Conversation, 'message_count' | 'created_at' | 'updated_at'>,
  ): Promise<Conversation> {
    const now = codec.now();
    const row = { ...c, message_count: 0, created_at: now, updated_at: now };
    await this.db.insertInto('agent_conversations').values(row).execute();
    return toConversation(row);
  }

  async conversation(id: string): Promise<Conversation | undefined> {
    const row = await this.db
      .selectFrom('agent_conversations')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toConversation(row) : undefined;
  }

  /** A person sees their own conversations with an agent; `createdBy` undefined: everyone's. */
  async conversations(
    agentId: string,
    createdBy: string | null | undefined,
    page: Page,
  ): Promise<{ items: Conversation[]; total: number }> {
    let q = this.db.selectFrom('agent_conversations').where('agent_id', '=', agentId);
    if (createdBy !== undefined)
      q = createdBy === null ? q.where('created_by', 'is', null) : q.where('created_by', '=', createdBy);
    const [rows, count] = await Promise.all([
      q
        .selectAll()
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toConversation), total: decode.int(count.n) };
  }

  async deleteConversation(id: string): Promise<boolean> {
    const result = await this.db.deleteFrom('agent_conversations').where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async messages(conversationId: string, page: Page): Promise<{ items: Message[]; total: number }> {
    const [rows, count] = await Promise.all([
      this.db
        .selectFrom('agent_messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .orderBy('seq')
        .limit(page.limit)
        .offset(page.offset)
        .execute(),
      this.db
        .selectFrom('agent_messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('conversation_id', '=', conversationId)
        .executeTakeFirstOrThrow(),
    ]);
    return { items: rows.map(toMessage), total: decode.int(count.n) };
  }

  /** The conversation's last `n` messages, oldest first (what a reply reads of the history). */
  async recentMessages(conversationId: string, n: number): Promise<Message[]> {
    const rows = await this.db
      .selectFrom('agent_messages')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .orderBy('seq', 'desc')
      .limit(n)
      .execute();
    return rows.reverse().map(toMessage);
  }

  async message(id: string): Promise<Message | undefined> {
    const row = await this.db
      .selectFrom('agent_messages')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toMessage(row) : undefined;
  }

  /**
   * Appends messages to a conversation in one transaction, each at the next position;
   * the (conversation, seq) key makes two replies racing for one position fail instead
   * of interleaving.
   */
  async append(
    conversationId: string,
    messages: Array<Omit<Message, 'conversation_id' | 'created_at'>>,
  ): Promise<Message[]> {
    return this.db.transaction().execute(async (trx) => {
      const last = await trx
        .selectFrom('agent_messages')
        .select((eb) => eb.fn.max<number>('seq').as('seq'))
        .where('conversation_id', '=', conversationId)
        .executeTakeFirst();
      let seq = last?.seq === null || last?.seq === undefined ? 0 : decode.int(last.seq) + 1;
      const now = codec.now();
      const rows = messages.map((m) => ({
        id: m.id,
        conversation_id: conversationId,
        agent_id: m.agent_id,
        seq: seq++,
        role: m.role,
        content: m.content,
        citations: codec.json(m.citations),
        tool_calls: codec.json(m.tool_calls),
        tool_call_count: m.tool_calls.length,
        model: m.model,
        stop_reason: m.stop_reason,
        prompt_tokens: m.usage.prompt_tokens,
        completion_tokens: m.usage.completion_tokens,
        latency_ms: m.latency_ms,
        created_at: now,
      }));
      await trx.insertInto('agent_messages').values(rows).execute();
      await trx
        .updateTable('agent_conversations')
        .set((eb) => ({ message_count: eb('message_count', '+', rows.length), updated_at: now }))
        .where('id', '=', conversationId)
        .execute();
      return rows.map(toMessage);
    });
  }

  /** Counts for GET /agents/:id/analytics. */
  async analytics(agentId: string): Promise<{
    conversations: number;
    messages: number;
    replies: number;
    tool_calls: number;
    prompt_tokens: number;
    completion_tokens: number;
    latency_ms_avg: number | null;
  }> {
    const [conv, msg] = await Promise.all([
      this.db
        .selectFrom('agent_conversations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('agent_id', '=', agentId)
        .executeTakeFirstOrThrow(),
      this.db
        .selectFrom('agent_messages')
        .select((eb) => [
          eb.fn.countAll<number>().as('messages'),
          eb.fn.count<number>('latency_ms').as('replies'),
          eb.fn.sum<number>('tool_call_count').as('tools'),
          eb.fn.sum<number>('prompt_tokens').as('prompt'),
          eb.fn.sum<number>('completion_tokens').as('completion'),
          eb.fn.avg<number>('latency_ms').as('latency'),
        ])
        .where('agent_id', '=', agentId)
        .executeTakeFirstOrThrow(),
    ]);
    return {
      conversations: decode.int(conv.n),
      messages: decode.int(msg.messages),
      replies: decode.int(msg.replies),
      tool_calls: decode.int(msg.tools),
      prompt_tokens: decode.int(msg.prompt),
      completion_tokens: decode.int(msg.completion),
      latency_ms_avg: msg.latency === null ? null : Math.round(Number(msg.latency)),
    };
  }
}
