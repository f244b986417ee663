import { Type, type TSchema } from 'typebox';
import { Id, NullableTimestamp, PaginationQuery, Strict, Timestamp } from '../../platform/http/schemas.js';
import { PIPELINE_STAGES, RECORDING_SOURCES, RECORDING_STATUSES, STAGE_STATES } from './stages.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const RecordingStatusSchema = Type.Enum(RECORDING_STATUSES);
export const StageStateSchema = Type.Enum(STAGE_STATES);

export const RecordingSchema = Type.Object(
  {
    id: Type.String(),
    workspace_id: Type.String(),
    created_by: Nullable(Type.String()),
    title: Type.String(),
    source: Type.Enum(RECORDING_SOURCES),
    status: RecordingStatusSchema,
    error: Nullable(Type.String({ description: 'Why the upload or processing failed.' })),
    original_filename: Nullable(Type.String()),
    content_type: Nullable(Type.String({ description: 'Type of the stored original, from probing it.' })),
    size_bytes: Nullable(Type.Integer()),
    sha256: Nullable(Type.String({ description: 'SHA-256 of the original, hex.' })),
    duration_seconds: Nullable(Type.Number()),
    has_video: Nullable(Type.Boolean()),
    has_audio: Nullable(Type.Boolean()),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    media: Nullable(
      Type.Object(
        {},
        { additionalProperties: true, description: 'What ffprobe found: container, duration, streams.' },
      ),
    ),
    created_at: Timestamp,
    updated_at: Timestamp,
    processed_at: NullableTimestamp,
    camera_id: Nullable(Type.String({ description: 'The camera whose event this clip is (source camera).' })),
    event_id: Nullable(Type.String({ description: 'The camera event this clip was recorded for.' })),
    poster_url: Type.Optional(
      Nullable(Type.String({ description: 'Poster JPEG (video, once processed); expires after an hour.' })),
    ),
    thumbnail_urls: Type.Optional(
      Type.Array(Type.String(), {
        description: 'Thumbnails spread over the video; links expire after an hour.',
      }),
    ),
    share: Type.Optional(
      Type.Object(
        { shared: Type.Boolean(), share_url: Nullable(Type.String({ description: 'The public page.' })) },
        { description: 'Public sharing (GET /recordings/:id only): POST/DELETE /recordings/:id/share.' },
      ),
    ),
  },
  { $id: 'Recording' },
);

export const CreatedRecordingSchema = Type.Object({
  ...RecordingSchema.properties,
  upload_url: Type.Optional(
    Type.String({ description: 'For a stub: PUT the file here (raw body, Content-Type of the media).' }),
  ),
});

export const StageSchema = Type.Object({
  stage: Type.Enum(PIPELINE_STAGES),
  state: StageStateSchema,
  progress: Type.Number({ minimum: 0, maximum: 1 }),
  engine: Nullable(Type.String()),
  error: Nullable(Type.String()),
  attempts: Type.Integer(),
  started_at: NullableTimestamp,
  finished_at: NullableTimestamp,
  duration_ms: Nullable(Type.Integer()),
});

export const RecordingStatusResponse = Type.Object({
  recording_id: Type.String(),
  status: RecordingStatusSchema,
  error: Nullable(Type.String()),
  progress: Type.Number({
    minimum: 0,
    maximum: 1,
    description: 'Share of stages finished (done or skipped).',
  }),
  stages: Type.Array(StageSchema),
  created_at: Timestamp,
  updated_at: Timestamp,
  processed_at: NullableTimestamp,
});

export const RetryResponse = Type.Object({
  recording_id: Type.String(),
  requeued: Type.Array(Type.Enum(PIPELINE_STAGES)),
  status: RecordingStatusSchema,
});

export const RecordingParams = Strict({ id: Id('rec') });

export const ListRecordingsQuery = Strict({
  ...PaginationQuery,
  status: Type.Optional(RecordingStatusSchema),
  source: Type.Optional(Type.Enum(RECORDING_SOURCES)),
  camera_id: Type.Optional(Id('cam')),
  workspace_id: Type.Optional(Id('ws')),
});

export const WorkspaceQuery = Strict({ workspace_id: Type.Optional(Id('ws')) });

export const Title = Type.String({ minLength: 1, maxLength: 200 });
export const Filename = Type.String({ minLength: 1, maxLength: 255 });

export const CreateStubBody = Strict({
  title: Title,
  workspace_id: Type.Optional(Id('ws')),
  filename: Type.Optional(Filename),
});

/** A media body of any type: the OpenAPI document shows it as binary. */
export const MediaBody = Type.String({ format: 'binary' });
