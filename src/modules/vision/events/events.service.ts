import { badRequest, notFound } from '../../../errors.js';
import type { AccessService } from '../../../platform/auth/access.js';
import type { Permission } from '../../../platform/auth/permissions.js';
import type { Principal } from '../../../platform/auth/principal.js';
import { serveBlobFile, type FileRequest, type FileResponse } from '../../../platform/http/blob-file.js';
import type { BlobStore, GetResult } from '../../../platform/storage/index.js';
import type { AuditWriter } from '../../audit/audit.service.js';
import type { RecordingsLibrary } from '../../recordings/recordings-library.js';
import type { CameraDataOwner } from '../cameras/cameras.service.js';
import { cameraPrefix, eventPrefix } from './event-keys.js';
import type { CameraEvent, EventFilters, EventsRepository } from './events.repository.js';

/** Spec 001's chunk for clear-all. */
const CHUNK = 200;

export interface EventQuery {
  workspace_id?: string | undefined;
  camera_id?: string | undefined;
  person_id?: string | undefined;
  label?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  limit: number;
  offset: number;
}

/** An event as the API shows it: storage keys stay inside. */
export type EventView = Omit<CameraEvent, 'thumbnail_key' | 'clip_key' | 'clip_due_at'> & {
  has_thumbnail: boolean;
  has_clip: boolean;
  duration_seconds: number | null;
};

export const eventView = ({ thumbnail_key, clip_key, clip_due_at: _due, ...e }: CameraEvent): EventView => ({
  ...e,
  has_thumbnail: thumbnail_key !== null,
  has_clip: e.recording_id !== null || clip_key !== null,
  duration_seconds: e.ended_at ? (Date.parse(e.ended_at) - Date.parse(e.started_at)) / 1000 : null,
});

/**
 * Camera events (spec 001): read with event:read, deleted with event:delete; a deleted
 * event takes its files with it. Also the owner of a camera's recorded data: deleting or
 * repointing a camera purges its events here.
 */
export class EventsService implements CameraDataOwner {
  constructor(
    private readonly d: {
      repo: EventsRepository;
      access: AccessService;
      audit: AuditWriter;
      blobs: BlobStore;
      /** Where clips are recordings; an event's recording is deleted with it. */
      library?: RecordingsLibrary | undefined;
    },
  ) {}

  async list(principal: Principal, q: EventQuery) {
    if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to))
      throw badRequest('from must be before to.', { field: 'from' });
    const access = await this.d.access.require(principal, 'event:read', {
      workspaceId: q.workspace_id,
      action: 'event.list',
    });
    const { items, total } = await this.d.repo.list(this.filters(access.workspaceId, q), q.limit, q.offset);
    return { items: items.map(eventView), total };
  }

  async get(principal: Principal, id: string): Promise<EventView> {
    return eventView(await this.load(principal, id, 'event:read', 'event.read'));
  }

  async thumbnail(principal: Principal, id: string): Promise<GetResult> {
    const e = await this.load(principal, id, 'event:read', 'event.thumbnail');
    if (!e.thumbnail_key) throw notFound('Thumbnail');
    return this.d.blobs.get(e.thumbnail_key);
  }

  /** The clip with Range support (206, suffix ranges, 416), streamed from storage. */
  async clip(principal: Principal, id: string, request: FileRequest): Promise<FileResponse> {
    const e = await this.load(principal, id, 'event:read', 'event.clip');
    const key = e.recording_id
      ? (await this.d.library?.storedFile(e.recording_id))?.key
      : (e.clip_key ?? undefined);
    if (!key) throw notFound('Clip');
    return serveBlobFile(
      this.d.blobs,
      key,
      'video/mp4',
      request,
      'The clip of this event is missing from storage.',
      'private, max-age=300',
    );
  }

  async delete(principal: Principal, id: string): Promise<void> {
    const e = await this.load(principal, id, 'event:delete', 'event.delete');
    await this.remove([e]);
    await this.audited(principal, e.workspace_id, 'event.delete', [e.id]);
  }

  /** Spec 001's bulk-delete: ids of the caller's workspace; others are not found. */
  async bulkDelete(principal: Principal, workspaceId: string | undefined, ids: readonly string[]) {
    const access = await this.d.access.require(principal, 'event:delete', {
      workspaceId,
      action: 'event.bulk_delete',
    });
    const found = (await Promise.all([...new Set(ids)].map((id) => this.d.repo.get(id)))).filter(
      (e): e is CameraEvent => e !== undefined && e.workspace_id === access.workspaceId,
    );
    const deleted = await this.remove(found);
    await this.audited(
      principal,
      access.workspaceId,
      'event.bulk_delete',
      found.map((e) => e.id),
    );
    return { deleted, not_found: ids.length - found.length };
  }

  async clearAll(
    principal: Principal,
    body: {
      confirm: boolean;
      workspace_id?: string | undefined;
      camera_id?: string | undefined;
      label?: string | undefined;
    },
  ) {
    if (body.confirm !== true) throw badRequest('clear-all needs "confirm": true.', { field: 'confirm' });
    const access = await this.d.access.require(principal, 'event:delete', {
      workspaceId: body.workspace_id,
      action: 'event.clear_all',
    });
    const filters = this.filters(access.workspaceId, body);
    let deleted = 0;
    for (;;) {
      const { items: chunk } = await this.d.repo.list(filters, CHUNK, 0);
      if (chunk.length === 0) break;
      deleted += await this.remove(chunk);
    }
    await this.audited(principal, access.workspaceId, 'event.clear_all', [], {
      deleted,
      camera_id: body.camera_id ?? null,
      label: body.label ?? null,
    });
    return { deleted };
  }

  async purgeCamera(camera: { id: string; workspace_id: string }): Promise<void> {
    await this.remove(await this.d.repo.ofCamera(camera.id));
    await this.d.blobs.deletePrefix(cameraPrefix(camera.workspace_id, camera.id));
  }

  /** Files first, then rows: a crash between leaves a row whose files are gone (404), never orphaned files. */
  private async remove(events: readonly CameraEvent[]): Promise<number> {
    for (const e of events) {
      if (e.recording_id) await this.d.library?.remove(e.recording_id);
      await this.d.blobs.deletePrefix(eventPrefix(e.workspace_id, e.camera_id, e.id));
    }
    return this.d.repo.deleteMany(events.map((e) => e.id));
  }

  private filters(workspaceId: string, q: Omit<EventQuery, 'limit' | 'offset'>): EventFilters {
    return {
      workspaceId,
      cameraId: q.camera_id,
      personId: q.person_id,
      label: q.label,
      from: q.from,
      to: q.to,
    };
  }

  private async load(principal: Principal, id: string, permission: Permission, action: string) {
    const e = await this.d.repo.get(id);
    if (!e) throw notFound('Event');
    await this.d.access.require(principal, permission, {
      workspaceId: e.workspace_id,
      action,
      target: { type: 'event', id },
    });
    return e;
  }

  private audited(principal: Principal, workspaceId: string, action: string, ids: string[], extra = {}) {
    return this.d.audit.record(principal, {
      workspaceId,
      action,
      permission: 'event:delete',
      target: { type: 'event', ...(ids.length === 1 ? { id: ids[0] } : {}) },
      before: { ids: ids.slice(0, 1000), ...extra },
    });
  }
}
