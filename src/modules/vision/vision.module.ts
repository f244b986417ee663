import { hostname } from 'node:os';
import path from 'node:path';
import { SegmentBuffer } from './recording/segment-buffer.js';
import { humanModelsDir } from '../../engines/detect/human.js';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { SelectedDetector } from '../../engines/detect/select.js';
import type { AccessService } from '../../platform/auth/access.js';
import { CAMERA_URLS, SecretBox } from '../../platform/crypto/secret-box.js';
import type { DB } from '../../platform/db/schema.js';
import { routes, type IrisModule } from '../../platform/modules/iris-module.js';
import type { AuditWriter } from '../audit/audit.service.js';
import { CamerasRepository, type RunnableCamera } from './cameras/cameras.repository.js';
import { CameraDetection, emptyDetectionStats, type DetectionStats } from './detection/camera-detection.js';
import { EventsRepository } from './events/events.repository.js';
import { eventsRoutes } from './events/events.routes.js';
import { EventsService } from './events/events.service.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { RecordingsLibrary } from '../recordings/recordings-library.js';
import { camerasRoutes } from './cameras/cameras.routes.js';
import { CamerasService, type CameraDataOwner } from './cameras/cameras.service.js';
import { FrameHub } from './live/frame-hub.js';
import { liveRoutes } from './live/live.routes.js';
import { LiveService } from './live/live.service.js';
import { StartSigner } from './live/signed-start.js';
import { ManualRecordings } from './live/manual-recordings.js';
import { HlsSessions, type HlsOptions } from './live/hls-sessions.js';
import { CAMERA_WEBHOOK_EVENTS, EventAnnouncer } from './events/event-announcer.js';
import { noBroker, type MessageBroker } from '../../platform/mqtt/broker.js';
import type { EventPublisher } from '../../platform/events/publisher.js';
import { registerVisionTools } from './vision.mcp.js';
import { SystemService } from './system/system.service.js';
import { systemRoutes } from './system/system.routes.js';
import { CameraLeasesRepository } from './workers/camera-leases.repository.js';
import { CameraSupervisor, type SupervisorOptions } from './workers/supervisor.js';

export interface VisionModuleDeps {
  db: Kysely<DB>;
  access: AccessService;
  audit: AuditWriter;
  logger: Logger;
  /** The instance secret: RTSP URLs are sealed under a key derived from it. */
  secret: string;
  blobs: BlobStore;
  /** Where event clips become recordings (source camera). */
  library?: RecordingsLibrary;
  /** IRIS_DATA_DIR: camera segment buffers live under cameras/<id>/segments there. */
  dataDir: string;
  /** The detector (engines/detect/select.ts) and its status. */
  detector: SelectedDetector;
  version: string;
  /** Where camera events and availability are announced over MQTT (default: nowhere). */
  broker?: MessageBroker;
  /** The webhooks bus: camera.event.* (CAMERA_WEBHOOK_EVENTS). */
  events?: EventPublisher;
  /** Live HLS sessions (spec 001); defaults in hls-sessions.ts. */
  hls?: Partial<HlsOptions>;
  /** Spec 001's status_stale_seconds. */
  staleSeconds?: number;
  /** Supervisor tuning (tests). */
  supervisor?: Partial<Pick<SupervisorOptions, 'leaseSeconds' | 'pollMs' | 'worker' | 'holder'>>;
}

export interface VisionModule extends IrisModule {
  cameras: CamerasService;
  /** Where workers write their heartbeats (tests write their own). */
  camerasRepo: CamerasRepository;
  live: LiveService;
  hls: HlsSessions;
  hub: FrameHub;
  events: EventsService;
  /** Where workers record events (tests write their own). */
  eventsRepo: EventsRepository;
  /** What a camera's frames go through in the process running its worker. */
  sinkFor(camera: RunnableCamera): CameraDetection;
  detectionStats: DetectionStats;
  supervisor: CameraSupervisor;
}

/** Vision (spec 001): cameras and their workers, at /api/v1 and spec 001's /api. */
export function createVisionModule(deps: VisionModuleDeps): VisionModule {
  const repo = new CamerasRepository(deps.db);
  const box = new SecretBox(deps.secret, CAMERA_URLS);
  const logger = deps.logger.child({ module: 'vision' });
  const hub = new FrameHub(deps.db);
  const eventsRepo = new EventsRepository(deps.db);
  const events = new EventsService({
    repo: eventsRepo,
    access: deps.access,
    audit: deps.audit,
    blobs: deps.blobs,
    library: deps.library,
  });
  const announce = new EventAnnouncer({ broker: deps.broker ?? noBroker, webhooks: deps.events });
  const detectionStats = emptyDetectionStats();
  const sinkFor = (camera: RunnableCamera) =>
    new CameraDetection({
      camera,
      buffer: new SegmentBuffer(path.join(deps.dataDir, 'cameras', camera.id, 'segments')),
      detector: deps.detector.detector,
      hub,
      events: eventsRepo,
      blobs: deps.blobs,
      library: deps.library,
      logger,
      stats: detectionStats,
      announce,
      lastSeen: async () => (await repo.heartbeats([camera.id])).get(camera.id)?.seen_at,
    });
  const holder = deps.supervisor?.holder ?? `${hostname()}:${process.pid}`;
  const leases = new CameraLeasesRepository(deps.db);
  const supervisor = new CameraSupervisor({
    cameras: repo,
    sink: sinkFor,
    leases,
    box,
    logger,
    holder,
    onState: (id, state) => announce.cameraState(id, state),
    ...deps.supervisor,
  });
  const cameras = new CamerasService({
    repo,
    access: deps.access,
    audit: deps.audit,
    box,
    workers: supervisor,
    detector: deps.detector.status,
    owners: (): CameraDataOwner[] => [events, hls],
    ...(deps.staleSeconds !== undefined ? { staleSeconds: deps.staleSeconds } : {}),
  });
  const live = new LiveService({ cameras, hub });
  const hls = new HlsSessions({
    cameras,
    dir: path.join(deps.dataDir, 'hls'),
    logger,
    ...(deps.hls ? { options: deps.hls } : {}),
  });
  const manual = new ManualRecordings({
    cameras,
    hub,
    events: eventsRepo,
    blobs: deps.blobs,
    audit: deps.audit,
    signer: new StartSigner(deps.secret),
    announce,
  });
  const system = new SystemService({
    version: deps.version,
    detector: deps.detector.status,
    modelPaths: modelPaths(deps.detector),
    leases,
    holder,
  });
  return {
    name: 'vision',
    live,
    hls,
    hub,
    events,
    eventsRepo,
    sinkFor,
    detectionStats,
    cameras,
    camerasRepo: repo,
    supervisor,
    routes: [
      routes(camerasRoutes, { cameras }),
      routes(liveRoutes, { live, manual, hls }),
      routes(systemRoutes, { system }),
      routes(eventsRoutes, { events }),
      // Spec 001's own paths, by the same handlers.
      routes(camerasRoutes, { cameras, prefix: '/api' }, 'root'),
      routes(liveRoutes, { live, manual, hls, prefix: '/api' }, 'root'),
      routes(systemRoutes, { system, prefix: '/api' }, 'root'),
      routes(eventsRoutes, { events, prefix: '/api' }, 'root'),
    ],
    webhookEvents: CAMERA_WEBHOOK_EVENTS,
    permissions: ['camera:read', 'camera:manage', 'live:view', 'live:record', 'event:read', 'event:delete'],
    mcp(server, principal) {
      registerVisionTools(server, principal, {
        cameras,
        events,
        live,
        logger: deps.logger.child({ component: 'mcp' }),
      });
    },
    async startWorkers() {
      supervisor.start();
    },
    async stopWorkers() {
      await supervisor.close();
    },
    async workerHealth() {
      const held = supervisor.held();
      return [
        {
          name: `cameras@${deps.supervisor?.holder ?? `${hostname()}:${process.pid}`}`,
          status: 'running',
          cameras: held.length,
          camera_ids: held,
        },
      ];
    },
    async close() {
      await hls.closeAll();
      await supervisor.close();
      await deps.detector.detector?.close();
    },
  };
}

/** Where the detector's weights are read from, for /system. */
function modelPaths(selected: SelectedDetector): { detector: string | null; faces: string | null } {
  if (!selected.detector) return { detector: null, faces: null };
  const dir = humanModelsDir();
  return {
    detector: dir ? `${dir}/centernet.json` : null,
    faces: dir ? `${dir}/blazeface.json + faceres.json` : null,
  };
}
