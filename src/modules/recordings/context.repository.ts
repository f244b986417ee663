import type { Kysely } from 'kysely';
import { codec, decode } from '../../platform/db/codec.js';
import type { DB } from '../../platform/db/schema.js';

export interface TimelineEntry {
  start_seconds: number;
  end_seconds: number;
  title: string;
  text?: string;
}
export interface ActionItem {
  text: string;
  timestamp_seconds?: number | null;
  owner?: string | null;
  due?: string | null;
}
export interface UrlSeen {
  url: string;
  first_seen_seconds: number | null;
  frames?: number;
}
export interface AppSeen {
  name: string;
  seconds: number;
}

/** Recording-level context as the enrich stage writes it. */
export interface RecordingContext {
  summary: string | null;
  timeline: TimelineEntry[];
  actions: ActionItem[];
  urls: UrlSeen[];
  apps: AppSeen[];
  tags: string[];
  language: string | null;
  engines: Record<string, string>;
  updated_at: string;
}

export type ContextInput = Omit<RecordingContext, 'updated_at'>;

/** The recording_context table: one row per enriched recording. */
export class ContextRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async find(recordingId: string): Promise<RecordingContext | null> {
    const r = await this.db
      .selectFrom('recording_context')
      .selectAll()
      .where('recording_id', '=', recordingId)
      .executeTakeFirst();
    if (!r) return null;
    return {
      summary: r.summary,
      timeline: decode.json<TimelineEntry[]>(r.timeline, []),
      actions: decode.json<ActionItem[]>(r.actions, []),
      urls: decode.json<UrlSeen[]>(r.urls, []),
      apps: decode.json<AppSeen[]>(r.apps, []),
      tags: decode.json<string[]>(r.tags, []),
      language: r.language,
      engines: decode.json<Record<string, string>>(r.engines, {}),
      updated_at: decode.time(r.updated_at),
    };
  }

  /** Writes the whole context (insert or replace): the enrich stage is rerunnable. */
  async upsert(recordingId: string, c: ContextInput): Promise<void> {
    const row = {
      summary: c.summary,
      timeline: codec.json(c.timeline),
      actions: codec.json(c.actions),
      urls: codec.json(c.urls),
      apps: codec.json(c.apps),
      tags: codec.json(c.tags),
      language: c.language,
      engines: codec.json(c.engines),
      updated_at: codec.now(),
    };
    await this.db
      .insertInto('recording_context')
      .values({ recording_id: recordingId, ...row })
      .onConflict((oc) => oc.column('recording_id').doUpdateSet(row))
      .execute();
  }
}
