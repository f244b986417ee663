import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { runFfmpeg } from '../../../engines/ffmpeg/command.js';
import { locateFfmpeg } from '../../../engines/ffmpeg/locate.js';
import type { Heartbeat, RtspTransport } from '../cameras/cameras.types.js';
import { maskRtspUrl } from '../cameras/rtsp-url.js';
import { JpegSplitter } from './jpeg-splitter.js';
import { classifyFailure, FAILURE_REASONS } from './rtsp-failure.js';

/**
 * Frames a second the worker takes from the stream: the live view, the snapshot and the
 * motion gate all look at these (a JPEG each, at most LIVE_WIDTH wide).
 */
export const SAMPLE_FPS = 5;
export const LIVE_WIDTH = 960;
/** Seconds to wait before reconnecting, doubled per failure up to the last. */
export const BACKOFF_SECONDS = [1, 2, 4, 8, 15, 30] as const;
/** A connection that delivered frames this long resets the backoff. */
const HEALTHY_SECONDS = 10;
/** ffmpeg's words when the stream cannot be stream-copied into MPEG-TS segments. */
const UNMUXABLE =
  /not currently supported in container|Could not write header|Could not find tag for codec|first pts value must be set/i;
/** Socket I/O timeout given to ffmpeg: an unreachable host fails in this time, not TCP's minutes. */
const IO_TIMEOUT_SECONDS = 5;

export interface CameraWorkerOptions {
  cameraId: string;
  /** This process, as heartbeats name it. */
  workerId: string;
  url: string;
  transport: RtspTransport;
  beat(h: Heartbeat): Promise<void>;
  logger: Logger;
  /** More ffmpeg outputs of the same stream (the segment buffer's). */
  extraOutputs?: readonly string[] | undefined;
  /** Each frame as a JPEG (the live view, the motion gate and the detector hang here). */
  onFrame?: ((jpeg: Buffer, at: number) => void) | undefined;
  backoffSeconds?: readonly number[];
}

/**
 * One camera's reader: ffmpeg pulls the RTSP stream and pipes small grey frames; the
 * worker beats about once a second with the frame rate it sees, and when the stream
 * fails (wrong password, host gone, no video, the camera rebooting) says why and
 * reconnects with backoff, until stopped. It never throws: a camera's trouble is its
 * status, not the server's.
 */
export class CameraWorker {
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;
  /** Off once the stream's codec cannot be copied into the buffer (MJPEG cameras): live view only. */
  private recordSegments = true;
  private lastFrameAt = 0;

  constructor(private readonly o: CameraWorkerOptions) {}

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort(new Error('camera worker stopped'));
    await this.running;
  }

  private get stopped() {
    return this.abort.signal.aborted;
  }

  private async loop(): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const connectedAt = Date.now();
      await this.send('starting', 0, null);
      const outcome = await this.readOnce();
      if (this.stopped) break;
      if (Date.now() - connectedAt > HEALTHY_SECONDS * 1000 && this.lastFrameAt > connectedAt) failures = 0;
      const schedule = this.o.backoffSeconds ?? BACKOFF_SECONDS;
      const wait = schedule[Math.min(failures, schedule.length - 1)]!;
      failures++;
      await this.send('error', 0, `${outcome} Reconnecting in ${wait} s.`);
      this.o.logger.warn(
        { camera_id: this.o.cameraId, url: maskRtspUrl(this.o.url), retry_in_s: wait },
        `camera stream: ${outcome}`,
      );
      await sleep(wait * 1000, this.abort.signal);
    }
  }

  /** One ffmpeg run, until the stream fails or the worker stops; the failure in words. */
  private async readOnce(): Promise<string> {
    const stderr: string[] = [];
    let windowStart = Date.now();
    let windowFrames = 0;
    let online = false;
    const consume = async (stdout: Readable) => {
      const splitter = new JpegSplitter();
      try {
        for await (const chunk of stdout as AsyncIterable<Buffer>) {
          for (const jpeg of splitter.push(chunk)) {
            windowFrames++;
            this.lastFrameAt = Date.now();
            if (!online) {
              online = true;
              void this.send('online', SAMPLE_FPS, null);
            }
            this.o.onFrame?.(jpeg, this.lastFrameAt);
          }
        }
      } catch {
        // The pipe broke with the process: its exit says why.
        stdout.resume();
      }
    };
    const ticker = setInterval(() => {
      const now = Date.now();
      const fps = (windowFrames * 1000) / Math.max(1, now - windowStart);
      windowStart = now;
      windowFrames = 0;
      if (online) void this.send('online', Math.round(fps * 10) / 10, null);
    }, 1000);
    try {
      // ffmpeg 5 renamed the RTSP socket timeout: `-stimeout` before, `-timeout` after
      // (where 4.x's `-timeout` means *listen*, and would wait for the camera to call).
      const modern = (await locateFfmpeg()).capabilities.fpsMode;
      await runFfmpeg(
        // prettier-ignore
        [
          // A stream with B-frames (H.264 High, as some cameras and every x264 file send)
          // arrives over RTP with no timestamp on its first packets; copied into the
          // segment buffer, MPEG-TS refuses them ("first pts value must be set").
          '-fflags', '+genpts',
          '-rtsp_transport', this.o.transport,
          modern ? '-timeout' : '-stimeout', String(IO_TIMEOUT_SECONDS * 1_000_000),
          '-i', this.o.url,
          '-map', '0:v:0', '-an', '-sn', '-dn',
          '-vf', `fps=${SAMPLE_FPS},scale='min(${LIVE_WIDTH},iw)':-2`,
          '-c:v', 'mjpeg', '-q:v', '5', '-f', 'image2pipe', 'pipe:1',
          ...(this.recordSegments ? (this.o.extraOutputs ?? []) : []),
        ],
        {
          what: 'Reading the camera',
          signal: this.abort.signal,
          redact: { [this.o.url]: 'camera' },
          onStderrLine: (line) => {
            if (stderr.length < 200) stderr.push(line);
          },
          onStdout: (stdout) => {
            void consume(stdout);
          },
        },
      );
      return FAILURE_REASONS.ended;
    } catch {
      if (this.stopped) return 'stopped';
      if (this.recordSegments && this.o.extraOutputs?.length && stderr.some((l) => UNMUXABLE.test(l))) {
        this.recordSegments = false;
        this.o.logger.warn(
          { camera_id: this.o.cameraId },
          "the camera's codec cannot be kept in the segment buffer: live view and detection only, no clips",
        );
      }
      return FAILURE_REASONS[classifyFailure(stderr)];
    } finally {
      clearInterval(ticker);
    }
  }

  private async send(state: Heartbeat['state'], fps: number, reason: string | null): Promise<void> {
    if (this.stopped) return;
    try {
      await this.o.beat({
        camera_id: this.o.cameraId,
        worker_id: this.o.workerId,
        state,
        reason,
        fps,
        seen_at: new Date().toISOString(),
      });
    } catch (err) {
      // The camera row may be gone (deleted under us): the supervisor stops this worker.
      this.o.logger.debug({ err, camera_id: this.o.cameraId }, 'camera heartbeat not written');
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
