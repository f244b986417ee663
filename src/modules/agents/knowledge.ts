import { badRequest } from '../../errors.js';
import type { SearchResult } from '../search/search.service.js';
import type { Knowledge } from './agents.types.js';
import type { FoundMoment } from './replies/extractive.js';

/** A recording's tags (its context's), for a scope narrowed by tags. */
export type TagLookup = (recordingId: string) => Promise<readonly string[]>;

/** Search results as moments, inside the agent's knowledge scope. */
export async function momentsOf(
  result: SearchResult,
  k: Knowledge,
  tagsOf: TagLookup,
): Promise<FoundMoment[]> {
  const from = k.from ? Date.parse(k.from) : -Infinity;
  const to = k.to ? Date.parse(k.to) : Infinity;
  const wanted = new Set((k.tags ?? []).map((t) => t.toLowerCase()));
  const tagged = new Set<string>();
  if (wanted.size) {
    for (const item of result.items) {
      const tags = await tagsOf(item.recording.id);
      if (tags.some((t) => wanted.has(t.toLowerCase()))) tagged.add(item.recording.id);
    }
  }
  return result.items
    .filter((item) => {
      const r = item.recording;
      const at = Date.parse(r.created_at);
      return (
        (!k.sources?.length || k.sources.includes(r.source)) &&
        (!k.recording_ids?.length || k.recording_ids.includes(r.id)) &&
        (wanted.size === 0 || tagged.has(r.id)) &&
        at >= from &&
        at <= to
      );
    })
    .flatMap((item, rank) =>
      item.moments.map((m) => ({
        recording_id: item.recording.id,
        recording_title: item.recording.title,
        source: m.source,
        timestamp_seconds: m.timestamp_seconds,
        text: m.text,
        rank,
      })),
    );
}

export function checkKnowledge(k: Knowledge): Knowledge {
  for (const field of ['from', 'to'] as const) {
    const v = k[field];
    if (v !== undefined && Number.isNaN(Date.parse(v))) {
      throw badRequest(`knowledge.${field} must be an ISO-8601 date or time.`, {
        field: `knowledge.${field}`,
      });
    }
  }
  if (k.from && k.to && Date.parse(k.from) > Date.parse(k.to)) {
    throw badRequest('knowledge.from is after knowledge.to.', { field: 'knowledge.from' });
  }
  return k;
}
