import { Type, type Static, type TSchema } from 'typebox';
import { PaginationQuery, Strict, Timestamp } from '../../platform/http/schemas.js';
import { RecordingStatusSchema } from '../recordings/recordings.schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const ShareLinkSchema = Type.Object({
  share_id: Type.String({ description: 'Unguessable (192 random bits): whoever has it can watch.' }),
  recording_id: Type.String(),
  url: Type.String({ description: 'The public page (`/share/:shareId`).' }),
  api_url: Type.String({ description: 'The public JSON (`/api/v1/share/:shareId`).' }),
  created_at: Timestamp,
});

/**
 * Not validated against the share id's shape: a malformed id answers the same 404 as an
 * unknown or revoked one.
 */
export const ShareParams = Strict({ shareId: Type.String({ minLength: 1, maxLength: 100 }) });
export const FrameImageParams = Strict({
  shareId: Type.String({ minLength: 1, maxLength: 100 }),
  frameId: Type.String({ minLength: 1, maxLength: 100 }),
});

const Timeline = Type.Object({
  start_seconds: Type.Number(),
  end_seconds: Type.Number(),
  title: Type.String(),
  text: Type.Optional(Type.String()),
});
const TranscriptSegment = Type.Object({
  start_seconds: Type.Number(),
  end_seconds: Type.Number(),
  text: Type.String(),
  speaker: Nullable(Type.String()),
});
const Action = Type.Object({
  text: Type.String(),
  timestamp_seconds: Type.Optional(Nullable(Type.Number())),
  owner: Type.Optional(Nullable(Type.String())),
  due: Type.Optional(Nullable(Type.String())),
});
const UrlSeen = Type.Object({ url: Type.String(), first_seen_seconds: Nullable(Type.Number()) });
const AppSeen = Type.Object({ name: Type.String(), seconds: Type.Number() });

export const PublicContextSchema = Type.Object({
  summary: Nullable(Type.String()),
  timeline: Type.Array(Timeline),
  transcript: Type.Array(TranscriptSegment),
  actions: Type.Array(Action),
  urls: Type.Array(UrlSeen),
  apps: Type.Array(AppSeen),
  tags: Type.Array(Type.String()),
});

/** What the public may see of a shared recording: no workspace, people or storage details. */
export const PublicShareSchema = Type.Object({
  share_id: Type.String(),
  title: Type.String(),
  status: RecordingStatusSchema,
  created_at: Timestamp,
  duration_seconds: Nullable(Type.Number()),
  has_video: Nullable(Type.Boolean()),
  has_audio: Nullable(Type.Boolean()),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  poster_url: Nullable(
    Type.String({ description: 'JPEG poster (`/poster.jpg`), as long as the share lives.' }),
  ),
  video_url: Type.String(),
  page_url: Type.String(),
  og_image_url: Type.String(),
  jsonld_url: Type.String(),
  frames_url: Type.String(),
  context: PublicContextSchema,
});

export const PublicFrameSchema = Type.Object({
  id: Type.String(),
  index: Type.Integer(),
  timestamp_seconds: Type.Number(),
  width: Nullable(Type.Integer()),
  height: Nullable(Type.Integer()),
  image_url: Type.String({ description: 'JPEG (`/frames/:frameId/image`), as long as the share lives.' }),
  ocr_text: Nullable(Type.String()),
  description: Nullable(Type.String()),
  url: Nullable(Type.String()),
  app: Nullable(Type.String()),
});

export const FramesQuery = Strict({ ...PaginationQuery });

export const JsonLdSchema = Type.Object(
  { '@context': Type.String(), '@type': Type.String() },
  { additionalProperties: true, description: 'schema.org VideoObject (AudioObject without picture).' },
);

export type PublicShare = Static<typeof PublicShareSchema>;
export type PublicFrame = Static<typeof PublicFrameSchema>;
