import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Upload, type DetailedError } from 'tus-js-client';
import { IrisApiError, IrisNetworkError, apiErrorFrom } from './errors.js';
import type { Transport } from './transport.js';
import { JsonFileUrlStorage } from './url-storage.js';

export const TUS_PATH = '/api/v1/uploads/tus';

export interface UploadOptions {
  /** Path of the file on disk. */
  file: string;
  title?: string;
  workspaceId?: string;
  /** Defaults to the file's base name. */
  filename?: string;
  /** Bytes per PATCH; a lost connection re-sends at most one chunk. Default 16 MiB. */
  chunkSize?: number;
  onProgress?: (bytesSent: number, bytesTotal: number) => void;
  /** A JSON file remembering unfinished uploads: the same file uploaded again resumes. */
  resumeStore?: string;
  /** Resume this upload (its URL from `onUploadUrl` of an earlier attempt). */
  uploadUrl?: string;
  onUploadUrl?: (url: string) => void;
  /** Waits between tus retries (network errors, 409/423/429/5xx). Default [0, 1 s, 3 s, 5 s]. */
  retryDelays?: number[];
  signal?: AbortSignal;
}

export interface UploadResult {
  recordingId: string;
  uploadUrl: string;
  /** The recording's status right after the last byte (`queued` normally). */
  status: string | undefined;
  /** True when an earlier, interrupted upload of the same file was continued. */
  resumed: boolean;
}

const RETRY_STATUSES = new Set([409, 423, 429]);

/**
 * Resumable upload through the server's tus endpoint. Creating the upload creates the
 * recording (the upload id is the recording id); the last PATCH queues it. Metadata keys
 * are the ones the server reads: `filename`, `title`, `workspace_id`.
 */
export async function uploadFile(t: Transport, options: UploadOptions): Promise<UploadResult> {
  const info = await stat(options.file);
  if (!info.isFile()) throw new Error(`${options.file} is not a file.`);
  const source = createReadStream(options.file);
  const storage = options.resumeStore ? new JsonFileUrlStorage(options.resumeStore) : undefined;
  const endpoint = t.url(TUS_PATH);
  const metadata: Record<string, string> = {
    filename: options.filename ?? path.basename(options.file),
    ...(options.title ? { title: options.title } : {}),
    ...(options.workspaceId ? { workspace_id: options.workspaceId } : {}),
  };
  try {
    return await new Promise<UploadResult>((resolve, reject) => {
      let resumed = Boolean(options.uploadUrl);
      const upload = new Upload(source, {
        endpoint,
        uploadUrl: options.uploadUrl ?? null,
        uploadSize: info.size,
        chunkSize: options.chunkSize ?? 16 * 1024 * 1024,
        metadata,
        headers: t.headers(),
        retryDelays: options.retryDelays ?? [0, 1000, 3000, 5000],
        onShouldRetry: (err) => shouldRetry(err),
        storeFingerprintForResuming: Boolean(storage),
        removeFingerprintOnSuccess: true,
        ...(storage ? { urlStorage: storage } : {}),
        onProgress: options.onProgress ?? null,
        onUploadUrlAvailable: () => {
          if (upload.url) options.onUploadUrl?.(upload.url);
        },
        onSuccess: ({ lastResponse }) => {
          const url = upload.url ?? '';
          resolve({
            recordingId: lastResponse.getHeader('iris-recording-id') ?? url.split('/').pop() ?? '',
            uploadUrl: url,
            status: lastResponse.getHeader('iris-recording-status') ?? undefined,
            resumed,
          });
        },
        onError: (err) => reject(toIrisError(err, endpoint)),
      });
      options.signal?.addEventListener(
        'abort',
        () => {
          void upload.abort(false);
          reject(options.signal?.reason ?? new Error('Upload aborted.'));
        },
        { once: true },
      );
      const begin = async () => {
        if (storage && !options.uploadUrl) {
          const [previous] = await upload.findPreviousUploads();
          if (previous) {
            upload.resumeFromPreviousUpload(previous);
            resumed = true;
          }
        }
        upload.start();
      };
      begin().catch(reject);
    });
  } finally {
    source.destroy();
  }
}

function statusOf(err: DetailedError): number | undefined {
  const status = err.originalResponse?.getStatus();
  return status ? status : undefined;
}

function shouldRetry(err: DetailedError): boolean {
  const status = statusOf(err);
  return status === undefined || status >= 500 || RETRY_STATUSES.has(status);
}

/** tus-js-client's error, as the SDK's typed errors (the server answers in the API's JSON). */
function toIrisError(err: Error | DetailedError, endpoint: string): Error {
  const detailed = err as Partial<DetailedError>;
  const res = detailed.originalResponse;
  if (!res || !res.getStatus()) {
    return detailed.originalRequest ? new IrisNetworkError(endpoint, detailed.causingError ?? err) : err;
  }
  const bodyText = res.getBody() ?? '';
  let body: unknown = bodyText;
  try {
    body = JSON.parse(bodyText);
  } catch {
    // plain text: apiErrorFrom keeps it as the message
  }
  const headers = new Headers();
  for (const name of ['x-request-id', 'retry-after']) {
    const value = res.getHeader(name);
    if (value) headers.set(name, value);
  }
  const error: IrisApiError = apiErrorFrom(new Response(null, { status: res.getStatus(), headers }), body);
  return error;
}
