import { Readable } from 'node:stream';
import { Server, type Upload } from '@tus/server';
import type { Locker } from '@tus/utils';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../../errors.js';
import type { Principal } from '../../platform/auth/principal.js';
import { newId } from '../../platform/ids.js';
import type { Recording } from './recordings.repository.js';
import type { TusStorage } from './tus-storage.js';
import type { UploadsService } from './uploads.service.js';

/** What one HTTP request carries into the tus hooks (they only see a web Request). */
interface TusContext {
  principal: Principal;
  requestId: string;
  /** Set at creation, after access and Upload-Length were checked. */
  creation?: { workspaceId: string; cap: number; id?: string };
  /** The recording a PATCH/HEAD/DELETE addresses, once authorized. */
  recording?: Recording;
}

/** The parts of a Fastify request the adapter needs (kept framework-free). */
export interface TusHttpRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  raw: Readable;
  principal: Principal;
  id: string;
}

export interface TusHttpResponse {
  status: number;
  headers: Record<string, string>;
  /** An error body in the API's JSON shape, or undefined. */
  json?: unknown;
}

/** Response headers that belong to the body tus wrote, which we may replace. */
const BODY_HEADERS = new Set(['content-length', 'content-type']);

/**
 * Resumable uploads with the tus protocol (tus.io, v1.0.0: creation, creation-with-upload,
 * creation-defer-length, termination) using @tus/server, with partial uploads in a
 * store that matches blob storage (TusStorage). The upload id is the recording id: creating an upload creates the
 * recording (status `uploading`), and the last PATCH lands the file in the same flow as
 * the other upload paths (probe → blob storage → `queued` → pipeline).
 *
 * Authentication is the API's: Fastify's onRequest hook has already put the caller's
 * principal on the request; each tus request is handed to the tus server as a web
 * Request, and the hooks find the principal through a WeakMap keyed by that Request.
 *
 * Several API processes: with S3 storage the parts go to the bucket; with local storage
 * the file store's directory (IRIS_TUS_DIR) must be shared by all of them. With
 * IRIS_REDIS_URL the upload locks are shared through Redis (RedisTusLocker), so any
 * process can take the next PATCH of an upload. Unfinished uploads stay until they are
 * terminated or the recording deleted.
 */
export class TusUploads {
  private readonly server: Server;
  private readonly contexts = new WeakMap<Request, TusContext>();

  constructor(
    private readonly d: {
      uploads: UploadsService;
      logger: Logger;
      /** Where partial uploads live. */
      storage: TusStorage;
      /** Mount path, e.g. `/api/v1/uploads/tus`. */
      path: string;
      /** Upload locks; @tus/server's in-memory locker when absent (one process). */
      locker?: Locker;
    },
  ) {
    this.server = new Server({
      path: d.path,
      datastore: d.storage.store,
      ...(d.locker ? { locker: d.locker } : {}),
      // `/api/v1/uploads/tus/<id>`: right behind any proxy without trusting forwarded headers.
      relativeLocation: true,
      disableTerminationForFinishedUploads: true,
      exposedHeaders: ['Iris-Recording-Id', 'Iris-Recording-Status'],
      namingFunction: (req, metadata) => this.beginCreation(req, metadata ?? {}),
      maxSize: (req, id) => this.maxSize(req, id),
      onIncomingRequest: async (req, id) => {
        if (req.method === 'POST') return; // checked in namingFunction, before the id existed
        this.ctx(req).recording = await d.uploads.authorizeTus(this.ctx(req).principal, id);
        if (req.method === 'PATCH') await d.uploads.touchTus(id);
      },
      onUploadCreate: async (req, upload) => {
        const ctx = this.ctx(req);
        if (!ctx.creation) throw new AppError('INTERNAL_ERROR', 'Upload creation lost its context.');
        await d.uploads.createTusRecording(
          ctx.principal,
          upload.id,
          ctx.creation.workspaceId,
          metadataOf(upload),
        );
        ctx.creation.id = upload.id;
        return {};
      },
      onUploadFinish: async (req, upload) => {
        const ctx = this.ctx(req);
        try {
          const { file, release } = await d.storage.open(upload.id, upload.offset);
          try {
            const view = await d.uploads.finishTus(ctx.principal, upload.id, { file, size: upload.offset });
            return { headers: { 'Iris-Recording-Id': view.id, 'Iris-Recording-Status': view.status } };
          } finally {
            await release();
          }
        } finally {
          await this.discard(upload.id);
        }
      },
      onResponseError: (req, err) => this.errorBody(req, err),
    });
  }

  /** Runs one tus request and returns what to answer; the route sends it through Fastify. */
  async handle(request: TusHttpRequest): Promise<TusHttpResponse> {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined) continue;
      for (const v of [value].flat()) headers.append(name, v);
    }
    const method = request.method.toUpperCase();
    const hasBody = method === 'POST' || method === 'PATCH';
    const webRequest = new Request(new URL(request.url, 'http://iris.invalid'), {
      method,
      headers,
      ...(hasBody ? { body: Readable.toWeb(request.raw) as ReadableStream, duplex: 'half' } : {}),
    } as RequestInit);
    const ctx: TusContext = { principal: request.principal, requestId: request.id };
    this.contexts.set(webRequest, ctx);

    const response = await this.server.handleWeb(webRequest);
    const text = await response.text();

    if (method === 'POST' && response.status >= 400 && ctx.creation?.id) {
      // Created the recording, then the store failed: take the row back out.
      await this.d.uploads.cancelTus(ctx.principal, ctx.creation.id).catch((err: unknown) => {
        this.d.logger.error({ err, recordingId: ctx.creation?.id }, 'could not undo a failed tus creation');
      });
    }
    if (method === 'DELETE' && response.status === 204 && ctx.recording) {
      await this.d.uploads.cancelTus(ctx.principal, ctx.recording.id);
      // The store's own removal can leave pieces (the S3 store keeps a short last part apart).
      await this.discard(ctx.recording.id);
    }

    const out: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      if (!BODY_HEADERS.has(name.toLowerCase())) out[name] = value;
    });
    if (response.status < 400) return { status: response.status, headers: out };
    return {
      status: response.status,
      headers: out,
      json: this.asErrorJson(text, response.status, ctx.requestId),
    };
  }

  /** Removes an upload's parts (the recording was deleted, or the upload landed). */
  async discard(id: string): Promise<void> {
    await this.d.storage.discard(id).catch((err: unknown) => {
      this.d.logger.warn({ err, recordingId: id }, 'could not remove a tus upload');
    });
  }

  private ctx(req: Request): TusContext {
    const ctx = this.contexts.get(req);
    if (!ctx) throw new AppError('INTERNAL_ERROR', 'tus request without its context.');
    return ctx;
  }

  private async beginCreation(req: Request, metadata: Record<string, string | null>): Promise<string> {
    const ctx = this.ctx(req);
    const rawLength = req.headers.get('upload-length');
    const uploadLength = rawLength !== null && /^\d{1,16}$/.test(rawLength) ? Number(rawLength) : undefined;
    const { workspaceId, cap } = await this.d.uploads.beginTus(ctx.principal, {
      workspaceId: metadata.workspace_id ?? undefined,
      uploadLength,
    });
    ctx.creation = { workspaceId, cap };
    return newId('rec');
  }

  private async maxSize(req: Request, id: string | null): Promise<number> {
    const ctx = this.ctx(req);
    if (ctx.creation) return ctx.creation.cap;
    if (ctx.recording && ctx.recording.id === id) return this.d.uploads.capFor(ctx.recording.workspace_id);
    // OPTIONS: the most the caller could upload anywhere (0 = no limit announced).
    return (await this.d.uploads.capBeforeBody(ctx.principal)) ?? 0;
  }

  /** Our errors keep their status and message; anything unexpected is logged, not shown. */
  private errorBody(req: Request, err: Error | { status_code: number; body: string }) {
    const requestId = this.contexts.get(req)?.requestId ?? 'unknown';
    if (err instanceof AppError) {
      return {
        status_code: err.status,
        body: JSON.stringify(errorJson(err.code, err.message, requestId, err.details)),
      };
    }
    if ('status_code' in err && typeof err.status_code === 'number' && err.status_code < 500)
      return undefined;
    this.d.logger.error({ err }, 'tus upload failed');
    return {
      status_code: 500,
      body: JSON.stringify(
        errorJson(
          'INTERNAL_ERROR',
          'Something went wrong on our side; the request id helps us find it.',
          requestId,
        ),
      ),
    };
  }

  /** tus's own plain-text errors, in the API's error shape. */
  private asErrorJson(text: string, status: number, requestId: string): unknown {
    try {
      const parsed = JSON.parse(text) as { error?: unknown };
      if (parsed && typeof parsed === 'object' && parsed.error) return parsed;
    } catch {
      // plain text from tus: wrapped below
    }
    const message = text.trim() || `Upload request failed (${status}).`;
    return errorJson(codeForStatus(status), sentence(message), requestId);
  }
}

function metadataOf(upload: Upload): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(upload.metadata ?? {})) out[k] = v ?? undefined;
  return out;
}

function errorJson(code: ErrorCode, message: string, requestId: string, details?: Record<string, unknown>) {
  return { error: { code, message, request_id: requestId, ...(details ? { details } : {}) } };
}

const STATUS_CODES: Record<number, ErrorCode> = {
  400: 'INVALID_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  410: 'GONE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  422: 'UNPROCESSABLE',
  423: 'CONFLICT',
  429: 'RATE_LIMIT_EXCEEDED',
  503: 'SERVICE_UNAVAILABLE',
};

/** tus statuses (412 for a missing Tus-Resumable, 460 for a checksum mismatch, …) onto our codes. */
function codeForStatus(status: number): ErrorCode {
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'INVALID_REQUEST');
}

function sentence(text: string): string {
  const s = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
