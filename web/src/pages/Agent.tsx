import {
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
  type FormEvent,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import { streamReply } from '../agent-stream';
import {
  ApiError,
  api,
  get,
  type Agent,
  type AgentMessage,
  type Citation,
  type Conversation,
  type Page,
  type ReplyEvent,
  type ToolCall,
} from '../api';
import { Link, useRouter, useSearchParam } from '../router';
import { useSession } from '../session';
import { ErrorNotice, Loading, Notice, formatClock, formatRelative, useAsync, usePageTitle } from '../ui';
import { AgentForm } from './AgentForm';
import { sourcesText } from './Agents';

/** A reply being streamed: what has arrived so far. */
interface Pending {
  question: string;
  messageId?: string;
  text: string;
  citations: Citation[];
  tools: Array<Omit<ToolCall, 'result'> & { result?: string }>;
  error?: unknown;
  stopping?: boolean;
}

function apply(p: Pending, e: ReplyEvent): Pending {
  switch (e.type) {
    case 'message.started':
      return { ...p, messageId: e.message_id };
    case 'tool.call':
      return { ...p, tools: [...p.tools, e.tool_call] };
    case 'tool.result':
      return { ...p, tools: p.tools.map((t) => (t.id === e.tool_call_id ? { ...t, result: e.result } : t)) };
    case 'citation':
      return { ...p, citations: [...p.citations, e.citation] };
    case 'text.delta':
      return { ...p, text: p.text + e.delta };
    default:
      return p;
  }
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** The search tool's "3 moments in 1 recordings", said properly. */
function toolSummary(result: string): string {
  const m = /^(\d+) moments? in (\d+) recordings?$/.exec(result.trim());
  if (!m) return result;
  const moments = Number(m[1]);
  return moments === 0
    ? 'nothing found'
    : `${plural(moments, 'moment')} in ${plural(Number(m[2]), 'recording')}`;
}

/** What a tool call did, in words: [while it runs, once done]. */
function toolWords(call: Omit<ToolCall, 'result'>): [string, string] {
  const query = typeof call.arguments.query === 'string' ? call.arguments.query : '';
  switch (call.name) {
    case 'search_recordings':
      return [`Searching recordings for “${query}”…`, `Searched recordings for “${query}”`];
    case 'get_transcript':
      return ['Reading a transcript…', 'Read a transcript'];
    case 'save_memory':
      return ['Saving a note…', 'Saved a note'];
    case 'recall_memory':
      return ['Recalling notes…', 'Recalled notes'];
    default:
      return [`Running ${call.name}…`, `Ran ${call.name}`];
  }
}

function ToolLine({ call }: { call: Omit<ToolCall, 'result'> & { result?: string } }) {
  const done = call.result !== undefined;
  const [running, finished] = toolWords(call);
  return (
    <li className={`tool-call${done ? '' : ' running'}`}>
      <span className="tool-icon" aria-hidden="true">
        {done ? '✓' : '…'}
      </span>
      <span>{done ? `${finished}${call.result ? ` — ${toolSummary(call.result)}` : ''}` : running}</span>
    </li>
  );
}

const sourceLabel = (c: Citation) => (c.source === 'screen' ? 'on screen' : 'said');
const citationLabel = (c: Citation) =>
  `Source ${c.index}: ${c.recording_title} at ${formatClock(c.timestamp_seconds)}, ${sourceLabel(c)}`;

/** A line of the reply with each `[n]` a link to its moment. */
function inline(text: string, citations: Citation[]): ReactNode[] {
  const parts: ReactNode[] = [];
  const re = /\[(\d+)\]/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    const n = Number(m[1]);
    const c = citations.find((x) => x.index === n);
    if (!c) continue;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(
      <Link key={m.index} to={c.url} className="cite" aria-label={citationLabel(c)} title={citationLabel(c)}>
        {c.index}
      </Link>,
    );
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** The reply as paragraphs and lists (its `- ` lines), the caret after the last word while it streams. */
function ReplyText({
  text,
  citations,
  streaming,
}: {
  text: string;
  citations: Citation[];
  streaming?: boolean;
}) {
  const blocks: Array<{ list: boolean; lines: string[] }> = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const item = /^\s*[-•]\s+(.*)$/.exec(line);
    const prev = blocks.at(-1);
    if (item && prev?.list) prev.lines.push(item[1]!);
    else blocks.push({ list: Boolean(item), lines: [item ? item[1]! : line] });
  }
  const caret = streaming ? <span className="caret" aria-hidden="true" /> : null;
  return (
    <div className="reply-text">
      {blocks.map((b, i) => {
        const last = i === blocks.length - 1;
        if (!b.list)
          return (
            <p key={i}>
              {inline(b.lines[0]!, citations)}
              {last && caret}
            </p>
          );
        return (
          <ul key={i} className="reply-list">
            {b.lines.map((l, j) => (
              <li key={j}>
                {inline(l, citations)}
                {last && j === b.lines.length - 1 && caret}
              </li>
            ))}
          </ul>
        );
      })}
    </div>
  );
}

function Citations({ citations }: { citations: Citation[] }) {
  if (!citations.length) return null;
  return (
    <ol className="citations" aria-label="Sources">
      {citations.map((c) => (
        <li key={c.index}>
          <Link to={c.url} className="citation" title={`“${c.quote}”`} aria-label={citationLabel(c)}>
            <span className="citation-n">{c.index}</span>
            <span className="citation-title">{c.recording_title}</span>
            <span className="time">{formatClock(c.timestamp_seconds)}</span>
            <span className="citation-source">{sourceLabel(c)}</span>
          </Link>
        </li>
      ))}
    </ol>
  );
}

function UserMessage({ content }: { content: string }) {
  return (
    <li className="msg msg-user">
      <span className="visually-hidden">You:</span>
      <div className="bubble">{content}</div>
    </li>
  );
}

function AgentReply({
  name,
  text,
  citations,
  tools,
  stopped,
  streaming,
  children,
}: {
  name: string;
  text: string;
  citations: Citation[];
  tools: Array<Omit<ToolCall, 'result'> & { result?: string }>;
  stopped?: boolean;
  streaming?: boolean;
  children?: ReactNode;
}) {
  return (
    <li className="msg msg-agent">
      <div className="msg-who">{name}</div>
      {tools.length > 0 && (
        <ul className="tool-calls" aria-label="What the agent did">
          {tools.map((t) => (
            <ToolLine key={t.id} call={t} />
          ))}
        </ul>
      )}
      {text ? (
        <ReplyText text={text} citations={citations} streaming={streaming} />
      ) : (
        streaming && <p className="muted thinking">Thinking…</p>
      )}
      {stopped && <p className="muted small">Stopped before the end.</p>}
      <Citations citations={citations} />
      {children}
    </li>
  );
}

const WIDE = '(min-width: 821px)';

/** Whether the layout is the one-column phone layout (styles.css switches at 820px). */
function useNarrow(): boolean {
  const [narrow, setNarrow] = useState(() => !window.matchMedia(WIDE).matches);
  useEffect(() => {
    const mq = window.matchMedia(WIDE);
    const onChange = () => setNarrow(!mq.matches);
    mq.addEventListener('change', onChange);
    return () => mq.removeEventListener('change', onChange);
  }, []);
  return narrow;
}

const SUGGESTIONS = ['What did we decide about the budget?', 'What are the next steps?'];

function Chat({
  agent,
  conversationId,
  onStarted,
  onReplied,
}: {
  agent: Agent;
  conversationId: string | null;
  onStarted: (conversationId: string) => void;
  onReplied: () => void;
}) {
  const [messages, setMessages] = useState<AgentMessage[]>([]);
  const [history, setHistory] = useState<{ loading: boolean; error?: unknown }>({ loading: false });
  const [pending, setPending] = useState<Pending | null>(null);
  const [draft, setDraft] = useState('');
  /** The conversation this page started: already on screen, nothing to load. */
  const ours = useRef<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLOListElement>(null);
  const stick = useRef(true);
  const streaming = pending !== null && pending.error === undefined;

  useEffect(() => {
    if (conversationId && conversationId === ours.current) return;
    abort.current?.abort();
    setPending(null);
    ours.current = null;
    setMessages([]);
    if (!conversationId) {
      setHistory({ loading: false });
      return;
    }
    const ctrl = new AbortController();
    setHistory({ loading: true });
    get<Page<AgentMessage>>(
      `/agents/${agent.id}/conversations/${conversationId}/messages`,
      { limit: 500 },
      ctrl.signal,
    ).then(
      (page) => {
        stick.current = true;
        setMessages(page.items);
        setHistory({ loading: false });
      },
      (error: unknown) => {
        if (!ctrl.signal.aborted) setHistory({ loading: false, error });
      },
    );
    return () => ctrl.abort();
  }, [agent.id, conversationId]);

  useEffect(() => () => abort.current?.abort(), []);

  // Ready to type on a desktop; on a phone the keyboard would cover the page before it is read.
  useEffect(() => {
    if (window.matchMedia(WIDE).matches) input.current?.focus({ preventScroll: true });
  }, [agent.id]);

  // Follow the reply as it grows, unless the reader scrolled up.
  useLayoutEffect(() => {
    const el = log.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [messages, pending]);

  // The Stop button goes when the reply ends: give focus back to the message box.
  const wasStreaming = useRef(false);
  useEffect(() => {
    if (wasStreaming.current && !streaming) {
      const active = document.activeElement;
      if (!active || active === document.body) input.current?.focus();
    }
    wasStreaming.current = streaming;
  }, [streaming]);

  const send = async (text: string) => {
    const question = text.trim();
    if (!question || streaming) return;
    const ctrl = new AbortController();
    abort.current = ctrl;
    stick.current = true;
    setDraft('');
    setPending({ question, text: '', citations: [], tools: [] });
    let userMessageId: string | undefined;
    try {
      const reply = await streamReply(
        agent.id,
        { message: question, ...(conversationId ? { conversation_id: conversationId } : {}) },
        {
          signal: ctrl.signal,
          onEvent: (e) => {
            if (e.type === 'message.started') userMessageId = e.user_message_id;
            setPending((p) => p && apply(p, e));
          },
        },
      );
      if (ctrl.signal.aborted) return;
      const asked: AgentMessage = {
        ...reply,
        id: userMessageId ?? `${reply.id}-question`,
        role: 'user',
        content: question,
        citations: [],
        tool_calls: [],
        model: null,
        stop_reason: null,
        latency_ms: null,
      };
      setMessages((ms) => [...ms, asked, reply]);
      setPending(null);
      if (conversationId) onReplied();
      else {
        ours.current = reply.conversation_id;
        onStarted(reply.conversation_id);
      }
    } catch (error) {
      if (ctrl.signal.aborted) return;
      setPending((p) => p && { ...p, error });
      setDraft((d) => d || question);
    } finally {
      if (abort.current === ctrl) abort.current = null;
    }
  };

  const stop = async () => {
    const p = pending;
    if (!p) return;
    setPending((x) => x && { ...x, stopping: true });
    if (p.messageId) {
      try {
        // The reply ends with what it has, as a normal (cancelled) completion.
        await api('POST', `/agents/${agent.id}/messages/${p.messageId}/cancel`);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return;
      }
    }
    abort.current?.abort();
    setPending(null);
    setDraft(p.question);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void send(draft);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send(draft);
    }
  };

  const empty = !history.loading && history.error === undefined && !messages.length && !pending;

  return (
    <section className="chat card" aria-labelledby="chat-heading">
      <h2 id="chat-heading" className="visually-hidden">
        Chat with {agent.name}
      </h2>
      <ol
        ref={log}
        className="chat-log"
        role="log"
        aria-live="polite"
        aria-busy={streaming}
        aria-label={`Conversation with ${agent.name}`}
        tabIndex={0}
        onScroll={() => {
          const el = log.current;
          if (el) stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 48;
        }}
      >
        {history.loading && (
          <li>
            <Loading label="Loading messages…" />
          </li>
        )}
        {history.error !== undefined && (
          <li>
            <ErrorNotice error={history.error} />
          </li>
        )}
        {empty && (
          <li className="chat-empty">
            <p className="empty-title">Ask {agent.name} about your recordings</p>
            <p className="muted">
              It searches what was said and shown, quotes what it finds and links each quote to its moment.
            </p>
            <div className="row suggestions">
              {SUGGESTIONS.map((s) => (
                <button
                  key={s}
                  type="button"
                  className="btn btn-secondary btn-small"
                  onClick={() => void send(s)}
                >
                  {s}
                </button>
              ))}
            </div>
          </li>
        )}
        {messages.map((m) =>
          m.role === 'user' ? (
            <UserMessage key={m.id} content={m.content} />
          ) : (
            <AgentReply
              key={m.id}
              name={agent.name}
              text={m.content}
              citations={m.citations}
              tools={m.tool_calls}
              stopped={m.stop_reason === 'cancelled'}
            />
          ),
        )}
        {pending && (
          <>
            <UserMessage content={pending.question} />
            <AgentReply
              name={agent.name}
              text={pending.text}
              citations={pending.citations}
              tools={pending.tools}
              streaming={streaming}
            >
              {pending.error !== undefined && <ErrorNotice error={pending.error} title="The reply failed" />}
            </AgentReply>
          </>
        )}
      </ol>
      <form className="composer" onSubmit={submit}>
        <label htmlFor="agent-message" className="visually-hidden">
          Message to {agent.name}
        </label>
        <textarea
          id="agent-message"
          ref={input}
          rows={2}
          maxLength={8000}
          placeholder={`Ask ${agent.name} about your recordings…`}
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          aria-describedby="composer-hint"
        />
        {streaming ? (
          <button
            type="button"
            className="btn btn-secondary"
            onClick={() => void stop()}
            disabled={pending?.stopping}
          >
            {pending?.stopping ? 'Stopping…' : 'Stop'}
          </button>
        ) : (
          <button type="submit" className="btn btn-primary" disabled={!draft.trim()}>
            Send
          </button>
        )}
      </form>
      <p id="composer-hint" className="muted small composer-hint">
        Enter sends, Shift+Enter starts a new line.
      </p>
    </section>
  );
}

export function AgentPage({ id }: { id: string }) {
  const { navigate } = useRouter();
  const conversationId = useSearchParam('conversation');
  const agent = useAsync((signal) => get<Agent>(`/agents/${id}`, undefined, signal), [id]);
  const conversations = useAsync(
    (signal) => get<Page<Conversation>>(`/agents/${id}/conversations`, { limit: 50 }, signal),
    [id],
  );
  usePageTitle(agent.data?.name ?? 'Agent');
  const narrow = useNarrow();
  const [listOpen, setListOpen] = useState(false);
  useEffect(() => setListOpen(false), [conversationId]);
  const { can } = useSession();
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);

  const breadcrumb = (
    <nav className="breadcrumb" aria-label="Breadcrumb">
      <Link to="/agents">Agents</Link>
      {agent.data && (
        <>
          {' / '}
          <span aria-current="page">{agent.data.name}</span>
        </>
      )}
    </nav>
  );

  if (agent.error !== undefined) {
    return (
      <div className="page">
        {breadcrumb}
        <ErrorNotice error={agent.error} onRetry={agent.reload} />
      </div>
    );
  }
  if (!agent.data) {
    return (
      <div className="page">
        <Loading label="Loading agent…" />
      </div>
    );
  }
  const a = agent.data;
  const items = conversations.data?.items ?? [];

  return (
    <div className="page page-wide agent-page">
      {breadcrumb}
      <div className="page-header agent-header">
        <div>
          <h1>{a.name}</h1>
          {a.description && <p className="muted agent-header-description">{a.description}</p>}
        </div>
        <div className="agent-header-side">
          <p className="muted small">
            {sourcesText(a)} · {a.model === 'extractive' ? 'quotes the recordings' : a.model}
          </p>
          {can('agent:manage') && !editing && (
            <button
              type="button"
              className="btn btn-secondary btn-small"
              aria-controls="edit-agent"
              aria-expanded={editing}
              onClick={() => {
                setSaved(false);
                setEditing(true);
              }}
            >
              Edit<span className="visually-hidden"> {a.name}</span>
            </button>
          )}
        </div>
      </div>
      {saved && !editing && <Notice kind="success">Changes saved: new replies use them.</Notice>}
      {editing && (
        <section id="edit-agent" className="card section" aria-labelledby="edit-agent-heading">
          <h2 id="edit-agent-heading" className="h3">
            Edit agent
          </h2>
          <AgentForm
            workspaceId={a.workspace_id}
            agent={a}
            onSaved={(next) => {
              agent.setData(next);
              setEditing(false);
              setSaved(true);
            }}
            onCancel={() => setEditing(false)}
          />
        </section>
      )}
      <div className="agent-layout">
        <aside className="card conversations" aria-labelledby="conversations-heading">
          <div className="row row-between">
            <h2 id="conversations-heading" className="h3">
              {narrow ? (
                <button
                  type="button"
                  className="conversations-toggle"
                  aria-expanded={listOpen}
                  aria-controls="conversation-list"
                  onClick={() => setListOpen((o) => !o)}
                >
                  Conversations{items.length ? ` (${items.length})` : ''}
                </button>
              ) : (
                'Conversations'
              )}
            </h2>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              onClick={() => {
                navigate(`/agents/${a.id}`);
                document.getElementById('agent-message')?.focus();
              }}
            >
              New<span className="visually-hidden"> conversation</span>
            </button>
          </div>
          {conversations.error !== undefined && (
            <ErrorNotice error={conversations.error} onRetry={conversations.reload} />
          )}
          <div id="conversation-list" hidden={narrow && !listOpen}>
            {conversations.data && items.length === 0 && <p className="muted small">None yet.</p>}
            {items.length > 0 && (
              <ul className="conversation-list">
                {items.map((c) => {
                  const active = c.id === conversationId;
                  return (
                    <li key={c.id}>
                      <Link
                        to={`/agents/${a.id}?conversation=${c.id}`}
                        className={active ? 'active' : undefined}
                        aria-current={active ? 'page' : undefined}
                      >
                        <span className="conversation-title" title={c.title}>
                          {c.title}
                        </span>
                        <span className="conversation-meta">
                          {plural(c.message_count, 'message')} ·{' '}
                          {formatRelative(c.updated_at ?? c.created_at)}
                        </span>
                      </Link>
                    </li>
                  );
                })}
              </ul>
            )}
          </div>
        </aside>
        <Chat
          agent={a}
          conversationId={conversationId}
          onStarted={(cid) => {
            navigate(`/agents/${a.id}?conversation=${cid}`, { replace: true });
            conversations.reload();
          }}
          onReplied={conversations.reload}
        />
      </div>
    </div>
  );
}
