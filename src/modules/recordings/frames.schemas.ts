import { Type, type TSchema } from 'typebox';
import { PaginationQuery, Strict } from '../../platform/http/schemas.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const FramesQuery = Strict({
  ...PaginationQuery,
  include: Type.Optional(
    Type.Enum(['words'], { description: '`words`: add each word with its box and confidence.' }),
  ),
});

export const OcrWordSchema = Type.Object({
  text: Type.String(),
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  box: Type.Object(
    { x: Type.Number(), y: Type.Number(), width: Type.Number(), height: Type.Number() },
    { description: 'Pixels of the frame image, origin top-left.' },
  ),
});

export const FrameSchema = Type.Object(
  {
    id: Type.String(),
    index: Type.Integer({ description: 'Position among the kept frames, 0-based, in time order.' }),
    timestamp_seconds: Type.Number(),
    image_url: Type.String({ description: 'JPEG of the frame; the link expires after an hour.' }),
    width: Nullable(Type.Integer()),
    height: Nullable(Type.Integer()),
    ocr_text: Nullable(
      Type.String({
        description: 'Screen text; null until the ocr stage read the frame, "" when it has none.',
      }),
    ),
    ocr_confidence: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    words: Type.Optional(Type.Array(OcrWordSchema, { description: 'With `?include=words`.' })),
    description: Nullable(Type.String()),
    url: Nullable(Type.String({ description: 'The page address on screen, when one was read.' })),
    app: Nullable(Type.String({ description: 'The application on screen, when recognised.' })),
  },
  { description: 'A kept keyframe of a recording.' },
);
