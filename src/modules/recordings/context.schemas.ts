import { Type, type TSchema } from 'typebox';
import { Id, NullableTimestamp, Strict } from '../../platform/http/schemas.js';
import { RecordingStatusSchema } from './recordings.schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The parts of a context that `?field=` can ask for on their own. */
export const CONTEXT_FIELDS = [
  'summary',
  'timeline',
  'transcript',
  'actions',
  'urls',
  'apps',
  'tags',
] as const;
export type ContextField = (typeof CONTEXT_FIELDS)[number];

export const TRANSCRIPT_FORMATS = ['json', 'vtt', 'srt', 'txt'] as const;
export type TranscriptFormat = (typeof TRANSCRIPT_FORMATS)[number];

export const TranscriptSegmentSchema = Type.Object({
  start_seconds: Type.Number(),
  end_seconds: Type.Number(),
  text: Type.String(),
  confidence: Nullable(Type.Number({ description: '0–1 when the engine gives one.' })),
  speaker: Nullable(Type.String()),
});

const TimelineEntrySchema = Type.Object({
  start_seconds: Type.Number(),
  end_seconds: Type.Number(),
  title: Type.String(),
  text: Type.Optional(Type.String()),
});

const ActionSchema = Type.Object({
  text: Type.String(),
  timestamp_seconds: Type.Optional(Nullable(Type.Number({ description: 'When it was said, if known.' }))),
  owner: Type.Optional(Nullable(Type.String())),
  due: Type.Optional(Nullable(Type.String({ description: 'The deadline as said, e.g. "by Friday".' }))),
});

const UrlSchema = Type.Object({
  url: Type.String(),
  first_seen_seconds: Nullable(Type.Number()),
  frames: Type.Optional(Type.Integer({ description: 'Kept frames showing it (0: only said aloud).' })),
});

const AppSchema = Type.Object({
  name: Type.String(),
  seconds: Type.Number({ description: 'Time on screen.' }),
});

const CONTEXT_PARTS = {
  summary: Nullable(
    Type.String({ description: 'Null until enriched, or when there was nothing to summarise.' }),
  ),
  timeline: Type.Array(TimelineEntrySchema),
  transcript: Type.Array(TranscriptSegmentSchema),
  actions: Type.Array(ActionSchema),
  urls: Type.Array(UrlSchema),
  apps: Type.Array(AppSchema),
  tags: Type.Array(Type.String()),
};

export const ContextResponse = Type.Object(
  {
    recording_id: Type.String(),
    status: RecordingStatusSchema,
    ...CONTEXT_PARTS,
    language: Nullable(Type.String({ description: 'ISO 639-1, from speech-to-text.' })),
    engines: Type.Record(Type.String(), Type.String(), {
      description:
        'What produced each part, e.g. { "transcript": "pocketsphinx:en-us", "summary": "extractive:textrank" }.',
    }),
    updated_at: NullableTimestamp,
  },
  {
    description:
      'Everything known so far. While processing runs (`status` queued/processing) the parts not made yet ' +
      'are empty and `summary` is null; poll until `status` is ready.',
  },
);

export const ContextFieldResponse = Type.Object(
  {
    recording_id: Type.String(),
    status: RecordingStatusSchema,
    field: Type.Enum(CONTEXT_FIELDS),
    value: Type.Unknown({
      description:
        'The part, shaped as in the full context (summary is a string or null; the rest are arrays).',
    }),
  },
  { description: 'With `?field=`: that part alone, as `value`.' },
);

export const ContextQuery = Strict({
  field: Type.Optional(Type.Enum(CONTEXT_FIELDS, { description: 'Return only this part, as `value`.' })),
});

export const LatestContextQuery = Strict({
  ...ContextQuery.properties,
  workspace_id: Type.Optional(Id('ws')),
});

export const TranscriptQuery = Strict({
  format: Type.Optional(
    Type.Enum(TRANSCRIPT_FORMATS, {
      description: '`json` (default), or a download: WebVTT, SubRip subtitles, plain text.',
    }),
  ),
});

export const TranscriptResponse = Type.Object({
  recording_id: Type.String(),
  status: RecordingStatusSchema,
  language: Nullable(Type.String()),
  segments: Type.Array(TranscriptSegmentSchema),
});
