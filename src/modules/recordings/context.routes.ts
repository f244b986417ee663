import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errorResponses } from '../../platform/http/schemas.js';
import {
  ContextFieldResponse,
  ContextQuery,
  ContextResponse,
  LatestContextQuery,
  TranscriptQuery,
  TranscriptResponse,
  type TranscriptFormat,
} from './context.schemas.js';
import type { ContextService } from './context.service.js';
import { RecordingParams } from './recordings.schemas.js';
import { toPlainText, toSrt, toWebVtt } from './transcript-export.js';

export interface ContextRoutesOptions {
  context: ContextService;
}

const tags = ['recordings'];

const ContextOrField = Type.Union([ContextResponse, ContextFieldResponse]);

const DOWNLOADS: Record<Exclude<TranscriptFormat, 'json'>, { type: string; render: typeof toSrt }> = {
  vtt: { type: 'text/vtt; charset=utf-8', render: toWebVtt },
  srt: { type: 'application/x-subrip; charset=utf-8', render: toSrt },
  txt: { type: 'text/plain; charset=utf-8', render: toPlainText },
};

const TextBody = Type.String();

/**
 * Context and transcript of recordings (spec 000). `/recordings/latest/context` is a
 * static path, so the router prefers it over `/recordings/:id/context` whatever the
 * registration order.
 */
export const contextRoutes: FastifyPluginAsyncTypebox<ContextRoutesOptions> = async (app, { context }) => {
  app.get(
    '/recordings/latest/context',
    {
      schema: {
        tags,
        summary: "The newest recording's context (404 when there is none)",
        querystring: LatestContextQuery,
        response: { 200: ContextOrField, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => context.latest(req.principal, req.query.workspace_id, req.query.field),
  );

  app.get(
    '/recordings/:id/context',
    {
      schema: {
        tags,
        summary: 'Structured context: summary, timeline, transcript, actions, urls, apps, tags',
        description:
          'Returns what exists so far with the recording `status` (poll until `ready`). `?field=summary` ' +
          '(or timeline, transcript, actions, urls, apps, tags) returns `{ recording_id, status, field, value }`.',
        params: RecordingParams,
        querystring: ContextQuery,
        response: { 200: ContextOrField, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (req) => context.get(req.principal, req.params.id, req.query.field),
  );

  app.get(
    '/recordings/:id/transcript',
    {
      schema: {
        tags,
        summary: 'The timestamped transcript, as JSON or as WebVTT / SubRip subtitles or plain text',
        params: RecordingParams,
        querystring: TranscriptQuery,
        response: {
          200: {
            description: 'JSON by default; `?format=vtt|srt|txt` for a file.',
            content: {
              'application/json': { schema: TranscriptResponse },
              'text/vtt': { schema: TextBody },
              'application/x-subrip': { schema: TextBody },
              'text/plain': { schema: TextBody },
            },
          },
          ...errorResponses(400, 401, 403, 404),
        },
      },
    },
    async (req, reply) => {
      const transcript = await context.transcript(req.principal, req.params.id);
      const format = req.query.format ?? 'json';
      if (format === 'json') return transcript;
      const download = DOWNLOADS[format];
      return reply
        .header('content-type', download.type)
        .header('content-disposition', `inline; filename="${transcript.recording_id}.${format}"`)
        .send(download.render(transcript.segments));
    },
  );
};
