import { AppError, badRequest, conflict, notFound } from '../../errors.js';
import { words } from '../../engines/text/tokenize.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Permission } from '../../platform/auth/permissions.js';
import type { Principal } from '../../platform/auth/principal.js';
import type { Page } from '../../platform/http/pagination.js';
import { newId } from '../../platform/ids.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { SearchResult } from '../search/search.service.js';
import type { AgentChanges, AgentsRepository } from './agents.repository.js';
import {
  AGENT_TOOLS,
  EXTRACTIVE_MODEL,
  type Agent,
  type AgentToolId,
  type Citation,
  type Conversation,
  type Knowledge,
  type Message,
  type ReplyEvent,
  type StopReason,
  type ToolCall,
  type Memory,
  type Usage,
} from './agents.types.js';
import {
  chooseMoments,
  composeReply,
  momentsIn,
  retrievalQuery,
  type FoundMoment,
} from './replies/extractive.js';
import { checkKnowledge, momentsOf, type TagLookup } from './knowledge.js';
import type { MemoriesRepository } from './memory/memories.repository.js';
import { createToolbox, MAX_MEMORIES, type TranscriptReader } from './replies/toolbox.js';
import { runToolLoop } from './replies/tool-loop.js';
import type { ToolCallingModel } from '../../engines/llm/port.js';
import type { ReplyLog, SequencedEvent } from './replies/reply-log.js';
import type { CharactersService } from './characters/characters.service.js';
import type { PluginsService } from './plugins/plugins.service.js';
import type { EventPublisher } from '../../platform/events/publisher.js';

/** The search the agent's `search_recordings` tool runs, as its caller. */
export interface RecordingSearch {
  search(
    principal: Principal,
    req: { query: string; limit?: number; workspace_id?: string },
  ): Promise<SearchResult>;
}

/** The workspace's monthly allowance of language-model tokens (usage and plans). */
export interface TokenQuota {
  /** Tokens used this month and the plan's limit. */
  of(workspaceId: string): Promise<{ used: number; limit: number }>;
  spend(workspaceId: string, tokens: number): Promise<void>;
}

export interface AgentsDeps {
  quota: TokenQuota;
  /** A recording's tags, for agents whose knowledge is narrowed by tags. */
  tagsOf: TagLookup;
  /** Where `agent.message.completed` goes (webhooks). */
  events: EventPublisher;
  repo: AgentsRepository;
  access: AccessService;
  audit: AuditWriter;
  search: RecordingSearch;
  transcripts: TranscriptReader;
  memories: MemoriesRepository;
  log: ReplyLog;
  characters: CharactersService;
  plugins: PluginsService;
  /** The configured language model; without one every agent is extractive. */
  model?: ToolCallingModel | undefined;
  now?: () => number;
}

export interface AgentInput {
  name: string;
  description?: string | undefined;
  instructions?: string | undefined;
  model?: string | undefined;
  character_id?: string | null | undefined;
  tools?: string[] | undefined;
  knowledge?: Knowledge | undefined;
  temperature?: number | undefined;
  max_steps?: number | undefined;
  max_citations?: number | undefined;
  metadata?: Record<string, string> | undefined;
  workspace_id?: string | undefined;
}

export interface SendInput {
  message: string;
  conversation_id?: string | undefined;
}

export interface Reply {
  conversation: Conversation;
  user_message: Message;
  message: Message;
}

const DEFAULTS = { temperature: 0.2, max_steps: 4, max_citations: 5 };
/** Recordings the search tool asks for; the knowledge scope filters them afterwards. */
const SEARCH_POOL = 20;
const TITLE_CHARS = 80;
const HISTORY = 6;

const NO_USAGE: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 };

const agentNotFound = () => new AppError('AGENT_NOT_FOUND', 'Agent not found.');

/**
 * Agents (spec 002): CRUD, conversations and replies. An agent acts as its caller: the
 * search its reply is built on is the caller's own search, so a reply never shows what
 * the caller could not read. Access to the agent itself is its workspace's `agent:*`
 * permissions; an agent of a workspace the caller is not in does not exist for them.
 */
export class AgentsService {
  private readonly now: () => number;

  constructor(private readonly d: AgentsDeps) {
    this.now = d.now ?? Date.now;
  }

  /** Models this instance can run (only the extractive engine until a model is configured). */
  models(): string[] {
    return this.d.model ? [EXTRACTIVE_MODEL, this.d.model.model] : [EXTRACTIVE_MODEL];
  }

  async create(principal: Principal, input: AgentInput): Promise<Agent> {
    const access = await this.d.access.require(principal, 'agent:manage', {
      workspaceId: input.workspace_id,
      action: 'agent.create',
      target: { type: 'agent' },
    });
    const model = this.checkModel(input.model ?? EXTRACTIVE_MODEL);
    const character = await this.d.characters.forAgent(access.workspaceId, input.character_id ?? null);
    const tools = unique(input.tools ?? [...AGENT_TOOLS]);
    await this.d.plugins.checkTools(access.workspaceId, tools);
    const agent = await this.d.repo.create({
      id: newId('agt'),
      workspace_id: access.workspaceId,
      name: input.name.trim(),
      description: input.description ?? '',
      instructions: input.instructions ?? '',
      model,
      character_id: character?.id ?? null,
      tools: tools as AgentToolId[],
      knowledge: checkKnowledge(input.knowledge ?? {}),
      temperature: input.temperature ?? DEFAULTS.temperature,
      max_steps: input.max_steps ?? DEFAULTS.max_steps,
      max_citations: input.max_citations ?? DEFAULTS.max_citations,
      metadata: input.metadata ?? {},
      created_by: principal.userId ?? null,
    });
    await this.d.audit.record(principal, {
      workspaceId: agent.workspace_id,
      action: 'agent.create',
      permission: 'agent:manage',
      target: { type: 'agent', id: agent.id },
      after: auditView(agent),
    });
    return agent;
  }

  async list(principal: Principal, workspaceId: string | undefined, page: Page) {
    const access = await this.d.access.require(principal, 'agent:read', {
      workspaceId,
      action: 'agent.list',
    });
    return this.d.repo.list(access.workspaceId, page);
  }

  async get(principal: Principal, id: string): Promise<Agent> {
    return this.load(principal, id, 'agent:read', 'agent.read');
  }

  async update(principal: Principal, id: string, changes: Partial<AgentInput>): Promise<Agent> {
    const before = await this.load(principal, id, 'agent:manage', 'agent.update');
    const patch: AgentChanges = {};
    if (changes.name !== undefined) patch.name = changes.name.trim();
    if (changes.description !== undefined) patch.description = changes.description;
    if (changes.instructions !== undefined) patch.instructions = changes.instructions;
    if (changes.model !== undefined) patch.model = this.checkModel(changes.model);
    if (changes.character_id !== undefined) {
      patch.character_id =
        (await this.d.characters.forAgent(before.workspace_id, changes.character_id))?.id ?? null;
    }
    if (changes.tools !== undefined) {
      await this.d.plugins.checkTools(before.workspace_id, changes.tools);
      patch.tools = unique(changes.tools) as AgentToolId[];
    }
    if (changes.knowledge !== undefined) patch.knowledge = checkKnowledge(changes.knowledge);
    if (changes.temperature !== undefined) patch.temperature = changes.temperature;
    if (changes.max_steps !== undefined) patch.max_steps = changes.max_steps;
    if (changes.max_citations !== undefined) patch.max_citations = changes.max_citations;
    if (changes.metadata !== undefined) patch.metadata = changes.metadata;
    const after = (await this.d.repo.update(id, patch)) ?? before;
    await this.d.audit.record(principal, {
      workspaceId: before.workspace_id,
      action: 'agent.update',
      permission: 'agent:manage',
      target: { type: 'agent', id },
      before: auditView(before),
      after: auditView(after),
    });
    return after;
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const agent = await this.load(principal, id, 'agent:manage', 'agent.delete');
    await this.d.repo.delete(id);
    await this.d.audit.record(principal, {
      workspaceId: agent.workspace_id,
      action: 'agent.delete',
      permission: 'agent:manage',
      target: { type: 'agent', id },
      before: auditView(agent),
    });
  }

  async conversations(principal: Principal, agentId: string, page: Page) {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.conversations');
    return this.d.repo.conversations(agent.id, principal.userId ?? null, page);
  }

  async conversation(principal: Principal, agentId: string, conversationId: string): Promise<Conversation> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.conversation.read');
    return this.ownConversation(principal, agent, conversationId);
  }

  async deleteConversation(principal: Principal, agentId: string, conversationId: string): Promise<void> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.conversation.delete');
    const conversation = await this.ownConversation(principal, agent, conversationId);
    await this.d.repo.deleteConversation(conversation.id);
  }

  async messages(principal: Principal, agentId: string, conversationId: string, page: Page) {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.conversation.read');
    const conversation = await this.ownConversation(principal, agent, conversationId);
    return this.d.repo.messages(conversation.id, page);
  }

  async analytics(principal: Principal, agentId: string) {
    const agent = await this.load(principal, agentId, 'agent:read', 'agent.analytics');
    const counts = await this.d.repo.analytics(agent.id);
    return {
      agent_id: agent.id,
      ...counts,
      total_tokens: counts.prompt_tokens + counts.completion_tokens,
    };
  }

  /**
   * Answers a message. `onEvent` receives the reply's events as they are made (a
   * streaming client); the reply is stored before `message.completed` is sent, so a
   * completed event always names a message that can be read back.
   */
  async send(
    principal: Principal,
    agentId: string,
    input: SendInput,
    onEvent?: (e: SequencedEvent) => void,
  ): Promise<Reply> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.message');
    if (!this.models().includes(agent.model)) {
      // Its model was configured when the agent was made and is not now: say so, do not
      // answer with another engine under its name.
      throw new AppError(
        'AGENT_UNAVAILABLE',
        `The agent's model "${agent.model}" is not configured on this instance; change the agent's model or configure IRIS_LLM_URL and IRIS_LLM_MODEL.`,
      );
    }
    const question = input.message.trim();
    if (words(question).length === 0) {
      throw badRequest('The message has no words to answer; ask a question.', { field: 'message' });
    }
    const conversation = input.conversation_id
      ? await this.ownConversation(principal, agent, input.conversation_id)
      : await this.d.repo.createConversation({
          id: newId('conv'),
          agent_id: agent.id,
          workspace_id: agent.workspace_id,
          title: question.length > TITLE_CHARS ? `${question.slice(0, TITLE_CHARS - 1)}…` : question,
          created_by: principal.userId ?? null,
        });
    const userMessageId = newId('msg');
    const messageId = newId('msg');
    const run = this.d.log.start(messageId);
    const emit = (event: ReplyEvent) => {
      const e = run.emit(event);
      onEvent?.(e);
    };
    const started = this.now();
    try {
      emit({
        type: 'message.started',
        conversation_id: conversation.id,
        message_id: messageId,
        user_message_id: userMessageId,
        model: agent.model,
      });
      const history = input.conversation_id ? await this.d.repo.recentMessages(conversation.id, HISTORY) : [];
      const model = this.d.model;
      if (model && agent.model === model.model) {
        const { used, limit } = await this.d.quota.of(agent.workspace_id);
        if (used >= limit) {
          throw new AppError(
            'INSUFFICIENT_QUOTA',
            `This workspace has used its ${limit.toLocaleString('en')} agent tokens for the month; ` +
              'upgrade the plan, wait for next month, or use an extractive agent (it uses no tokens).',
          );
        }
      }
      const answer =
        model && agent.model === model.model
          ? await runToolLoop(
              model,
              createToolbox(
                {
                  search: this.d.search,
                  transcripts: this.d.transcripts,
                  memories: this.d.memories,
                  tagsOf: this.d.tagsOf,
                },
                principal,
                agent,
                await this.d.plugins.toolsFor(agent.workspace_id, agent.tools),
              ),
              {
                agent,
                persona: await this.d.characters.persona(agent.character_id),
                question,
                history,
                emit,
                signal: run.signal,
              },
            )
          : await this.extractive(principal, agent, question, history, emit, run.signal);
      const [userMessage, reply] = await this.d.repo.append(conversation.id, [
        {
          id: userMessageId,
          agent_id: agent.id,
          role: 'user',
          content: question,
          citations: [],
          tool_calls: [],
          model: null,
          stop_reason: null,
          usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
          latency_ms: null,
        },
        {
          id: messageId,
          agent_id: agent.id,
          role: 'assistant',
          content: answer.content,
          citations: answer.citations,
          tool_calls: answer.toolCalls,
          model: answer.model,
          stop_reason: answer.stopReason,
          usage: answer.usage,
          latency_ms: Math.round(this.now() - started),
        },
      ]);
      if (answer.usage.total_tokens > 0)
        await this.d.quota.spend(agent.workspace_id, answer.usage.total_tokens);
      emit({ type: 'message.completed', message: reply! });
      await this.d.events.publish(agent.workspace_id, 'agent.message.completed', {
        agent_id: agent.id,
        agent_name: agent.name,
        conversation_id: conversation.id,
        user_message_id: userMessageId,
        message: reply,
      });
      const stored = (await this.d.repo.conversation(conversation.id)) ?? conversation;
      return { conversation: stored, user_message: userMessage!, message: reply! };
    } finally {
      run.finish();
    }
  }

  /**
   * The events of a reply after `after` (a reconnecting client's Last-Event-ID): from
   * this process while it makes or lately made the reply; otherwise, once the reply is
   * stored, its `message.completed` alone.
   */
  async events(
    principal: Principal,
    agentId: string,
    messageId: string,
    after: number,
  ): Promise<AsyncIterable<SequencedEvent>> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.message.events');
    const message = await this.d.repo.message(messageId);
    const live = this.d.log.follow(messageId, after);
    if (message) {
      if (message.agent_id !== agent.id) throw notFound('Message');
      await this.ownConversation(principal, agent, message.conversation_id);
    } else if (!live) throw notFound('Message');
    if (live) {
      // A running reply has no row yet; its first event names its conversation.
      return live;
    }
    return (async function* () {
      yield {
        seq: Number.MAX_SAFE_INTEGER,
        event: { type: 'message.completed', message: message! },
      } as SequencedEvent;
    })();
  }

  /** Stops a running reply: it ends with `stop_reason: "cancelled"` and what it had so far. */
  async cancel(principal: Principal, agentId: string, messageId: string): Promise<void> {
    await this.load(principal, agentId, 'agent:chat', 'agent.message.cancel');
    if (this.d.log.cancel(messageId)) return;
    const stored = await this.d.repo.message(messageId);
    if (stored && stored.agent_id === agentId) throw conflict('The reply has already finished.');
    throw notFound('Message');
  }

  /** The caller's notes with this agent (what its `save_memory` tool kept, or what they wrote). */
  async memories(principal: Principal, agentId: string): Promise<Memory[]> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.memory.read');
    return this.d.memories.list(agent.id, principal.userId ?? null, MAX_MEMORIES);
  }

  async addMemory(principal: Principal, agentId: string, content: string): Promise<Memory> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.memory.write');
    if ((await this.d.memories.count(agent.id, principal.userId ?? null)) >= MAX_MEMORIES) {
      throw conflict(`An agent keeps at most ${MAX_MEMORIES} notes per person; delete some first.`);
    }
    return this.d.memories.create({
      id: newId('mem'),
      agent_id: agent.id,
      user_id: principal.userId ?? null,
      content: content.trim(),
    });
  }

  async updateMemory(
    principal: Principal,
    agentId: string,
    memoryId: string,
    content: string,
  ): Promise<Memory> {
    const memory = await this.ownMemory(principal, agentId, memoryId);
    return (await this.d.memories.update(memory.id, content.trim())) ?? memory;
  }

  async deleteMemory(principal: Principal, agentId: string, memoryId: string): Promise<void> {
    const memory = await this.ownMemory(principal, agentId, memoryId);
    await this.d.memories.delete(memory.id);
  }

  private async ownMemory(principal: Principal, agentId: string, memoryId: string): Promise<Memory> {
    const agent = await this.load(principal, agentId, 'agent:chat', 'agent.memory.write');
    const m = await this.d.memories.get(memoryId);
    if (!m || m.agent_id !== agent.id || m.user_id !== (principal.userId ?? null)) throw notFound('Memory');
    return m;
  }

  /** The offline reply (extractive.ts): one search as the caller, the best moments quoted. */
  private async extractive(
    principal: Principal,
    agent: Agent,
    question: string,
    history: Message[],
    emit: (e: ReplyEvent) => void,
    signal: AbortSignal,
  ): Promise<{
    content: string;
    citations: Citation[];
    toolCalls: ToolCall[];
    stopReason: StopReason;
    usage: Usage;
    model: string;
  }> {
    const query = retrievalQuery(question);
    // A follow-up that finds nothing by itself ("and who owns it?") is searched with the
    // question it follows.
    const previous = history.filter((m) => m.role === 'user').at(-1)?.content;
    const queries = previous ? [query, `${query} ${retrievalQuery(previous)}`] : [query];
    const toolCalls: ToolCall[] = [];
    let found: FoundMoment[] = [];
    let used = query;
    if (agent.tools.includes('search_recordings')) {
      for (const q of queries) {
        const call = {
          id: newId('call'),
          name: 'search_recordings',
          arguments: { query: q, limit: SEARCH_POOL },
        };
        emit({ type: 'tool.call', tool_call: call });
        const result = await this.d.search.search(principal, {
          query: q,
          limit: SEARCH_POOL,
          workspace_id: agent.workspace_id,
        });
        found = await momentsOf(result, agent.knowledge, this.d.tagsOf);
        const summary = momentsIn(found);
        emit({ type: 'tool.result', tool_call_id: call.id, result: summary });
        toolCalls.push({ ...call, result: summary });
        used = q;
        if (found.length || toolCalls.length >= agent.max_steps) break;
      }
    }
    const moments = chooseMoments(found, used, agent.max_citations);
    let content = '';
    const citations: Citation[] = [];
    for (const piece of composeReply(question, used, moments)) {
      if (signal.aborted)
        return {
          content,
          citations,
          toolCalls,
          stopReason: 'cancelled',
          usage: NO_USAGE,
          model: EXTRACTIVE_MODEL,
        };
      if (piece.citation) {
        citations.push(piece.citation);
        emit({ type: 'citation', citation: piece.citation });
      }
      content += piece.text;
      emit({ type: 'text.delta', delta: piece.text });
    }
    return {
      content,
      citations,
      toolCalls,
      stopReason: 'end_turn',
      usage: NO_USAGE,
      model: EXTRACTIVE_MODEL,
    };
  }

  private async load(
    principal: Principal,
    id: string,
    permission: Permission,
    action: string,
  ): Promise<Agent> {
    const agent = await this.d.repo.get(id);
    if (!agent) throw agentNotFound();
    try {
      await this.d.access.require(principal, permission, {
        workspaceId: agent.workspace_id,
        action,
        target: { type: 'agent', id },
      });
    } catch (err) {
      // Another workspace's agent does not exist for the caller.
      if (err instanceof AppError && err.code === 'NOT_FOUND') throw agentNotFound();
      throw err;
    }
    return agent;
  }

  /** A person's conversations are their own; other people's are not found. */
  private async ownConversation(principal: Principal, agent: Agent, id: string): Promise<Conversation> {
    const c = await this.d.repo.conversation(id);
    if (!c || c.agent_id !== agent.id || c.created_by !== (principal.userId ?? null)) {
      throw notFound('Conversation');
    }
    return c;
  }

  private checkModel(model: string): string {
    if (!this.models().includes(model)) {
      throw badRequest(
        `Model "${model}" is not available on this instance; available: ${this.models().join(', ')}.`,
        { field: 'model' },
      );
    }
    return model;
  }
}

const unique = <T>(xs: readonly T[]) => [...new Set(xs)];

/** What an agent's audit events record (instructions can be long: their length only). */
const auditView = (a: Agent) => ({
  name: a.name,
  model: a.model,
  character_id: a.character_id,
  tools: a.tools,
  knowledge: a.knowledge,
  temperature: a.temperature,
  max_steps: a.max_steps,
  max_citations: a.max_citations,
  instructions_chars: a.instructions.length,
});
