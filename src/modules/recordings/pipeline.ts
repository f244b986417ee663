import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import { codec } from '../../platform/db/codec.js';
import {
  JobAbortedError,
  PermanentJobError,
  type JobContext,
  type JobDefinition,
  type JobQueue,
} from '../../platform/queue/index.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { UsageService } from '../usage/usage.service.js';
import { derivedKey } from './blob-keys.js';
import type { Recording, RecordingsRepository } from './recordings.repository.js';
import { overallStatus, PIPELINE_STAGES, type StageName } from './stages.js';

/** What a stage's work function gets besides the recording. */
export interface StageRun {
  signal: AbortSignal;
  /** Records progress (0–1) on the stage and keeps the job's lease alive. */
  progress(fraction: number): Promise<void>;
  /** The engine actually used, when it is only known once the work started. */
  setEngine(engine: string): Promise<void>;
}

export interface StageOptions {
  /** Engine recorded when the stage starts (e.g. `ffprobe`); may be refined with setEngine. */
  engine?: string | null;
  /** The job definition's maxAttempts, so the last failed attempt marks the stage failed. */
  maxAttempts: number;
}

/** A stage outcome other than `done`: the work decided it does not apply or cannot run. */
export class StageSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StageSkipped';
  }
}

/**
 * The stage bookkeeping every pipeline job shares: state transitions with timings,
 * attempts and errors on `recording_stages`, the overall status on `recordings`, and
 * handing over to the next stage. A stage is run by exactly one job, registered with
 * `registerStage`; stages with no job stay `queued` (nothing claims they ran).
 *
 * Pipeline stages (media, frames, …) plug in by defining their job, registering it
 * here, and doing their work inside `runStage`:
 *
 *   const job = defineJob({ name: 'recording.media', schema: StagePayload, maxAttempts: 3,
 *     handler: (p, ctx) => pipeline.runStage(p.recording_id, 'media', ctx, { maxAttempts: 3 },
 *       async (rec, run) => { … pipeline.storeDerived(rec, 'playback.mp4', file, 'video/mp4') … }) });
 *   pipeline.registerStage('media', job);
 */
export class RecordingPipeline {
  private readonly stageJobs = new Map<StageName, JobDefinition<{ recording_id: string }>>();

  constructor(
    private readonly d: {
      repo: RecordingsRepository;
      queue: JobQueue;
      blobs: BlobStore;
      usage: UsageService;
      logger: Logger;
      /** Scratch space for local copies of blobs (ffmpeg and friends need files). */
      workDir: string;
    },
  ) {}

  registerStage(stage: StageName, job: JobDefinition<{ recording_id: string }>): void {
    this.stageJobs.set(stage, job);
  }

  hasJob(stage: StageName): boolean {
    return this.stageJobs.has(stage);
  }

  /** Starts processing a recording whose original just landed: the first stage's job. */
  async start(recordingId: string): Promise<void> {
    await this.enqueue(recordingId, PIPELINE_STAGES[0]);
  }

  /** Enqueues a stage's job; false when no job runs that stage yet (it stays queued). */
  async enqueue(recordingId: string, stage: StageName): Promise<boolean> {
    const job = this.stageJobs.get(stage);
    if (!job) return false;
    await this.d.queue.enqueue(job, { recording_id: recordingId }, { dedupeKey: `${recordingId}:${stage}` });
    return true;
  }

  /**
   * Runs one stage of one recording inside its job. Returns quietly when the recording
   * was deleted meanwhile. On success the stage is `done` (or `skipped` when the work
   * throws StageSkipped) and the next stage's job is enqueued. On failure the stage is
   * `failed` on the last attempt (or at once for a PermanentJobError / a 4xx AppError
   * such as "not media"), otherwise back to `queued` with the error, and the queue retries.
   */
  async runStage(
    recordingId: string,
    stage: StageName,
    ctx: JobContext,
    options: StageOptions,
    work: (rec: Recording, run: StageRun) => Promise<void>,
  ): Promise<void> {
    const rec = await this.d.repo.find(recordingId);
    if (!rec) {
      this.d.logger.info({ recordingId, stage }, 'recording is gone; stage skipped');
      return;
    }
    await this.d.repo.startStage(recordingId, stage, options.engine ?? null);
    await this.recompute(recordingId);
    const run: StageRun = {
      signal: ctx.signal,
      progress: async (fraction) => {
        const progress = Math.min(1, Math.max(0, fraction));
        await this.d.repo.updateStage(recordingId, stage, { progress });
        await ctx.heartbeat({ stage, progress });
      },
      setEngine: (engine) => this.d.repo.updateStage(recordingId, stage, { engine }),
    };
    try {
      await work(rec, run);
    } catch (err) {
      if (err instanceof StageSkipped) {
        await this.finish(recordingId, stage, 'skipped', err.reason);
        return;
      }
      await this.fail(recordingId, stage, ctx, options, err);
      throw err instanceof AppError && err.status < 500
        ? new PermanentJobError(err.message, { cause: err })
        : err;
    }
    await this.finish(recordingId, stage, 'done', null);
  }

  /**
   * Writes a stage output under the recording's prefix and counts its bytes as stored.
   * If the recording was deleted while the stage ran, the file is removed again, so a
   * late stage can never leave an orphan behind.
   */
  async storeDerived(rec: Recording, name: string, file: string, contentType: string): Promise<string> {
    const key = derivedKey(rec.workspace_id, rec.id, name);
    const previous = await this.d.blobs.stat(key);
    const put = await this.d.blobs.put(key, createReadStream(file), { contentType });
    if (!(await this.d.repo.find(rec.id))) {
      await this.d.blobs.delete(key);
      throw new PermanentJobError('The recording was deleted while it was being processed.');
    }
    const delta = put.size - (previous?.size ?? 0);
    await this.d.repo.addStoredBytes(rec.id, delta);
    await this.d.usage.add(rec.workspace_id, 'storage_bytes', delta);
    return key;
  }

  /**
   * Streams a stored blob into a local temp file for the duration of `fn` (ffprobe and
   * ffmpeg need files; with S3 the blob is elsewhere). The copy is removed afterwards.
   */
  async withLocalCopy<T>(key: string, signal: AbortSignal, fn: (file: string) => Promise<T>): Promise<T> {
    await mkdir(this.d.workDir, { recursive: true });
    const file = path.join(this.d.workDir, `${randomUUID()}.blob`);
    try {
      const { stream } = await this.d.blobs.get(key).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'NOT_FOUND') {
          throw new PermanentJobError('A stored file of this recording is missing from storage.');
        }
        throw err;
      });
      await streamPipeline(stream, createWriteStream(file, { flags: 'wx' }), { signal });
      return await fn(file);
    } finally {
      await rm(file, { force: true });
    }
  }

  /** Re-derives the recording's overall status from its stages (not while uploading). */
  async recompute(recordingId: string): Promise<void> {
    const [rec, stages] = await Promise.all([this.d.repo.find(recordingId), this.d.repo.stages(recordingId)]);
    if (!rec || rec.status === 'uploading' || (rec.status === 'failed' && !rec.original_key)) return;
    const status = overallStatus(stages.map((s) => s.state));
    if (status === rec.status) return;
    const failed = stages.find((s) => s.state === 'failed');
    const becameReady = status === 'ready' && rec.processed_at === null;
    await this.d.repo.update(recordingId, {
      status,
      error:
        status === 'failed' && failed
          ? `Stage ${failed.stage} failed: ${failed.error ?? 'unknown error'}`
          : null,
      ...(status === 'ready' ? { processed_at: codec.now() } : {}),
    });
    if (becameReady && rec.duration_seconds) {
      await this.d.usage.add(rec.workspace_id, 'processed_seconds', Math.round(rec.duration_seconds));
    }
  }

  private async finish(
    recordingId: string,
    stage: StageName,
    state: 'done' | 'skipped',
    reason: string | null,
  ): Promise<void> {
    await this.d.repo.updateStage(recordingId, stage, {
      state,
      progress: 1,
      error: reason,
      finished_at: codec.now(),
    });
    await this.recompute(recordingId);
    const next = PIPELINE_STAGES[PIPELINE_STAGES.indexOf(stage) + 1];
    if (next) await this.enqueue(recordingId, next);
  }

  private async fail(
    recordingId: string,
    stage: StageName,
    ctx: JobContext,
    options: StageOptions,
    err: unknown,
  ): Promise<void> {
    const message = err instanceof Error ? err.message : String(err);
    const reason: unknown = ctx.signal.aborted ? ctx.signal.reason : undefined;
    const kind = !ctx.signal.aborted ? null : reason instanceof JobAbortedError ? reason.kind : 'cancelled';
    if (kind === 'shutdown' || kind === 'lease_lost') {
      // Handed back to the queue: another attempt will run it; nothing failed yet.
      await this.d.repo.updateStage(recordingId, stage, { state: 'queued', progress: 0 });
    } else {
      const permanent =
        err instanceof PermanentJobError ||
        (err instanceof AppError && err.status < 500) ||
        kind === 'cancelled';
      const last = permanent || ctx.attempt >= options.maxAttempts;
      await this.d.repo.updateStage(recordingId, stage, {
        state: last ? 'failed' : 'queued',
        error: last
          ? message
          : `Attempt ${ctx.attempt} of ${options.maxAttempts} failed: ${message}; retrying.`,
        finished_at: last ? codec.now() : null,
      });
    }
    await this.recompute(recordingId);
  }
}
