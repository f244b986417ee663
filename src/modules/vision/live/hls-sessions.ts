import { createReadStream, promises as fs, type ReadStream } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { AppError, badRequest, notFound } from '../../../errors.js';
import { runFfmpeg } from '../../../engines/ffmpeg/command.js';
import { locateFfmpeg } from '../../../engines/ffmpeg/locate.js';
import type { Principal } from '../../../platform/auth/principal.js';
import type { CameraDataOwner, CamerasService } from '../cameras/cameras.service.js';

/** Spec 001: segment names a client may ask for. */
export const HLS_SEGMENT = /^seg\d{5}\.ts$/;

export interface HlsOptions {
  enabled: boolean;
  /** Sessions (ffmpeg processes, one RTSP connection each) this process runs at most. */
  maxSessions: number;
  /** A session nobody fetched from for this long is stopped. */
  idleSeconds: number;
  /** How long the playlist may take to appear (the camera's first keyframes). */
  startSeconds: number;
}

export const DEFAULT_HLS: HlsOptions = { enabled: true, maxSessions: 4, idleSeconds: 30, startSeconds: 15 };

interface Session {
  dir: string;
  abort: AbortController;
  lastUsed: number;
  /** Settles when ffmpeg exits; `failure` then says why. */
  exited: Promise<void>;
  failure?: string;
}

const unavailable = (message: string) => new AppError('SERVICE_UNAVAILABLE', message);

/**
 * Spec 001's live-with-sound: on demand, one ffmpeg per camera reads its RTSP stream
 * and writes HLS (video copied, sound in AAC; 2 s segments, a rolling playlist of six)
 * into this process's data directory; players fetch the playlist and segments through
 * the API, which checks live:view each time. Sessions live in the process that started
 * them (a deployment with several API processes routes a camera's HLS to one of them,
 * as with any stateful stream); idle ones are reaped. Why ffmpeg and not the camera
 * worker's own stream: HLS needs the sound, which detection never decodes.
 */
export class HlsSessions implements CameraDataOwner {
  private readonly sessions = new Map<string, Session>();
  private readonly reaper: NodeJS.Timeout;

  constructor(
    private readonly d: {
      cameras: CamerasService;
      /** Where sessions write: <dir>/<camera id>/. */
      dir: string;
      logger: Logger;
      options?: Partial<HlsOptions>;
    },
  ) {
    this.reaper = setInterval(() => void this.reap(), 5_000);
    this.reaper.unref();
  }

  private get o(): HlsOptions {
    return { ...DEFAULT_HLS, ...this.d.options };
  }

  /** Starts the camera's session if needed (idempotent) and answers its playlist. */
  async playlist(principal: Principal, cameraId: string): Promise<Buffer> {
    if (!this.o.enabled) throw unavailable('Live HLS is turned off on this server (IRIS_HLS_ENABLED=false).');
    const source = await this.d.cameras.streamSource(principal, cameraId, 'live.hls');
    if (!source.camera.enabled) throw unavailable('The camera is disabled.');
    let session = this.sessions.get(cameraId);
    if (!session) {
      if (this.sessions.size >= this.o.maxSessions)
        throw unavailable(
          `Live HLS is at capacity (${this.o.maxSessions} cameras); try again when one closes.`,
        );
      session = await this.start(cameraId, source.url, source.transport);
    }
    session.lastUsed = Date.now();
    const index = path.join(session.dir, 'index.m3u8');
    const until = Date.now() + this.o.startSeconds * 1000;
    for (;;) {
      if (session.failure !== undefined) {
        this.sessions.delete(cameraId);
        throw unavailable(`The camera's HLS stream did not start: ${session.failure}`);
      }
      const playlist = await fs.readFile(index).catch(() => undefined);
      if (playlist && playlist.includes('.ts')) return playlist;
      if (Date.now() > until) {
        await this.stop(cameraId);
        throw unavailable('The camera sent nothing to play within the start time.');
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async segment(principal: Principal, cameraId: string, name: string): Promise<ReadStream> {
    if (!HLS_SEGMENT.test(name)) throw badRequest('Segment names are segNNNNN.ts.', { field: 'segment' });
    await this.d.cameras.authorize(principal, cameraId, 'live:view', 'live.hls');
    const session = this.sessions.get(cameraId);
    if (!session) throw notFound('HLS session');
    session.lastUsed = Date.now();
    const file = path.join(session.dir, name);
    await fs.access(file).catch(() => {
      throw notFound('Segment');
    });
    return createReadStream(file);
  }

  async close(principal: Principal, cameraId: string): Promise<void> {
    await this.d.cameras.authorize(principal, cameraId, 'live:view', 'live.hls_close');
    await this.stop(cameraId);
  }

  /** A deleted or repointed camera's session goes (a repointed one restarts on the next playlist). */
  async purgeCamera(camera: { id: string }): Promise<void> {
    await this.stop(camera.id);
  }

  /** Stops the camera's session (camera deleted or changed, player gone). */
  async stop(cameraId: string): Promise<void> {
    const session = this.sessions.get(cameraId);
    if (!session) return;
    this.sessions.delete(cameraId);
    session.abort.abort();
    await session.exited;
    await fs.rm(session.dir, { recursive: true, force: true });
  }

  get active(): number {
    return this.sessions.size;
  }

  async closeAll(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.sessions.keys()].map((id) => this.stop(id)));
  }

  private async reap(): Promise<void> {
    const idle = Date.now() - this.o.idleSeconds * 1000;
    for (const [id, s] of this.sessions) if (s.lastUsed < idle) await this.stop(id);
  }

  private async start(cameraId: string, url: string, transport: string): Promise<Session> {
    const dir = path.join(this.d.dir, cameraId);
    await fs.rm(dir, { recursive: true, force: true });
    await fs.mkdir(dir, { recursive: true });
    const abort = new AbortController();
    const session: Session = { dir, abort, lastUsed: Date.now(), exited: Promise.resolve() };
    this.sessions.set(cameraId, session);
    // See camera-worker.ts: ffmpeg 5 renamed the RTSP socket timeout.
    const modern = (await locateFfmpeg()).capabilities.fpsMode;
    session.exited = runFfmpeg(
      // prettier-ignore
      [
        '-fflags', '+genpts', // see camera-worker.ts: B-frames over RTP
        '-rtsp_transport', transport,
        modern ? '-timeout' : '-stimeout', '10000000',
        '-i', url,
        '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'copy', '-c:a', 'aac', '-b:a', '96k', '-ac', '1',
        '-f', 'hls', '-hls_time', '2', '-hls_list_size', '6',
        '-hls_flags', 'delete_segments+omit_endlist',
        '-hls_segment_filename', path.join(dir, 'seg%05d.ts'),
        path.join(dir, 'index.m3u8'),
      ],
      { what: 'Live HLS', signal: abort.signal, redact: { [url]: 'camera', [dir]: 'hls' } },
    ).then(
      () => {
        session.failure = 'the stream ended';
      },
      (err: unknown) => {
        session.failure = err instanceof Error ? err.message : String(err);
        if (!abort.signal.aborted)
          this.d.logger.warn({ camera_id: cameraId, err }, 'live HLS session failed');
      },
    );
    return session;
  }
}
