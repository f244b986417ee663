import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { AppError, badRequest, conflict, unauthorized } from '../../errors.js';
import type { AccessService } from '../../platform/auth/access.js';
import { systemPrincipal, type Principal } from '../../platform/auth/principal.js';
import { isId, newId } from '../../platform/ids.js';
import type { BlobStore } from '../../platform/storage/index.js';
import type { AuditWriter } from '../audit/audit.service.js';
import type { UsageService } from '../usage/usage.service.js';
import { PLAN_NAMES, planOf, type PlanName } from '../workspaces/plans.js';
import { originalKey, recordingPrefix } from './blob-keys.js';
import type { Prober } from './media-info.js';
import { mediaContentType } from './media-type.js';
import type { RecordingPipeline } from './pipeline.js';
import type { Recording, RecordingsRepository, UploadMethod } from './recordings.repository.js';
import { loadRecording, toView, type RecordingView } from './recordings.service.js';
import type { RecordingSource } from './stages.js';
import { tooLarge, type Spool } from './spool.js';

export interface UploadsDeps {
  repo: RecordingsRepository;
  access: AccessService;
  audit: AuditWriter;
  usage: UsageService;
  blobs: BlobStore;
  pipeline: RecordingPipeline;
  probe: Prober;
  spool: Spool;
  logger: Logger;
  /** Base of the `upload_url` handed out for stubs. */
  publicUrl: string;
  apiPrefix: string;
}

/** One part of a multipart body, as @fastify/multipart yields them (kept framework-free here). */
export type MultipartPart =
  | { type: 'field'; fieldname: string; value: unknown }
  | { type: 'file'; fieldname: string; filename: string; mimetype: string; file: Readable };

/** What the client told us about the file; only hints, the probe decides. */
export interface FileHints {
  filename?: string | null | undefined;
  contentType?: string | null | undefined;
}

export interface SpooledFile {
  file: string;
  size: number;
}

/** Multipart framing (boundaries, part headers, title, workspace id) on top of the file itself. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const DEFAULT_TITLE = 'Untitled recording';

/**
 * Every way bytes become a recording: multipart POST, stub + PUT, and tus. All three
 * create the row first (status `uploading`), stream the bytes to a local spool file
 * with the plan cap counted on the way, probe it, stream it into blob storage (size and
 * SHA-256 computed there), and only then flip the row to `queued` and enqueue the
 * pipeline's first stage.
 *
 * When something goes wrong nothing half-written stays behind:
 * - multipart: the request is the whole upload, so the row and any stored file are
 *   deleted (the client never saw an id);
 * - stub and tus: the client holds the id, so the row is kept, marked `failed` with the
 *   reason in `error`, with no file stored; PUT the file again to retry.
 */
export class UploadsService {
  /** Per-plan cap overrides; only tests lower them (see setUploadCaps). */
  private capOverrides: Partial<Record<PlanName, number>> = {};

  constructor(private readonly d: UploadsDeps) {}

  /** Lowers (or restores, with `{}`) the per-plan upload caps. Tests use it; 500 MB fixtures are not an option. */
  setUploadCaps(caps: Partial<Record<PlanName, number>>): void {
    this.capOverrides = { ...caps };
  }

  capOfPlan(plan: string): number {
    const name = (PLAN_NAMES as readonly string[]).includes(plan) ? (plan as PlanName) : 'free';
    return this.capOverrides[name] ?? planOf(plan).max_upload_bytes;
  }

  async capFor(workspaceId: string): Promise<number> {
    return this.capOfPlan((await this.d.repo.workspacePlan(workspaceId)) ?? 'free');
  }

  /**
   * The cap to hold a declared Content-Length against before reading a byte. When the
   * workspace is not known before the body (multipart carries it inside), the largest
   * cap among the caller's workspaces: never a wrong 413, and exact for the usual
   * caller with one workspace. The exact cap is enforced while streaming anyway.
   */
  async capBeforeBody(principal: Principal, workspaceId?: string): Promise<number | undefined> {
    const pinned = principal.credential.workspaceId ?? workspaceId;
    if (pinned) return (await this.d.repo.workspacePlan(pinned)) ? this.capFor(pinned) : undefined;
    if (!principal.userId) return undefined;
    const plans = await this.d.repo.memberPlans(principal.userId);
    return plans.length ? Math.max(...plans.map((p) => this.capOfPlan(p))) : undefined;
  }

  /**
   * Before a multipart body is read: who is calling, and whether its declared length
   * can fit any workspace the caller could upload to.
   */
  async preflight(
    principal: Principal,
    workspaceId: string | undefined,
    declared: number | undefined,
    overhead: number,
  ): Promise<void> {
    if (principal.kind === 'anonymous') throw unauthorized();
    this.assertDeclaredSize(declared, await this.capBeforeBody(principal, workspaceId), overhead);
  }

  /** 413 from a declared length alone (Content-Length, Upload-Length), before the body is read. */
  assertDeclaredSize(declared: number | undefined, cap: number | undefined, overhead = 0): void {
    if (declared !== undefined && cap !== undefined && declared > cap + overhead)
      throw tooLarge(cap, 'The file');
  }

  // --- stub + PUT ---------------------------------------------------------------------

  async createStub(
    principal: Principal,
    input: { title: string; workspace_id?: string | undefined; filename?: string | undefined },
  ): Promise<RecordingView & { upload_url: string }> {
    const workspaceId = await this.authorizeCreate(principal, input.workspace_id);
    const rec = await this.insert(principal, workspaceId, {
      title: cleanTitle(input.title),
      filename: input.filename ?? null,
      contentType: null,
      via: 'stub',
    });
    return { ...toView(rec), upload_url: this.uploadUrl(rec.id) };
  }

  uploadUrl(id: string): string {
    return `${this.d.publicUrl}${this.d.apiPrefix}/recordings/${id}/file`;
  }

  /** `PUT /recordings/:id/file`: the raw body is the file. */
  async uploadToStub(
    principal: Principal,
    id: string,
    body: Readable,
    meta: { contentLength?: number | undefined; contentType?: string | undefined },
  ): Promise<RecordingView> {
    const rec = await loadRecording(this.d, principal, id, 'recording:create', 'recording.upload');
    if (!acceptsUpload(rec)) {
      throw conflict(
        rec.status === 'uploading'
          ? `This recording is being uploaded (${rec.upload_method ?? rec.source}); finish that upload instead.`
          : 'This recording already has its file; create a new recording to upload another.',
      );
    }
    // A failed stub may be uploaded again: claim it back first (a racing PUT loses here
    // or at the final transition, never silently).
    if (
      rec.status === 'failed' &&
      !(await this.d.repo.transition(id, ['failed'], { status: 'uploading', error: null }))
    ) {
      throw conflict('This recording changed while the upload started; try again.');
    }
    const cap = await this.capFor(rec.workspace_id);
    let spooled: SpooledFile | undefined;
    try {
      this.assertDeclaredSize(meta.contentLength, cap);
      spooled = await this.d.spool.write(body, cap, 'The file');
      return toView(
        await this.land(principal, rec, spooled, {
          filename: rec.original_filename,
          contentType: meta.contentType,
        }),
      );
    } catch (err) {
      await this.markFailed(principal, rec, err);
      throw asUploadError(err);
    } finally {
      if (spooled) await this.d.spool.remove(spooled.file);
    }
  }

  // --- multipart ----------------------------------------------------------------------

  /**
   * `POST /recordings` as multipart: fields `title` and `workspace_id` (before the file,
   * so the plan cap and access are known before its bytes are read) and one `file`.
   */
  async uploadMultipart(
    principal: Principal,
    parts: AsyncIterable<MultipartPart>,
    query: { workspace_id?: string | undefined },
  ): Promise<RecordingView> {
    const fields = new Map<string, string>();
    let rec: Recording | undefined;
    let spooled: SpooledFile | undefined;
    let hints: FileHints = {};
    let landed: Recording | undefined;
    try {
      for await (const part of parts) {
        if (part.type === 'field') {
          if (typeof part.value !== 'string') continue;
          if (part.fieldname === 'workspace_id' && rec && part.value !== rec.workspace_id) {
            throw badRequest('Send the workspace_id field before the file part.');
          }
          fields.set(part.fieldname, part.value);
          continue;
        }
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw badRequest(
            `Unexpected file field "${part.fieldname}": send the recording as the "file" field.`,
          );
        }
        const requested = fields.get('workspace_id') ?? query.workspace_id;
        if (requested !== undefined && !isId(requested, 'ws')) {
          part.file.resume();
          throw badRequest('workspace_id must be a ws_… id.');
        }
        const workspaceId = await this.authorizeCreate(principal, requested);
        const cap = await this.capFor(workspaceId);
        const filename = cleanFilename(part.filename);
        hints = { filename, contentType: part.mimetype };
        const title = fields.get('title');
        rec = await this.insert(principal, workspaceId, {
          title: title !== undefined ? cleanTitle(title) : titleFromFilename(filename),
          filename: filename ?? null,
          contentType: hints.contentType ?? null,
          via: 'multipart',
          audit: false,
        });
        spooled = await this.d.spool.write(part.file, cap, 'The file');
      }
      if (!rec || !spooled) throw badRequest('The multipart body has no "file" part with the recording.');
      const lateTitle = fields.get('title');
      if (lateTitle !== undefined && cleanTitle(lateTitle) !== rec.title) {
        rec = (await this.d.repo.update(rec.id, { title: cleanTitle(lateTitle) })) ?? rec;
      }
      landed = await this.land(principal, rec, spooled, hints, { created: true });
      return toView(landed);
    } catch (err) {
      if (rec && !landed) await this.discard(principal, rec, err);
      throw asUploadError(err);
    } finally {
      if (spooled) await this.d.spool.remove(spooled.file);
    }
  }

  // --- tus ----------------------------------------------------------------------------

  /** Creation of a tus upload: access and the declared length, before the upload exists. */
  async beginTus(
    principal: Principal,
    input: { workspaceId?: string | undefined; uploadLength?: number | undefined },
  ): Promise<{ workspaceId: string; cap: number }> {
    if (input.workspaceId !== undefined && !isId(input.workspaceId, 'ws')) {
      throw badRequest('Upload-Metadata workspace_id must be a ws_… id.');
    }
    const workspaceId = await this.authorizeCreate(principal, input.workspaceId);
    const cap = await this.capFor(workspaceId);
    this.assertDeclaredSize(input.uploadLength, cap);
    return { workspaceId, cap };
  }

  /** The tus upload exists: its recording row (same id) appears as `uploading`. */
  async createTusRecording(
    principal: Principal,
    id: string,
    workspaceId: string,
    metadata: Record<string, string | null | undefined>,
  ): Promise<Recording> {
    const filename = cleanFilename(metadata.filename ?? undefined);
    const title = metadata.title ? cleanTitle(metadata.title) : titleFromFilename(filename);
    return this.insert(principal, workspaceId, {
      id,
      title,
      filename: filename ?? null,
      contentType: metadata.filetype ?? metadata.content_type ?? null,
      via: 'tus',
    });
  }

  /** PATCH/HEAD/DELETE on a tus upload: only while it is uploading, only for who may create. */
  async authorizeTus(principal: Principal, id: string): Promise<Recording> {
    const rec = await loadRecording(this.d, principal, id, 'recording:create', 'recording.upload');
    if (rec.status !== 'uploading')
      throw new AppError('NOT_FOUND', 'Upload not found (it already finished or failed).');
    return rec;
  }

  /** A tus PATCH arrived: the upload is alive, so the abandoned-upload sweep leaves it be. */
  async touchTus(id: string): Promise<void> {
    await this.d.repo.update(id, {});
  }

  /** The last tus PATCH arrived: the tus file is the spool file. The caller removes it. */
  async finishTus(principal: Principal, id: string, file: SpooledFile): Promise<RecordingView> {
    const rec = await loadRecording(this.d, principal, id, 'recording:create', 'recording.upload');
    try {
      const cap = await this.capFor(rec.workspace_id);
      if (file.size > cap) throw tooLarge(cap, 'The file');
      return toView(
        await this.land(principal, rec, file, {
          filename: rec.original_filename,
          contentType: rec.content_type,
        }),
      );
    } catch (err) {
      await this.markFailed(principal, rec, err);
      throw asUploadError(err);
    }
  }

  /** A tus upload was terminated (DELETE) before it finished: its row goes too. */
  async cancelTus(principal: Principal, id: string): Promise<void> {
    const rec = await this.d.repo.find(id);
    if (!rec || rec.status !== 'uploading') return;
    if (!(await this.d.repo.delete(id))) return;
    await this.afterUnfinishedRemoved(principal, rec, 'recording.upload_cancel', 'recording:create');
  }

  /**
   * Removes uploads that were started and never finished: recordings still `uploading`
   * and untouched since `before` (a stub never PUT, a tus upload left half-way), with
   * their blobs, and gives back their recording count. Returns what it removed so the
   * caller can drop the partial tus data too. A row that moves on meanwhile (the upload
   * finishes) is left alone.
   */
  async expireAbandoned(before: string, signal?: AbortSignal): Promise<Recording[]> {
    const removed: Recording[] = [];
    for (;;) {
      const stale = await this.d.repo.staleUploads(before, 100);
      let progressed = false;
      for (const candidate of stale) {
        if (signal?.aborted) return removed;
        const rec = await this.d.repo.deleteStaleUpload(candidate.id, before);
        if (!rec) continue;
        progressed = true;
        removed.push(rec);
        await this.afterUnfinishedRemoved(
          systemPrincipal,
          rec,
          'recording.upload_expire',
          'recording:delete',
        );
      }
      if (stale.length < 100 || !progressed) return removed;
    }
  }

  // --- shared -------------------------------------------------------------------------

  /** An unfinished upload's row is gone: its blobs go, its count is given back, and it is audited. */
  private async afterUnfinishedRemoved(
    principal: Principal,
    rec: Recording,
    action: 'recording.upload_cancel' | 'recording.upload_expire',
    permission: 'recording:create' | 'recording:delete',
  ): Promise<void> {
    await this.d.blobs.deletePrefix(recordingPrefix(rec.workspace_id, rec.id));
    await this.d.usage.add(rec.workspace_id, 'recordings', -1);
    await this.d.audit.record(principal, {
      workspaceId: rec.workspace_id,
      action,
      permission,
      target: { type: 'recording', id: rec.id },
      before: toView(rec),
    });
  }

  // --- recorded by Iris itself -------------------------------------------------------

  /**
   * A file Iris recorded (a camera event's clip, …) becomes a recording of the library
   * like an upload: probed, stored, counted, audited as the system, and processed by
   * the pipeline. The caller keeps the file; it is only read.
   */
  async ingest(input: {
    workspaceId: string;
    title: string;
    source: Exclude<RecordingSource, 'upload'>;
    file: SpooledFile;
    filename: string;
    contentType: string;
    cameraId?: string | undefined;
    cameraEventId?: string | undefined;
  }): Promise<Recording> {
    const rec = await this.insert(systemPrincipal, input.workspaceId, {
      title: cleanTitle(input.title),
      filename: input.filename,
      contentType: input.contentType,
      via: null,
      source: input.source,
      cameraId: input.cameraId,
      cameraEventId: input.cameraEventId,
      audit: false,
    });
    try {
      return await this.land(
        systemPrincipal,
        rec,
        input.file,
        { contentType: input.contentType },
        { created: true },
      );
    } catch (err) {
      await this.discard(systemPrincipal, rec, err);
      throw err;
    }
  }

  private async authorizeCreate(principal: Principal, workspaceId: string | undefined): Promise<string> {
    const access = await this.d.access.require(principal, 'recording:create', {
      workspaceId,
      action: 'recording.create',
      target: { type: 'recording' },
    });
    return access.workspaceId;
  }

  private async insert(
    principal: Principal,
    workspaceId: string,
    input: {
      id?: string;
      title: string;
      filename: string | null;
      contentType: string | null;
      /** How it was uploaded; null when Iris recorded it. */
      via: UploadMethod | null;
      audit?: boolean;
      source?: RecordingSource;
      cameraId?: string | undefined;
      cameraEventId?: string | undefined;
    },
  ): Promise<Recording> {
    const rec = await this.d.repo.insert({
      id: input.id ?? newId('rec'),
      workspace_id: workspaceId,
      created_by: principal.userId ?? null,
      title: input.title,
      source: input.source ?? 'upload',
      status: 'uploading',
      upload_method: input.via,
      original_filename: input.filename,
      content_type: input.contentType?.slice(0, 255) ?? null,
      camera_id: input.cameraId ?? null,
      camera_event_id: input.cameraEventId ?? null,
    });
    await this.d.usage.add(workspaceId, 'recordings', 1);
    // Multipart records its creation once the file landed (a failed one leaves nothing).
    if (input.audit !== false) {
      await this.d.audit.record(principal, {
        workspaceId,
        action: 'recording.create',
        permission: 'recording:create',
        target: { type: 'recording', id: rec.id },
        after: { ...toView(rec), upload: input.via },
      });
    }
    return rec;
  }

  /**
   * The bytes are complete in a local file: probe (415/422 for what is not usable
   * media), store in blob storage, flip the row to `queued`, count usage, audit, and
   * start the pipeline.
   */
  private async land(
    principal: Principal,
    rec: Recording,
    spooled: SpooledFile,
    hints: FileHints,
    opts: { created?: boolean } = {},
  ): Promise<Recording> {
    const info = await this.d.probe(spooled.file);
    const contentType = mediaContentType(info.formatName, info.hasVideo, hints);
    const cap = await this.capFor(rec.workspace_id);
    // A fresh key per upload: two racing PUTs to one stub can never mix their bytes;
    // the loser of the final transition deletes its own copy.
    const key = `${originalKey(rec.workspace_id, rec.id)}-${randomBytes(4).toString('hex')}`;
    const put = await this.d.blobs.put(key, createReadStream(spooled.file), { contentType, maxBytes: cap });
    const moved = await this.d.repo.transition(rec.id, ['uploading'], {
      status: 'queued',
      error: null,
      original_key: key,
      size_bytes: put.size,
      sha256: put.sha256,
      content_type: contentType,
      duration_seconds: info.durationSeconds,
      has_video: info.hasVideo,
      has_audio: info.hasAudio,
      width: info.width,
      height: info.height,
      media: info.summary,
    });
    if (!moved) {
      await this.d.blobs.delete(key);
      const now = await this.d.repo.find(rec.id);
      throw now
        ? conflict('This recording received its file from another upload meanwhile.')
        : new AppError('NOT_FOUND', 'The recording was deleted while its file was uploading.');
    }
    await this.d.repo.addStoredBytes(rec.id, put.size);
    await this.d.usage.add(rec.workspace_id, 'uploaded_bytes', put.size);
    await this.d.usage.add(rec.workspace_id, 'storage_bytes', put.size);
    const after = (await this.d.repo.find(rec.id))!;
    await this.d.audit.record(principal, {
      workspaceId: rec.workspace_id,
      action: opts.created ? 'recording.create' : 'recording.upload',
      permission: 'recording:create',
      target: { type: 'recording', id: rec.id },
      ...(opts.created ? {} : { before: toView(rec) }),
      after: toView(after),
    });
    await this.d.pipeline.start(rec.id);
    return after;
  }

  /** Stub/tus failure: keep the row (the client holds its id), marked failed, with no file. */
  private async markFailed(principal: Principal, rec: Recording, err: unknown): Promise<void> {
    const message = failureMessage(err);
    const moved = await this.d.repo.transition(rec.id, ['uploading'], { status: 'failed', error: message });
    if (!moved) return;
    this.d.logger.info({ recordingId: rec.id, err }, 'upload failed');
    await this.d.audit.record(principal, {
      workspaceId: rec.workspace_id,
      action: 'recording.upload',
      permission: 'recording:create',
      outcome: 'failure',
      target: { type: 'recording', id: rec.id },
      reason: message,
      before: toView(rec),
      after: { ...toView(rec), status: 'failed', error: message },
    });
  }

  /** Multipart failure: the row and anything stored under its prefix go away. */
  private async discard(principal: Principal, rec: Recording, err: unknown): Promise<void> {
    try {
      await this.d.blobs.deletePrefix(recordingPrefix(rec.workspace_id, rec.id));
      if (await this.d.repo.delete(rec.id)) await this.d.usage.add(rec.workspace_id, 'recordings', -1);
      await this.d.audit.record(principal, {
        workspaceId: rec.workspace_id,
        action: 'recording.create',
        permission: 'recording:create',
        outcome: 'failure',
        target: { type: 'recording', id: rec.id },
        reason: failureMessage(err),
      });
    } catch (cleanupErr) {
      this.d.logger.error({ err: cleanupErr, recordingId: rec.id }, 'could not clean up a failed upload');
    }
  }
}

/** Stubs take a PUT while uploading, or again after a failed upload stored nothing. */
function acceptsUpload(rec: Recording): boolean {
  if (rec.original_key || rec.source !== 'upload') return false;
  return rec.status === 'failed' || (rec.status === 'uploading' && rec.upload_method === 'stub');
}

/** Errors the client should see as they are; a broken connection reads as such. */
function asUploadError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  if (isClientAbort(err)) return badRequest('The upload was interrupted before the file was complete.');
  return err;
}

function isClientAbort(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (
    code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error)?.message === 'aborted'
  );
}

function failureMessage(err: unknown): string {
  if (err instanceof AppError) return err.message;
  if (isClientAbort(err)) return 'The upload was interrupted before the file was complete.';
  return 'The upload failed on the server; try again.';
}

function cleanTitle(raw: string): string {
  const title = raw.replace(/\s+/g, ' ').trim();
  if (!title) throw badRequest('title must not be blank.');
  if (title.length > 200) throw badRequest('title must be at most 200 characters.');
  return title;
}

// eslint-disable-next-line no-control-regex
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/g;

/** Only the last path segment, no control characters, bounded. */
function cleanFilename(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const name = raw.split(/[/\\]/).pop()!.replace(CONTROL_CHARS, '').trim().slice(0, 255);
  return name || undefined;
}

function titleFromFilename(filename: string | undefined): string {
  const stem = filename?.replace(/\.[^.]{1,8}$/, '').trim();
  return stem ? stem.slice(0, 200) : DEFAULT_TITLE;
}
