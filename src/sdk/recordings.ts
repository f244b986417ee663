import { apiErrorFrom, readErrorBody } from './errors.js';
import { paginate, type PaginateOptions } from './pagination.js';
import type { Transport } from './transport.js';
import type {
  FrameList,
  Recording,
  RecordingContext,
  RecordingListQuery,
  RecordingStatus,
  Share,
  Transcript,
} from './types.js';
import { uploadFile, type UploadOptions, type UploadResult } from './upload.js';

type ListQuery = Omit<RecordingListQuery, 'limit' | 'offset'>;

export interface WaitOptions {
  intervalMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  onStatus?: (status: RecordingStatus) => void;
}

const FINAL = new Set(['ready', 'failed']);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const id = (recordingId: string) => ({ id: recordingId });

/** Recordings: list, metadata, processing status, context, frames, video, upload, sharing. */
export class Recordings {
  constructor(private readonly t: Transport) {}

  async list(query: RecordingListQuery = {}) {
    const { data, error, response } = await this.t.api.GET('/api/v1/recordings', { params: { query } });
    if (!data) throw apiErrorFrom(response, error);
    return data;
  }

  /** Every recording matching `query`, newest first, fetched a page at a time. */
  iterate(query: ListQuery = {}, options: PaginateOptions = {}): AsyncGenerator<Recording> {
    return paginate((page) => this.list({ ...query, ...page }), options);
  }

  get(recordingId: string) {
    return this.t.call<Recording>('GET', '/api/v1/recordings/{id}', { path: id(recordingId) });
  }

  latest() {
    return this.t.call<Recording>('GET', '/api/v1/recordings/latest');
  }

  status(recordingId: string) {
    return this.t.call<RecordingStatus>('GET', '/api/v1/recordings/{id}/status', { path: id(recordingId) });
  }

  /** Polls the status until the recording is `ready` or `failed`. */
  async wait(recordingId: string, options: WaitOptions = {}): Promise<RecordingStatus> {
    const until = Date.now() + (options.timeoutMs ?? Number.POSITIVE_INFINITY);
    for (;;) {
      const status = await this.status(recordingId);
      options.onStatus?.(status);
      if (FINAL.has(status.status)) return status;
      if (options.signal?.aborted || Date.now() >= until) return status;
      await sleep(options.intervalMs ?? 1000);
    }
  }

  /** The structured context; `field` (e.g. `summary`) fetches one section. */
  context(recordingId: string, field?: string) {
    return this.t.call<RecordingContext>('GET', '/api/v1/recordings/{id}/context', {
      path: id(recordingId),
      ...(field ? { query: { field } } : {}),
    });
  }

  frames(recordingId: string, query: { limit?: number; offset?: number } = {}) {
    return this.t.call<FrameList>('GET', '/api/v1/recordings/{id}/frames', { path: id(recordingId), query });
  }

  transcript(recordingId: string) {
    return this.t.call<Transcript>('GET', '/api/v1/recordings/{id}/transcript', { path: id(recordingId) });
  }

  /** Where the video streams from; it needs the same bearer token (see `video`). */
  videoUrl(recordingId: string): string {
    return this.t.url(`/api/v1/recordings/${encodeURIComponent(recordingId)}/video`);
  }

  /** The raw video response (a byte range with `range: 'bytes=0-1023'`), for streaming. */
  async video(recordingId: string, options: { range?: string; signal?: AbortSignal } = {}) {
    const headers = { ...this.t.headers(), ...(options.range ? { range: options.range } : {}) };
    const response = await this.t.fetch(
      new Request(this.videoUrl(recordingId), {
        headers,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
    if (!response.ok) throw apiErrorFrom(response, await readErrorBody(response));
    return response;
  }

  retry(recordingId: string) {
    return this.t.call<RecordingStatus>('POST', '/api/v1/recordings/{id}/retry', { path: id(recordingId) });
  }

  delete(recordingId: string) {
    return this.t.call<void>('DELETE', '/api/v1/recordings/{id}', { path: id(recordingId) });
  }

  /** Turns public sharing on; the answer carries the public link. */
  share(recordingId: string) {
    return this.t.call<Share>('POST', '/api/v1/recordings/{id}/share', { path: id(recordingId) });
  }

  unshare(recordingId: string) {
    return this.t.call<void>('DELETE', '/api/v1/recordings/{id}/share', { path: id(recordingId) });
  }

  /** A resumable (tus) upload of a file on disk; creates the recording. */
  upload(file: string, options: Omit<UploadOptions, 'file'> = {}): Promise<UploadResult> {
    return uploadFile(this.t, { ...options, file });
  }
}
