import type { Logger } from 'pino';
import type { SecretBox } from '../../../platform/crypto/secret-box.js';
import type { CamerasRepository, RunnableCamera } from '../cameras/cameras.repository.js';
import type { CameraWorkerControl } from '../cameras/cameras.service.js';
import type { CameraLeasesRepository } from './camera-leases.repository.js';
import { CameraWorker } from './camera-worker.js';

export interface SupervisorOptions {
  cameras: CamerasRepository;
  leases: CameraLeasesRepository;
  box: SecretBox;
  logger: Logger;
  /** This process in leases and heartbeats. */
  holder: string;
  /** A lease lasts this long without renewal; a killed worker's cameras move after it. */
  leaseSeconds?: number;
  /** How often the supervisor looks for cameras to take, drop or restart. */
  pollMs?: number;
  /** Where a camera's frames go while its worker runs here (live views, detection). */
  sink?: (camera: RunnableCamera) => FrameSink;
  /** Builds a camera's worker (tests shorten its backoff). */
  worker?: (camera: RunnableCamera, url: string) => CameraWorker;
  /** Whether a camera running here is streaming (each heartbeat), or stopped here. */
  onState?: (cameraId: string, state: 'online' | 'offline') => void;
}

export interface FrameSink {
  frame(jpeg: Buffer, at: number): void;
  /** More outputs for the worker's ffmpeg (the segment buffer). */
  ffmpegOutputs?(): readonly string[];
  /** Before the worker starts (creates the buffer's directory). */
  prepare?(): Promise<void>;
  /** The worker stopped: finish what is open (an event and its clip). */
  close(): Promise<void>;
  /** The camera is no longer run here (deleted, disabled, moved): drop what it kept on disk. */
  discard?(): Promise<void>;
}

interface Running {
  worker: CameraWorker;
  sink: FrameSink | undefined;
  version: string;
}

/**
 * Runs the workers of the cameras this process holds. Every `pollMs` it reads the
 * enabled cameras, takes or renews their leases (a camera runs in exactly one process of
 * the cluster), starts a worker for each camera it holds, restarts one whose camera
 * changed (its URL or tuning: the row's version), and stops those it no longer holds or
 * whose camera was disabled or deleted. Mutations in this process call `restart`/`stop`
 * to act at once; changes made by another process are seen at the next poll, so there
 * is no message bus to lose a change.
 */
export class CameraSupervisor implements CameraWorkerControl {
  private readonly running = new Map<string, Running>();
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: SupervisorOptions) {}

  get leaseSeconds() {
    return this.o.leaseSeconds ?? 15;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.o.pollMs ?? 2000);
    this.timer.unref();
    void this.tick();
  }

  /** Cameras whose worker runs in this process. */
  held(): string[] {
    return [...this.running.keys()];
  }

  /** In a process that runs no workers (`api`), the worker processes see the change at their next poll. */
  async restart(cameraId: string): Promise<void> {
    if (!this.timer) return;
    await this.stopLocal(cameraId);
    await this.tick();
  }

  async stop(cameraId: string): Promise<void> {
    if (!this.running.has(cameraId)) return;
    await this.stopLocal(cameraId, { discard: true });
    await this.o.leases.release(cameraId, this.o.holder);
  }

  /**
   * Stops polling and every worker, and hands the leases back so another process takes
   * the cameras at once. `releaseLeases: false` leaves them to run out, as a killed
   * process does.
   */
  async close({ releaseLeases = true }: { releaseLeases?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await Promise.all(
      this.held().map(async (id) => {
        await this.stopLocal(id);
        if (releaseLeases) await this.o.leases.release(id, this.o.holder);
      }),
    );
  }

  /** One pass; passes never overlap. */
  tick(): Promise<void> {
    this.ticking = this.ticking
      .then(() => this.pass())
      .catch((err: unknown) => {
        this.o.logger.warn({ err }, 'camera supervisor pass failed; retrying at the next poll');
      });
    return this.ticking;
  }

  private async pass(): Promise<void> {
    if (this.closed) return;
    const cameras = await this.o.cameras.runnable();
    const now = new Date();
    const until = new Date(now.getTime() + this.leaseSeconds * 1000);
    const wanted = new Set<string>();
    for (const camera of cameras) {
      if (!(await this.o.leases.acquire(camera.id, this.o.holder, now, until))) continue;
      wanted.add(camera.id);
      const current = this.running.get(camera.id);
      if (current?.version === camera.version) continue;
      if (current) await this.stopLocal(camera.id);
      await this.launch(camera);
    }
    for (const id of this.held()) if (!wanted.has(id)) await this.stopLocal(id, { discard: true });
  }

  private async launch(camera: RunnableCamera): Promise<void> {
    let url: string;
    try {
      url = this.o.box.open(camera.sealed_url, camera.id);
    } catch (err) {
      this.o.logger.error({ err, camera_id: camera.id }, 'camera URL does not open with this IRIS_SECRET');
      return;
    }
    const sink = this.o.sink?.(camera);
    await sink?.prepare?.();
    const worker =
      this.o.worker?.(camera, url) ??
      new CameraWorker({
        cameraId: camera.id,
        workerId: this.o.holder,
        url,
        transport: camera.transport,
        beat: (h) => {
          this.o.onState?.(h.camera_id, h.state === 'online' ? 'online' : 'offline');
          return this.o.cameras.beat(h);
        },
        logger: this.o.logger,
        onFrame: (jpeg, at) => sink?.frame(jpeg, at),
        extraOutputs: sink?.ffmpegOutputs?.(),
      });
    this.running.set(camera.id, { worker, sink, version: camera.version });
    worker.start();
  }

  private async stopLocal(cameraId: string, opts: { discard?: boolean } = {}): Promise<void> {
    const r = this.running.get(cameraId);
    if (!r) return;
    this.running.delete(cameraId);
    await r.worker.stop();
    this.o.onState?.(cameraId, 'offline');
    await r.sink
      ?.close()
      .catch((err: unknown) => this.o.logger.warn({ err, camera_id: cameraId }, 'camera sink close failed'));
    // After close: the open event's clip is cut from the buffer first.
    if (opts.discard) await r.sink?.discard?.().catch(() => undefined);
  }
}
