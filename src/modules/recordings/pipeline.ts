import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline as streamPipeline } from 'node:stream/promises';
import type { Logger } from 'pino';
import { AppError } from '../../errors.js';
import { codec } from '../../platform/db/codec.js';
import { Type } from 'typebox';
import { Id } from '../../platform/http/schemas.js';
import {
  defineJob,
  JobAbortedError,
  PermanentJobError,
  type JobContext,
  type JobDefinition,
  type JobQueue,
} from '../../platform/queue/index.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { EventPublisher } from '../../platform/events/publisher.js';
import type { UsageService } from '../usage/usage.service.js';
import { derivedKey } from './blob-keys.js';
import type { Recording, RecordingsRepository } from './recordings.repository.js';
import { overallStatus, PIPELINE_STAGES, type StageName } from './stages.js';
import { recordingEventData } from './recording-events.js';

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

/** Every pipeline job takes the recording id and nothing else; the row holds the rest. */
export const StagePayload = Type.Object({ recording_id: Id('rec') }, { additionalProperties: false });

/** A stage's job, declared once: its queue settings and the work it does on a recording. */
export interface StageSpec {
  stage: StageName;
  /** The queue's job name, `recording.<stage>`. */
  name: string;
  /** How many of this stage one worker process runs at once (CPU-bound stages: 1). */
  concurrency: number;
  /** Backstop for a hung run; engines keep their own, tighter limits. */
  timeoutMs: number;
  maxAttempts?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Engine recorded when the stage starts; the work may refine it with setEngine. */
  engine?: string;
  /** Stages whose output this one reads (see STAGE_INPUTS). */
  inputs?: readonly StageName[];
  work: (rec: Recording, run: StageRun) => Promise<void>;
}

/** A stage outcome other than `done`: the work decided it does not apply or cannot run. */
export class StageSkipped extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'StageSkipped';
  }
}

/**
 * Which earlier stages' outputs a stage reads. When one of them runs again (a retry),
 * the stages that read it run again after it so their outputs follow; a stage that
 * does not read it is left alone (retrying the playback transcode must not redo the
 * transcript). A stage missing here is assumed to read every earlier stage: re-running
 * too much is slower, re-running too little leaves stale results.
 */
export const STAGE_INPUTS: Partial<Record<StageName, readonly StageName[]>> = {
  probe: [],
  // Media, frames and transcribe read the original; probe only tells them what it holds.
  media: ['probe'],
  frames: ['probe'],
  ocr: ['frames'],
  transcribe: ['probe'],
};

/**
 * The stage bookkeeping every pipeline job shares: state transitions with timings,
 * attempts and errors on `recording_stages`, the overall status on `recordings`, and
 * handing over to the next stage. A stage is run by exactly one job, registered with
 * `registerStage`; stages with no job stay `queued` (nothing claims they ran).
 *
 * Stages run one after another. A stage that ends (done, skipped, or failed for good)
 * hands over to the next, so a damaged file fails the stages that need the damaged part
 * while the others still run on what exists; a stage whose input is missing skips
 * itself with the reason. Retry re-queues the failed stages and starts the earliest;
 * each hand-over then also re-runs finished stages that read a re-run stage's output
 * (STAGE_INPUTS), so results never mix an old and a new input.
 *
 * Pipeline stages (media, frames, …) plug in by declaring their job once here; the work
 * runs inside `runStage`:
 *
 *   pipeline.defineStage({ stage: 'media', name: 'recording.media', concurrency: 1,
 *     timeoutMs: …, engine: 'ffmpeg', work: async (rec, run) => { … } });
 */
export class RecordingPipeline {
  private readonly stageJobs = new Map<StageName, JobDefinition<{ recording_id: string }>>();
  private readonly stageInputs = new Map<StageName, readonly StageName[]>();

  constructor(
    private readonly d: {
      repo: RecordingsRepository;
      queue: JobQueue;
      blobs: BlobStore;
      usage: UsageService;
      logger: Logger;
      /** Scratch space for local copies of blobs (ffmpeg and friends need files). */
      workDir: string;
      /** recording.ready / recording.failed go out here (webhooks). */
      events?: EventPublisher;
    },
  ) {}

  /** Defines a stage's job from its spec, registers it here, and returns it for the queue. */
  defineStage(spec: StageSpec): JobDefinition<{ recording_id: string }> {
    const maxAttempts = spec.maxAttempts ?? 3;
    const job = defineJob({
      name: spec.name,
      schema: StagePayload,
      concurrency: spec.concurrency,
      maxAttempts,
      backoff: spec.backoff ?? { baseMs: 5_000, maxMs: 120_000 },
      timeoutMs: spec.timeoutMs,
      handler: (payload, ctx) =>
        this.runStage(
          payload.recording_id,
          spec.stage,
          ctx,
          { engine: spec.engine ?? null, maxAttempts },
          spec.work,
        ),
    });
    this.registerStage(spec.stage, job, spec.inputs ? { inputs: spec.inputs } : {});
    return job;
  }

  registerStage(
    stage: StageName,
    job: JobDefinition<{ recording_id: string }>,
    opts: { inputs?: readonly StageName[] } = {},
  ): void {
    this.stageJobs.set(stage, job);
    if (opts.inputs) this.stageInputs.set(stage, opts.inputs);
  }

  hasJob(stage: StageName): boolean {
    return this.stageJobs.has(stage);
  }

  /** Starts processing a recording whose original just landed: the first stage's job. */
  async start(recordingId: string): Promise<void> {
    await this.enqueue(recordingId, PIPELINE_STAGES[0]);
  }

  /**
   * Continues a recording whose stages were put back to `queued` (retry): the earliest
   * queued stage runs, and hand-overs take it from there, one stage at a time.
   */
  async resume(recordingId: string): Promise<void> {
    const next = (await this.d.repo.stages(recordingId)).find((s) => s.state === 'queued');
    if (next) await this.enqueue(recordingId, next.stage);
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

  /**
   * Removes an output an earlier run stored (frames of a previous sampling, a thumbnail
   * the new run did not make) and takes its bytes off the stored counts.
   */
  async removeDerived(rec: Recording, key: string): Promise<void> {
    if (!key.startsWith(derivedKey(rec.workspace_id, rec.id, ''))) {
      throw new Error('removeDerived only removes outputs of the recording it is given.');
    }
    const stat = await this.d.blobs.stat(key);
    if (!stat) return;
    await this.d.blobs.delete(key);
    await this.d.repo.addStoredBytes(rec.id, -stat.size);
    await this.d.usage.add(rec.workspace_id, 'storage_bytes', -stat.size);
  }

  /** withLocalCopy for several blobs at once (e.g. a batch of frames for OCR), in order. */
  async withLocalCopies<T>(
    keys: readonly string[],
    signal: AbortSignal,
    fn: (files: string[]) => Promise<T>,
  ): Promise<T> {
    const copy = async (i: number, files: string[]): Promise<T> =>
      i === keys.length
        ? fn(files)
        : this.withLocalCopy(keys[i]!, signal, (file) => copy(i + 1, [...files, file]));
    return copy(0, []);
  }

  /** Re-derives the recording's overall status from its stages (not while uploading). */
  async recompute(recordingId: string): Promise<void> {
    const [rec, stages] = await Promise.all([this.d.repo.find(recordingId), this.d.repo.stages(recordingId)]);
    if (!rec || rec.status === 'uploading' || (rec.status === 'failed' && !rec.original_key)) return;
    let status = overallStatus(stages.map((s) => s.state));
    // After a failure later stages still run: the recording is not `failed` until they have.
    const waiting = stages.find((s) => s.state === 'queued');
    if (status === 'failed' && waiting && this.stageJobs.has(waiting.stage)) status = 'processing';
    if (status === rec.status) return;
    const failed = stages.find((s) => s.state === 'failed');
    const becameReady = status === 'ready' && rec.processed_at === null;
    const updated = await this.d.repo.update(recordingId, {
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
    if (updated && (status === 'ready' || status === 'failed')) {
      // Never throws: a subscriber's trouble is not the pipeline's.
      await this.d.events?.publish(rec.workspace_id, `recording.${status}`, recordingEventData(updated));
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
    await this.handOver(recordingId, stage);
    await this.recompute(recordingId);
  }

  /**
   * Starts what follows a stage that ended: the next stage still to run, or a finished
   * one that reads this stage's output (it is re-run, see STAGE_INPUTS). Finished stages
   * that do not read it are passed over; a running one will hand over itself.
   */
  private async handOver(recordingId: string, from: StageName): Promise<void> {
    const stages = await this.d.repo.stages(recordingId);
    for (const stage of PIPELINE_STAGES.slice(PIPELINE_STAGES.indexOf(from) + 1)) {
      const state = stages.find((s) => s.stage === stage)?.state;
      if (state === undefined || state === 'running') return;
      if (state === 'queued') {
        await this.enqueue(recordingId, stage);
        return;
      }
      if (this.inputsOf(stage).includes(from) && this.stageJobs.has(stage)) {
        await this.d.repo.updateStage(recordingId, stage, {
          state: 'queued',
          progress: 0,
          error: null,
          started_at: null,
          finished_at: null,
        });
        await this.enqueue(recordingId, stage);
        return;
      }
    }
  }

  private inputsOf(stage: StageName): readonly StageName[] {
    return (
      this.stageInputs.get(stage) ??
      STAGE_INPUTS[stage] ??
      PIPELINE_STAGES.slice(0, PIPELINE_STAGES.indexOf(stage))
    );
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
      if (last) await this.handOver(recordingId, stage);
    }
    await this.recompute(recordingId);
  }
}
