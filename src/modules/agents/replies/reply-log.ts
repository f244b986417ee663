import type { ReplyEvent } from '../agents.types.js';

export interface SequencedEvent {
  /** 1, 2, … within one reply: the SSE `id`. */
  seq: number;
  event: ReplyEvent;
}

interface Entry {
  events: SequencedEvent[];
  /** Followers waiting for the next event (or the end). */
  wakers: Set<() => void>;
  done: boolean;
  abort: AbortController;
  expires: number;
}

/** How long a finished reply's events stay for a client that reconnects. */
const KEEP_MS = 10 * 60_000;
/** Replies kept at once; the oldest finished ones go first. */
const MAX_REPLIES = 1_000;

/**
 * The events of the replies this process is making or made lately, so a client whose
 * connection dropped resumes after the last event it saw (`Last-Event-ID`) and a running
 * reply can be cancelled. A reply made by another process, or finished longer ago, is
 * read back from the database instead (agents.service.ts).
 */
export class ReplyLog {
  private readonly replies = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  start(messageId: string): {
    emit: (e: ReplyEvent) => SequencedEvent;
    finish: () => void;
    signal: AbortSignal;
  } {
    this.sweep();
    const entry: Entry = {
      events: [],
      wakers: new Set(),
      done: false,
      abort: new AbortController(),
      expires: Infinity,
    };
    this.replies.set(messageId, entry);
    return {
      emit: (event) => {
        const e = { seq: entry.events.length + 1, event };
        entry.events.push(e);
        for (const wake of [...entry.wakers]) wake();
        return e;
      },
      finish: () => {
        entry.done = true;
        entry.expires = this.now() + KEEP_MS;
        for (const wake of [...entry.wakers]) wake();
      },
      signal: entry.abort.signal,
    };
  }

  has(messageId: string): boolean {
    return this.replies.has(messageId);
  }

  /** Asks a running reply to stop; false when it is not running here. */
  cancel(messageId: string): boolean {
    const entry = this.replies.get(messageId);
    if (!entry || entry.done) return false;
    entry.abort.abort();
    return true;
  }

  /**
   * The events after `after`, then the ones still to come, until the reply is done.
   * Undefined when this process has no such reply.
   */
  follow(messageId: string, after: number): AsyncGenerator<SequencedEvent> | undefined {
    const entry = this.replies.get(messageId);
    return entry ? this.iterate(entry, after) : undefined;
  }

  private async *iterate(entry: Entry, after: number): AsyncGenerator<SequencedEvent> {
    let next = after + 1;
    for (;;) {
      while (next <= entry.events.length) yield entry.events[next++ - 1]!;
      if (entry.done) return;
      await new Promise<void>((resolve) => {
        const wake = () => {
          entry.wakers.delete(wake);
          resolve();
        };
        entry.wakers.add(wake);
      });
    }
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, e] of this.replies) if (e.done && e.expires < now) this.replies.delete(id);
    if (this.replies.size < MAX_REPLIES) return;
    const finished = [...this.replies].filter(([, e]) => e.done).sort((a, b) => a[1].expires - b[1].expires);
    for (const [id] of finished.slice(0, this.replies.size - MAX_REPLIES + 1)) this.replies.delete(id);
  }
}
