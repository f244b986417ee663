import path from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AccessService } from '../../platform/auth/access.js';
import type { DB } from '../../platform/db/schema.js';
import type { EventPublisher } from '../../platform/events/publisher.js';
import type { JobDefinition, JobQueue } from '../../platform/queue/index.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { UsageService } from '../usage/usage.service.js';
import { PLANS } from '../workspaces/plans.js';
import type { Prober } from './media-info.js';
import { RecordingPipeline } from './pipeline.js';
import { ffprobeProber } from './probe-adapter.js';
import { recordingJobs } from './recording.jobs.js';
import { RecordingsRepository } from './recordings.repository.js';
import { FramesRepository } from './frames.repository.js';
import { SegmentsRepository } from './segments.repository.js';
import { ContextRepository } from './context.repository.js';
import { RecordingsService, type ShareLookup } from './recordings.service.js';
import { Spool } from './spool.js';
import { RedisTusLocker } from './tus-redis-locker.js';
import type { MaintenanceSweep } from '../../platform/jobs/maintenance.js';
import { TusUploads } from './tus.js';
import { tusStorageFor } from './tus-storage.js';
import { UploadsService } from './uploads.service.js';
import { recordingsLibrary, type RecordingsLibrary } from './recordings-library.js';
import { FramesService } from './frames.service.js';
import { mediaStageJobs } from './stages/media-stages.js';
import { loadEngineConfig, type EngineConfig } from '../../engines/asr/engine-config.js';
import { selectSpeechToText } from '../../engines/asr/select.js';
import { selectLanguageModel } from '../../engines/llm/select.js';
import { ContextService } from './context.service.js';
import { transcribeJob } from './stages/transcribe.job.js';
import { enrichJob } from './stages/enrich.job.js';
import { routes, type IrisModule } from '../../platform/modules/iris-module.js';
import { recordingsRoutes } from './recordings.routes.js';
import { contextRoutes } from './context.routes.js';
import { framesRoutes } from './frames.routes.js';
import { tusRoutes } from './tus.routes.js';

export interface RecordingsModuleDeps {
  db: Kysely<DB>;
  access: AccessService;
  audit: AuditWriter;
  usage: UsageService;
  blobs: BlobStore;
  queue: JobQueue;
  logger: Logger;
  dataDir: string;
  /** Partial tus uploads with local blob storage; shared by every API process of a deployment. */
  tusDir: string;
  /** With Redis, tus upload locks are shared across processes too. */
  redisUrl?: string | undefined;
  publicUrl: string;
  apiPrefix: string;
  /** Defaults to ffprobe from src/engines/ffmpeg. */
  probe?: Prober;
  /** Unfinished uploads untouched this long are removed by the maintenance prune. Default 7 days. */
  abandonedUploadMs?: number;
  /** Speech-to-text and LLM for the transcribe and enrich stages (Config.engines); defaults to auto-detection. */
  engines?: EngineConfig;
  /** Share state for GET /recordings/:id (the sharing module). */
  shares?: ShareLookup;
  /** Where recording.ready / .failed / .deleted are published (the webhooks module). */
  events?: EventPublisher;
}

export interface RecordingsModule extends IrisModule {
  repo: RecordingsRepository;
  frames: FramesRepository;
  segments: SegmentsRepository;
  context: ContextRepository;
  recordings: RecordingsService;
  /** GET /context, /latest/context and /transcript. */
  contextService: ContextService;
  /** GET /recordings/:id/frames. */
  framesService: FramesService;
  uploads: UploadsService;
  /** How other modules put what they record in the library. */
  library: RecordingsLibrary;
  tus: TusUploads;
  /** Stage bookkeeping for the pipeline jobs (see pipeline.ts for how a stage plugs in). */
  pipeline: RecordingPipeline;
  /** Job definitions to register on the queue (the pipeline's stages so far: probe). */
  jobs: JobDefinition<unknown>[];
  init(): Promise<void>;
  close(): Promise<void>;
}

const ABANDONED_UPLOAD_MS = 7 * 24 * 3600_000;

/** What happens to a recording that webhook subscribers hear about (data: recording-events.ts). */
const RECORDING_EVENTS = [
  { name: 'recording.ready', description: 'Every stage of the pipeline finished or was skipped.' },
  { name: 'recording.failed', description: 'A stage failed and the recording will not become ready.' },
  { name: 'recording.deleted', description: 'The recording and its files were deleted.' },
];

/** Wires the recordings core: repository, upload paths, tus, reading, and the pipeline's first stage. */
export function createRecordingsModule(deps: RecordingsModuleDeps): RecordingsModule {
  const repo = new RecordingsRepository(deps.db);
  const frames = new FramesRepository(deps.db);
  const segments = new SegmentsRepository(deps.db);
  const context = new ContextRepository(deps.db);
  const probe = deps.probe ?? ffprobeProber;
  const uploadsDir = path.join(deps.dataDir, 'uploads');
  const logger = deps.logger.child({ module: 'recordings' });
  const pipeline = new RecordingPipeline({
    repo,
    queue: deps.queue,
    blobs: deps.blobs,
    usage: deps.usage,
    logger,
    workDir: path.join(deps.dataDir, 'work'),
    ...(deps.events ? { events: deps.events } : {}),
  });
  const spool = new Spool(path.join(uploadsDir, 'spool'));
  const uploads = new UploadsService({
    repo,
    access: deps.access,
    audit: deps.audit,
    usage: deps.usage,
    blobs: deps.blobs,
    pipeline,
    probe,
    spool,
    logger,
    publicUrl: deps.publicUrl,
    apiPrefix: deps.apiPrefix,
  });
  const tusLocker = deps.redisUrl ? new RedisTusLocker(deps.redisUrl, logger) : undefined;
  const tus = new TusUploads({
    uploads,
    logger,
    storage: tusStorageFor(deps.blobs, { directory: deps.tusDir, spool, redis: tusLocker?.redis }),
    ...(tusLocker ? { locker: tusLocker } : {}),
    path: `${deps.apiPrefix}/uploads/tus`,
  });
  const recordings = new RecordingsService({
    repo,
    access: deps.access,
    audit: deps.audit,
    usage: deps.usage,
    blobs: deps.blobs,
    pipeline,
    logger,
    onDelete: (rec) => tus.discard(rec.id),
    ...(deps.shares ? { shares: deps.shares } : {}),
    ...(deps.events ? { events: deps.events } : {}),
  });
  const jobs = recordingJobs({ repo, pipeline, probe }) as JobDefinition<unknown>[];
  jobs.push(
    ...(mediaStageJobs({
      pipeline,
      repo,
      frames,
      logger,
      workDir: path.join(deps.dataDir, 'work'),
    }) as JobDefinition<unknown>[]),
  );
  const framesService = new FramesService({ repo, access: deps.access, frames, blobs: deps.blobs });
  const engines = deps.engines ?? loadEngineConfig({});
  jobs.push(
    transcribeJob({
      pipeline,
      segments,
      context,
      selectSpeechToText: () => selectSpeechToText(engines),
      logger,
      workDir: path.join(deps.dataDir, 'work'),
    }) as JobDefinition<unknown>,
    enrichJob({
      pipeline,
      frames,
      segments,
      context,
      llm: selectLanguageModel(engines),
      logger,
    }) as JobDefinition<unknown>,
  );
  const contextService = new ContextService({ repo, access: deps.access, context, segments });
  const maxUploadBytes = Math.max(...Object.values(PLANS).map((p) => p.max_upload_bytes));
  const abandonedUploadsSweep: MaintenanceSweep = {
    name: 'abandoned_uploads',
    async run(now, signal) {
      const before = new Date(now - (deps.abandonedUploadMs ?? ABANDONED_UPLOAD_MS)).toISOString();
      const removed = await uploads.expireAbandoned(before, signal);
      for (const rec of removed) await tus.discard(rec.id);
      return removed.length;
    },
  };
  return {
    name: 'recordings',
    routes: [
      routes(recordingsRoutes, { recordings, uploads, maxUploadBytes }),
      routes(contextRoutes, { context: contextService }),
      routes(framesRoutes, { frames: framesService }),
      routes(tusRoutes, { tus }),
    ],
    sweeps: [abandonedUploadsSweep],
    permissions: [
      'recording:read',
      'recording:playback',
      'recording:download',
      'recording:create',
      'recording:control',
      'recording:edit',
      'recording:delete',
    ],
    webhookEvents: RECORDING_EVENTS,
    repo,
    frames,
    segments,
    context,
    recordings,
    contextService,
    framesService,
    uploads,
    library: recordingsLibrary({ uploads, repo, recordings }),
    tus,
    pipeline,
    jobs,
    init: () => spool.init(),
    close: async () => {
      await tusLocker?.close();
    },
  };
}
