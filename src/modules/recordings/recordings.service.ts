import type { Logger } from 'pino';
import { AppError, conflict, notFound } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import type { Permission } from '../../platform/auth/permissions.js';
import { systemPrincipal, type Principal } from '../../platform/auth/principal.js';
import type { Page } from '../../platform/http/pagination.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { UsageService } from '../usage/usage.service.js';
import { recordingPrefix } from './blob-keys.js';
import { mediaUrls, type MediaUrls } from './media-urls.js';
import type { RecordingPipeline } from './pipeline.js';
import { RangeNotSatisfiable, serveBlobFile, type FileResponse } from '../../platform/http/blob-file.js';
import type { Recording, RecordingsRepository, Stage } from './recordings.repository.js';
import type { RecordingSource, RecordingStatus, StageName } from './stages.js';
import type { EventPublisher } from '../../platform/events/publisher.js';
import { recordingEventData } from './recording-events.js';

/** A recording as the API shows it: storage keys and bookkeeping stay inside. */
export type RecordingView = Omit<
  Recording,
  | 'original_key'
  | 'playback_key'
  | 'playback_content_type'
  | 'stored_bytes'
  | 'upload_method'
  | 'camera_event_id'
> & { event_id: string | null };

export function toView(r: Recording): RecordingView {
  const {
    original_key: _o,
    playback_key: _p,
    playback_content_type: _t,
    stored_bytes: _s,
    upload_method: _u,
    camera_event_id,
    ...view
  } = r;
  return { ...view, event_id: camera_event_id };
}

/**
 * Loads a recording and demands `permission` in its workspace. A missing recording and
 * one in a workspace the caller cannot see both answer 404 "Recording not found".
 */
export async function loadRecording(
  d: { repo: RecordingsRepository; access: AccessService },
  principal: Principal,
  id: string,
  permission: Permission,
  action: string,
): Promise<Recording> {
  const rec = await d.repo.find(id);
  if (!rec) throw notFound('Recording');
  try {
    await d.access.require(principal, permission, {
      workspaceId: rec.workspace_id,
      action,
      target: { type: 'recording', id },
    });
  } catch (err) {
    if (err instanceof AppError && err.code === 'NOT_FOUND') throw notFound('Recording');
    throw err;
  }
  return rec;
}

export interface StageView extends Omit<Stage, 'updated_at'> {
  duration_ms: number | null;
}

export interface StatusView {
  recording_id: string;
  status: RecordingStatus;
  error: string | null;
  progress: number;
  stages: StageView[];
  created_at: string;
  updated_at: string;
  processed_at: string | null;
}

/** What GET/HEAD /video answers: a redirect (S3), or headers and (for GET) a stream. */
export type VideoResponse = { kind: 'redirect'; url: string } | FileResponse;
export { RangeNotSatisfiable, type FileResponse };

/** Whether a recording has a live public share link (src/modules/sharing provides it). */
export interface RecordingShareInfo {
  shared: boolean;
  share_url: string | null;
}
export interface ShareLookup {
  describe(recordingId: string): Promise<RecordingShareInfo>;
}

/** Presigned S3 links for playback live this long; players re-ask the API after that. */
const PRESIGNED_SECONDS = 3600;

export interface RecordingsDeps {
  repo: RecordingsRepository;
  access: AccessService;
  audit: AuditWriter;
  usage: UsageService;
  blobs: BlobStore;
  pipeline: RecordingPipeline;
  logger: Logger;
  /** Extra cleanup when a recording is deleted (e.g. an unfinished tus upload's file). */
  onDelete?: (rec: Recording) => Promise<void>;
  /** Adds `share` to GET /recordings/:id when given. */
  shares?: ShareLookup;
  /** recording.deleted goes out here (webhooks). */
  events?: EventPublisher;
}

/** Reading, playback, retry and delete of recordings (the upload paths are in uploads.service.ts). */
export class RecordingsService {
  constructor(private readonly d: RecordingsDeps) {}

  async list(
    principal: Principal,
    query: {
      workspace_id?: string | undefined;
      status?: RecordingStatus | undefined;
      source?: RecordingSource | undefined;
      camera_id?: string | undefined;
    },
    page: Page,
  ): Promise<{ items: RecordingView[]; total: number }> {
    const { workspaceId } = await this.d.access.require(principal, 'recording:read', {
      workspaceId: query.workspace_id,
      action: 'recording.list',
    });
    const { items, total } = await this.d.repo.list(
      workspaceId,
      { status: query.status, source: query.source, cameraId: query.camera_id },
      page.limit,
      page.offset,
    );
    return { items: await Promise.all(items.map((r) => this.present(r))), total };
  }

  /** The view plus expiring poster and thumbnail links. */
  private async present(rec: Recording): Promise<RecordingView & MediaUrls> {
    return { ...toView(rec), ...(await mediaUrls(this.d.blobs, rec)) };
  }

  async get(principal: Principal, id: string): Promise<RecordingView & { share?: RecordingShareInfo }> {
    const view = await this.present(
      await loadRecording(this.d, principal, id, 'recording:read', 'recording.read'),
    );
    return this.d.shares ? { ...view, share: await this.d.shares.describe(id) } : view;
  }

  async latest(principal: Principal, workspaceId?: string): Promise<RecordingView> {
    const access = await this.d.access.require(principal, 'recording:read', {
      workspaceId,
      action: 'recording.read',
    });
    const rec = await this.d.repo.latest(access.workspaceId);
    if (!rec) throw new AppError('NOT_FOUND', 'This workspace has no recordings yet.');
    return this.present(rec);
  }

  async status(principal: Principal, id: string): Promise<StatusView> {
    const rec = await loadRecording(this.d, principal, id, 'recording:read', 'recording.read');
    const stages = await this.d.repo.stages(id);
    const finished = stages.filter((s) => s.state === 'done' || s.state === 'skipped').length;
    return {
      recording_id: rec.id,
      status: rec.status,
      error: rec.error,
      progress: stages.length ? Math.round((finished / stages.length) * 1000) / 1000 : 0,
      stages: stages.map(({ updated_at: _u, ...s }) => ({
        ...s,
        duration_ms:
          s.started_at && s.finished_at ? Date.parse(s.finished_at) - Date.parse(s.started_at) : null,
      })),
      created_at: rec.created_at,
      updated_at: rec.updated_at,
      processed_at: rec.processed_at,
    };
  }

  /**
   * Re-queues the failed stages only; 409 when none failed. They run one at a time from
   * the earliest, and a finished stage that reads a retried one's output runs again
   * after it (see RecordingPipeline): retrying frames re-reads the new frames' text,
   * retrying media leaves the transcript alone.
   */
  async retry(
    principal: Principal,
    id: string,
  ): Promise<{ recording_id: string; requeued: StageName[]; status: RecordingStatus }> {
    const rec = await loadRecording(this.d, principal, id, 'recording:control', 'recording.retry');
    if (!rec.original_key) {
      throw conflict(
        rec.status === 'failed'
          ? `The upload failed (${rec.error ?? 'no file stored'}); upload the file again with PUT /api/v1/recordings/${id}/file.`
          : 'The recording has no file yet; there is nothing to process.',
      );
    }
    const before = await this.d.repo.stages(id);
    const requeued = await this.d.repo.requeueFailed(id);
    if (requeued.length === 0) throw conflict('Nothing to retry: no stage of this recording failed.');
    await this.d.pipeline.recompute(id);
    await this.d.pipeline.resume(id);
    const after = (await this.d.repo.find(id))!;
    await this.d.audit.record(principal, {
      workspaceId: rec.workspace_id,
      action: 'recording.retry',
      permission: 'recording:control',
      target: { type: 'recording', id },
      before: { status: rec.status, stages: before.filter((s) => requeued.includes(s.stage)) },
      after: { status: after.status, requeued },
    });
    return { recording_id: id, requeued, status: after.status };
  }

  /**
   * Deletes every stored file (one prefix) and the rows. Files go first so a storage
   * failure leaves the row to retry the delete with; a second sweep after the row is
   * gone catches a stage that stored an output meanwhile (stages also re-check the row
   * after writing, see RecordingPipeline.storeDerived).
   */
  async delete(principal: Principal, id: string): Promise<void> {
    await this.remove(
      principal,
      await loadRecording(this.d, principal, id, 'recording:delete', 'recording.delete'),
    );
  }

  /** Deletes a recording Iris made itself (a camera clip whose event or camera goes), as the system. */
  async deleteOwned(id: string): Promise<void> {
    const rec = await this.d.repo.find(id);
    if (rec) await this.remove(systemPrincipal, rec);
  }

  private async remove(principal: Principal, rec: Recording): Promise<void> {
    const id = rec.id;
    const prefix = recordingPrefix(rec.workspace_id, rec.id);
    await this.d.blobs.deletePrefix(prefix);
    await this.d.onDelete?.(rec);
    const removed = await this.d.repo.deleteReturning(id);
    if (!removed) return; // deleted by someone else meanwhile: their request did the bookkeeping
    await this.d.blobs.deletePrefix(prefix);
    if (removed.stored_bytes)
      await this.d.usage.add(rec.workspace_id, 'storage_bytes', -removed.stored_bytes);
    await this.d.usage.add(rec.workspace_id, 'recordings', -1);
    await this.d.audit.record(principal, {
      workspaceId: rec.workspace_id,
      action: 'recording.delete',
      permission: 'recording:delete',
      target: { type: 'recording', id },
      before: toView(removed),
    });
    await this.d.events?.publish(rec.workspace_id, 'recording.deleted', recordingEventData(removed));
  }

  /**
   * The playable file: the web-playable derivative once the media stage stored one,
   * else the original. Local storage streams it (one byte range, 206/416); S3 answers
   * with a presigned URL to redirect to, so the bytes never pass through the API.
   */
  async video(
    principal: Principal,
    id: string,
    request: { range?: string | undefined; head: boolean },
  ): Promise<VideoResponse> {
    const rec = await loadRecording(this.d, principal, id, 'recording:playback', 'recording.playback');
    return this.playback(rec, request);
  }

  /** video() once access is checked: a presigned URL on S3 (bandwidth stays off Iris), else the bytes. */
  async playback(
    rec: Recording,
    request: { range?: string | undefined; head: boolean },
  ): Promise<VideoResponse> {
    const { key, contentType } = playbackFile(rec);
    if (this.d.blobs.kind === 's3') {
      const url = await this.d.blobs.signedUrl(key, { expiresInSeconds: PRESIGNED_SECONDS, contentType });
      return { kind: 'redirect', url };
    }
    return this.stream(rec, request);
  }

  /**
   * The playback file's bytes through Iris whatever the storage (Range, HEAD). Public
   * share links use this: a presigned URL already handed out would outlive a revocation.
   */
  async stream(
    rec: Recording,
    request: { range?: string | undefined; head: boolean },
  ): Promise<FileResponse> {
    const { key, contentType } = playbackFile(rec);
    return serveBlobFile(
      this.d.blobs,
      key,
      contentType,
      request,
      'The file of this recording is missing from storage.',
    );
  }
}

/** The file playback serves: the web-playable copy once made, else the original. */
function playbackFile(rec: Recording): { key: string; contentType: string } {
  const key = rec.playback_key ?? rec.original_key;
  if (!key) {
    throw new AppError(
      'NOT_FOUND',
      rec.status === 'failed'
        ? 'This recording has no file: its upload failed.'
        : 'This recording has no file yet: its upload has not finished.',
    );
  }
  const contentType =
    (rec.playback_key ? rec.playback_content_type : rec.content_type) ?? 'application/octet-stream';
  return { key, contentType };
}
