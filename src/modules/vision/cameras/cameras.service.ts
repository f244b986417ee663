import { COCO_CLASSES, DEFAULT_TRIGGER_CLASSES, isCocoClass } from '../../../engines/detect/coco.js';
import type { DetectorStatus } from '../../../engines/detect/port.js';
import { badRequest, notFound } from '../../../errors.js';
import type { AccessService } from '../../../platform/auth/access.js';
import type { Permission } from '../../../platform/auth/permissions.js';
import type { Principal } from '../../../platform/auth/principal.js';
import type { SecretBox } from '../../../platform/crypto/secret-box.js';
import type { Page } from '../../../platform/http/pagination.js';
import { newId } from '../../../platform/ids.js';
import type { AuditWriter } from '../../audit/audit.service.js';
import { cameraStatus, STATUS_STALE_SECONDS } from './camera-status.js';
import type { CamerasRepository } from './cameras.repository.js';
import {
  CAMERA_DEFAULTS,
  WORKER_FIELDS,
  type Camera,
  type CameraSettings,
  type CameraStatus,
} from './cameras.types.js';
import { checkRtspUrl, keepsStoredUrl, maskRtspUrl } from './rtsp-url.js';

export interface CameraInput extends Partial<CameraSettings> {
  rtsp_url?: string | undefined;
  workspace_id?: string | undefined;
}

/** A camera with its derived status, as lists and reads return it. */
export type CameraView = Camera & Pick<CameraStatus, 'status' | 'last_seen' | 'fps'>;

/** What runs cameras: told of every change that concerns a camera's worker. */
export interface CameraWorkerControl {
  /** The camera was created, enabled, or its URL or tuning changed: (re)start its worker. */
  restart(cameraId: string): Promise<void>;
  /** Disabled or about to be deleted: stop its worker and let it go. */
  stop(cameraId: string): Promise<void>;
}

/**
 * What else holds data about a camera (events, clips, identities, HLS sessions, as the
 * vision module grows): purged when the camera is deleted, or repointed at another
 * physical camera (spec 001: a new RTSP URL purges its history).
 */
export interface CameraDataOwner {
  purgeCamera(camera: Pick<Camera, 'id' | 'workspace_id'>, why: 'deleted' | 'repointed'): Promise<void>;
}

export interface CamerasServiceDeps {
  repo: CamerasRepository;
  access: AccessService;
  audit: AuditWriter;
  /** SecretBox for CAMERA_URLS. */
  box: SecretBox;
  workers: CameraWorkerControl;
  detector: () => DetectorStatus;
  owners?: () => readonly CameraDataOwner[];
  now?: () => number;
  staleSeconds?: number;
}

/**
 * Cameras (spec 001): a workspace's RTSP sources. Reading needs camera:read, changing
 * camera:manage. The RTSP URL is written once and never read back: responses, audit
 * entries and errors carry only its masked form; the worker opens the sealed one.
 */
export class CamerasService {
  constructor(private readonly d: CamerasServiceDeps) {}

  async create(principal: Principal, input: CameraInput): Promise<CameraView> {
    if (input.rtsp_url === undefined || keepsStoredUrl(input.rtsp_url))
      throw badRequest('rtsp_url is required (rtsp://user:pass@host/path).', { field: 'rtsp_url' });
    if (!input.name?.trim()) throw badRequest('name is required.', { field: 'name' });
    const url = checkRtspUrl(input.rtsp_url);
    const access = await this.d.access.require(principal, 'camera:manage', {
      workspaceId: input.workspace_id,
      action: 'camera.create',
      target: { type: 'camera' },
    });
    const id = newId('cam');
    const settings: CameraSettings = {
      ...CAMERA_DEFAULTS,
      ...definedOnly(input),
      name: input.name.trim(),
    };
    settings.trigger_classes = triggerClasses(settings.trigger_classes);
    const camera = await this.d.repo.create({
      ...settings,
      id,
      workspace_id: access.workspaceId,
      rtsp_url_sealed: this.d.box.seal(url, id),
      rtsp_url_masked: maskRtspUrl(url),
      created_by: principal.userId ?? null,
    });
    await this.audited(principal, camera, 'camera.create', undefined, camera);
    if (camera.enabled) await this.d.workers.restart(camera.id);
    return this.view(camera);
  }

  async list(principal: Principal, workspaceId: string | undefined, page: Page) {
    const access = await this.d.access.require(principal, 'camera:read', {
      workspaceId,
      action: 'camera.list',
    });
    const { items, total } = await this.d.repo.list(access.workspaceId, page);
    const beats = await this.d.repo.heartbeats(items.map((c) => c.id));
    const detector = this.d.detector();
    const now = this.now();
    return {
      items: items.map((c) => withStatus(c, cameraStatus(c, beats.get(c.id), detector, now, this.stale))),
      total,
    };
  }

  async get(principal: Principal, id: string): Promise<CameraView> {
    return this.view(await this.load(principal, id, 'camera:read', 'camera.read'));
  }

  async status(principal: Principal, id: string): Promise<CameraStatus> {
    const camera = await this.load(principal, id, 'camera:read', 'camera.status');
    return this.statusOf(camera);
  }

  async update(principal: Principal, id: string, input: CameraInput): Promise<CameraView> {
    const before = await this.load(principal, id, 'camera:manage', 'camera.update');
    const changes: Partial<CameraSettings> & { rtsp_url_sealed?: string; rtsp_url_masked?: string } =
      definedOnly(input);
    if (changes.name !== undefined) {
      if (!changes.name.trim()) throw badRequest('name must not be empty.', { field: 'name' });
      changes.name = changes.name.trim();
    }
    if (changes.trigger_classes !== undefined)
      changes.trigger_classes = triggerClasses(changes.trigger_classes);
    let repointed = false;
    if (!keepsStoredUrl(input.rtsp_url)) {
      const url = checkRtspUrl(input.rtsp_url!);
      const sealed = await this.d.repo.sealedUrl(id);
      const current = sealed ? this.d.box.open(sealed, id) : undefined;
      if (url !== current) {
        changes.rtsp_url_sealed = this.d.box.seal(url, id);
        changes.rtsp_url_masked = maskRtspUrl(url);
        repointed = true;
      }
    }
    if (repointed) {
      // Another physical camera: what was recorded from the old one goes (spec 001).
      await this.d.workers.stop(id);
      await this.d.repo.clearHeartbeat(id);
      for (const owner of this.d.owners?.() ?? []) await owner.purgeCamera(before, 'repointed');
    }
    const after = (await this.d.repo.update(id, changes)) ?? before;
    await this.audited(principal, after, 'camera.update', before, after, repointed);
    const retune = WORKER_FIELDS.some((f) => changes[f] !== undefined && changes[f] !== before[f]);
    if (!after.enabled) {
      if (before.enabled) {
        await this.d.workers.stop(id);
        await this.d.repo.clearHeartbeat(id);
      }
    } else if (!before.enabled || repointed || retune) {
      await this.d.workers.restart(id);
    }
    return this.view(after);
  }

  /** Recursive (spec 001): worker stopped, everything the camera's owners hold purged, then the row. */
  async delete(principal: Principal, id: string): Promise<void> {
    const camera = await this.load(principal, id, 'camera:manage', 'camera.delete');
    await this.d.workers.stop(id);
    for (const owner of this.d.owners?.() ?? []) await owner.purgeCamera(camera, 'deleted');
    await this.d.repo.delete(id);
    await this.audited(principal, camera, 'camera.delete', camera, undefined);
  }

  /** The classes a camera may trigger on and the default set (spec 001's detect/classes). */
  classes(): { classes: string[]; default: string[]; detector: DetectorStatus } {
    return { classes: [...COCO_CLASSES], default: [...DEFAULT_TRIGGER_CLASSES], detector: this.d.detector() };
  }

  private get stale() {
    return this.d.staleSeconds ?? STATUS_STALE_SECONDS;
  }

  private now() {
    return this.d.now?.() ?? Date.now();
  }

  private async statusOf(camera: Camera): Promise<CameraStatus> {
    const beats = await this.d.repo.heartbeats([camera.id]);
    return cameraStatus(camera, beats.get(camera.id), this.d.detector(), this.now(), this.stale);
  }

  private async view(camera: Camera): Promise<CameraView> {
    return withStatus(camera, await this.statusOf(camera));
  }

  /**
   * The camera's stream for a process that reads it itself (live HLS), once the caller
   * may watch it; the URL carries its credentials and never leaves the server.
   */
  async streamSource(
    principal: Principal,
    id: string,
    action: string,
  ): Promise<{ camera: Camera; url: string; transport: Camera['rtsp_transport'] }> {
    const camera = await this.load(principal, id, 'live:view', action);
    const sealed = await this.d.repo.sealedUrl(id);
    if (!sealed) throw notFound('Camera');
    return { camera, url: this.d.box.open(sealed, id), transport: camera.rtsp_transport };
  }

  /** The camera, once the caller is allowed `permission` on it (404 for another workspace's). */
  async authorize(principal: Principal, id: string, permission: Permission, action: string): Promise<Camera> {
    return this.load(principal, id, permission, action);
  }

  private async load(principal: Principal, id: string, permission: Permission, action: string) {
    const camera = await this.d.repo.get(id);
    if (!camera) throw notFound('Camera');
    await this.d.access.require(principal, permission, {
      workspaceId: camera.workspace_id,
      action,
      target: { type: 'camera', id },
    });
    return camera;
  }

  private audited(
    principal: Principal,
    camera: Camera,
    action: string,
    before?: Camera,
    after?: Camera,
    repointed = false,
  ) {
    // The masked URL only (the camera's own view): the audit log is read by auditors.
    const view = ({ created_at: _c, updated_at: _u, ...rest }: Camera) => rest;
    return this.d.audit.record(principal, {
      workspaceId: camera.workspace_id,
      action,
      permission: 'camera:manage',
      target: { type: 'camera', id: camera.id },
      ...(before ? { before: view(before) } : {}),
      ...(after ? { after: { ...view(after), ...(repointed ? { rtsp_url_changed: true } : {}) } } : {}),
    });
  }
}

const withStatus = (c: Camera, s: CameraStatus): CameraView => ({
  ...c,
  status: s.status,
  last_seen: s.last_seen,
  fps: s.fps,
});

function definedOnly(input: CameraInput): Partial<CameraSettings> {
  const { rtsp_url: _u, workspace_id: _w, ...settings } = input;
  return Object.fromEntries(
    Object.entries(settings).filter(([, v]) => v !== undefined),
  ) as Partial<CameraSettings>;
}

/** Spec 001's csv of COCO classes, normalised ("Person, car" → "person,car"); empty ⇒ person. */
export function triggerClasses(csv: string): string {
  const labels = [
    ...new Set(
      csv
        .split(',')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const unknown = labels.filter((l) => !isCocoClass(l));
  if (unknown.length)
    throw badRequest(
      `trigger_classes has classes the detector does not know: ${unknown.slice(0, 5).join(', ')} (see GET /cameras/detect/classes).`,
      { field: 'trigger_classes' },
    );
  return (labels.length ? labels : DEFAULT_TRIGGER_CLASSES).join(',');
}
