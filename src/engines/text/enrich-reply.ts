/**
 * Checks the LLM's enrichment reply. Models wrap JSON in code fences, prepend their
 * reasoning (`<think>…</think>`), return numbers as strings or invent timestamps past
 * the end; what can be repaired is, the rest makes the reply invalid and the caller
 * falls back to the extractive methods.
 */
export interface EnrichReply {
  summary: string;
  actions: Array<{ text: string; timestamp?: number; owner?: string; due?: string }>;
  tags: string[];
  /** Undefined when the titles do not match the chapters one to one. */
  chapterTitles?: string[];
}

export class InvalidReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidReplyError';
  }
}

export function extractJsonObject(text: string): unknown {
  const cleaned = text.replace(/<think>[\s\S]*?<\/think>/gi, '').trim();
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(cleaned)?.[1] ?? cleaned;
  const first = fenced.indexOf('{');
  const last = fenced.lastIndexOf('}');
  if (first < 0 || last <= first) throw new InvalidReplyError('no JSON object in the reply');
  try {
    return JSON.parse(fenced.slice(first, last + 1));
  } catch (err) {
    throw new InvalidReplyError(`the reply is not valid JSON (${(err as Error).message})`);
  }
}

export function parseEnrichReply(text: string, expect: { chapters: number; duration?: number }): EnrichReply {
  const json = extractJsonObject(text);
  if (!json || typeof json !== 'object' || Array.isArray(json))
    throw new InvalidReplyError('the reply is not a JSON object');
  const o = json as Record<string, unknown>;

  if (typeof o.summary !== 'string' || !o.summary.trim())
    throw new InvalidReplyError('"summary" is missing or empty');
  const summary = clip(o.summary.replace(/\s+/g, ' ').trim(), 2000);

  const rawActions = o.actions ?? [];
  if (!Array.isArray(rawActions)) throw new InvalidReplyError('"actions" is not an array');
  const actions: EnrichReply['actions'] = [];
  for (const a of rawActions) {
    const item = typeof a === 'string' ? { text: a } : (a as Record<string, unknown> | null);
    if (!item || typeof item.text !== 'string' || !item.text.trim()) continue;
    const ts = toNumber(item.timestamp);
    const inRange =
      ts !== undefined && ts >= 0 && (expect.duration === undefined || ts <= expect.duration + 1);
    actions.push({
      text: clip(item.text.trim(), 300),
      ...(inRange ? { timestamp: ts } : {}),
      ...(nonEmpty(item.owner) ? { owner: clip(item.owner.trim(), 80) } : {}),
      ...(nonEmpty(item.due) ? { due: clip(item.due.trim(), 80) } : {}),
    });
  }

  const rawTags = o.tags ?? [];
  if (!Array.isArray(rawTags)) throw new InvalidReplyError('"tags" is not an array');
  const tags = [
    ...new Set(
      rawTags
        .filter((t): t is string => typeof t === 'string')
        .map((t) => t.trim().toLowerCase().replace(/^#/, '').replace(/\s+/g, ' '))
        .filter((t) => t.length >= 2 && t.length <= 40),
    ),
  ].slice(0, 10);

  const titles = o.chapter_titles;
  const chapterTitles =
    Array.isArray(titles) &&
    titles.length === expect.chapters &&
    titles.every((t) => typeof t === 'string' && t.trim())
      ? (titles as string[]).map((t) => clip(t.trim(), 80))
      : undefined;

  return { summary, actions, tags, ...(chapterTitles ? { chapterTitles } : {}) };
}

function toNumber(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
}

const nonEmpty = (v: unknown): v is string =>
  typeof v === 'string' && v.trim() !== '' && v.trim().toLowerCase() !== 'null';
const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
