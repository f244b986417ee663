import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import { hijackWithHeaders } from '../../../platform/http/hijack.js';
import { Id, errorResponses } from '../../../platform/http/schemas.js';
import type { LiveService } from './live.service.js';
import type { ManualRecordings } from './manual-recordings.js';
import type { HlsSessions } from './hls-sessions.js';
import type { Principal } from '../../../platform/auth/principal.js';
import { noSignalJpeg } from './no-signal.js';

const tags = ['live'];
const Params = Type.Object({ cameraId: Id('cam') });
const BOUNDARY = 'irisframe';
const Jpeg = {
  description: 'image/jpeg',
  content: { 'image/jpeg': { schema: Type.String({ format: 'binary' }) } },
};

/** Binary bodies bypass the schema's serializer (its type says string). */
function sendJpeg(reply: FastifyReply, jpeg: Buffer, at: number | null): FastifyReply {
  reply.header('content-type', 'image/jpeg').header('cache-control', 'no-store');
  if (at !== null) reply.header('last-modified', new Date(at).toUTCString());
  return reply.send(jpeg);
}

function sendMedia(reply: FastifyReply, type: string, body: Buffer | Readable): FastifyReply {
  return reply.header('content-type', type).header('cache-control', 'no-store').send(body);
}

/** Spec 001's live views: snapshot and MJPEG stream of a camera's latest frames. */
export const liveRoutes: FastifyPluginAsyncTypebox<{
  live: LiveService;
  manual: ManualRecordings;
  hls: HlsSessions;
}> = async (app, { live, manual, hls }) => {
  // Live streams never end by themselves: end them when the server closes, or it would
  // wait for every viewer to leave.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of streams) res.end();
  });

  app.get(
    '/live/:cameraId/snapshot',
    {
      schema: {
        tags,
        summary: "The camera's latest frame (a no-signal picture, still 200, before its first)",
        params: Params,
        response: { 200: Jpeg, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const shot = await live.snapshot(req.principal, req.params.cameraId);
      return sendJpeg(reply, shot.jpeg, shot.at);
    },
  );

  app.get(
    '/live/:cameraId/stream',
    {
      schema: {
        tags,
        summary: 'MJPEG stream (multipart/x-mixed-replace) of the camera; only changed frames are sent',
        params: Params,
        querystring: Type.Object({
          fps: Type.Optional(
            Type.Number({ description: 'Frames a second, clamped to 1–live_mjpeg_fps (10).' }),
          ),
        }),
        response: {
          200: {
            description: 'multipart/x-mixed-replace',
            content: { 'multipart/x-mixed-replace': { schema: Type.String({ format: 'binary' }) } },
          },
          ...errorResponses(400, 401, 403, 404, 429),
        },
      },
    },
    async (req, reply) => {
      const feed = await live.feed(req.principal, req.params.cameraId, req.query.fps);
      hijackWithHeaders(req, reply);
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      streams.add(res);
      const part = (jpeg: Buffer) =>
        res.write(
          Buffer.concat([
            Buffer.from(
              `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`,
            ),
            jpeg,
            Buffer.from('\r\n'),
          ]),
        );
      let closed = false;
      let lastAt: number | undefined;
      let timer: NodeJS.Timeout | undefined;
      const stop = () => {
        closed = true;
        if (timer) clearTimeout(timer);
        streams.delete(res);
      };
      req.raw.once('close', stop);
      res.once('close', stop);
      const tick = async () => {
        if (closed) return;
        try {
          const frame = await feed.latest();
          // A viewer that reads slower than we send is skipped ahead, not queued for.
          if (frame && frame.at !== lastAt && res.writableLength < 4 * frame.jpeg.length) {
            lastAt = frame.at;
            part(frame.jpeg);
          } else if (lastAt === undefined && !frame) {
            lastAt = -1;
            part(await noSignalJpeg());
          }
        } catch (err) {
          req.log.warn({ err }, 'live stream frame failed');
        }
        if (!closed) timer = setTimeout(() => void tick(), 1000 / feed.fps);
      };
      void tick();
    },
  );

  app.post(
    '/live/:cameraId/record/start',
    {
      schema: {
        tags,
        summary: 'Begin a manual recording: a server-signed started_at to echo to record/stop',
        params: Params,
        response: {
          200: Type.Object({ camera_id: Id('cam'), started_at: Type.String({ format: 'date-time' }) }),
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req) => manual.start(req.principal, req.params.cameraId),
  );

  app.post(
    '/live/:cameraId/record/stop',
    {
      schema: {
        tags,
        summary:
          'Finish a manual recording: a manual event with the clip of [started_at, now] from the buffer',
        params: Params,
        body: Type.Object(
          { started_at: Type.String({ maxLength: 64, description: 'As record/start returned it.' }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            event_id: Id('evt'),
            clip: Type.Union([Type.String(), Type.Null()], {
              description:
                "The clip's URL; null when the camera's worker has not cut it yet (the event gets it).",
            }),
            duration: Type.Number({ description: 'Seconds recorded.' }),
          }),
          ...errorResponses(400, 401, 403, 404, 409, 429),
        },
      },
    },
    async (req) => manual.stop(req.principal, req.params.cameraId, req.body.started_at),
  );

  const Hls = (type: string) => ({
    description: type,
    content: { [type]: { schema: Type.String({ format: 'binary' }) } },
  });

  app.get(
    '/live/:cameraId/hls/index.m3u8',
    {
      schema: {
        tags,
        summary: "Live with sound: starts the camera's HLS session (idempotent) and serves its playlist",
        description: '503 when HLS is turned off, at capacity, or the camera sends nothing to play.',
        params: Params,
        response: {
          200: Hls('application/vnd.apple.mpegurl'),
          ...errorResponses(400, 401, 403, 404, 429, 503),
        },
      },
    },
    async (req, reply) => {
      const playlist = await hls.playlist(req.principal, req.params.cameraId);
      return sendMedia(reply.header('x-accel-buffering', 'no'), 'application/vnd.apple.mpegurl', playlist);
    },
  );

  app.get(
    '/live/:cameraId/hls/:segment',
    {
      schema: {
        tags,
        summary: 'One MPEG-TS segment of the HLS session (names segNNNNN.ts)',
        params: Type.Object({ cameraId: Id('cam'), segment: Type.String({ maxLength: 32 }) }),
        response: { 200: Hls('video/mp2t'), ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (req, reply) => {
      const stream = await hls.segment(req.principal, req.params.cameraId, req.params.segment);
      return sendMedia(reply, 'video/mp2t', stream);
    },
  );

  const close = {
    schema: {
      tags,
      summary: "Stop the camera's HLS session (a player closing; sendBeacon posts)",
      params: Params,
      response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 429) },
    },
  };
  const closeHandler = async (
    req: { principal: Principal; params: { cameraId: string } },
    reply: FastifyReply,
  ) => {
    await hls.close(req.principal, req.params.cameraId);
    return reply.code(204).send();
  };
  app.get('/live/:cameraId/hls/close', close, closeHandler);
  app.post('/live/:cameraId/hls/close', close, closeHandler);
};
