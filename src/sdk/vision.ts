import { apiErrorFrom, readErrorBody } from './errors.js';
import { paginate, type PaginateOptions } from './pagination.js';
import type { Transport } from './transport.js';
import type {
  Camera,
  CameraEvent,
  CameraEventList,
  CameraEventQuery,
  CameraList,
  CameraListQuery,
  CameraStatus,
  CreateCameraBody,
  DetectClasses,
  SystemInfo,
  UpdateCameraBody,
} from './types.js';

const cam = (cameraId: string) => ({ cameraId });

/** Cameras (spec 001): the RTSP URL is write-only; answers show it masked. */
export class Cameras {
  constructor(private readonly t: Transport) {}

  list(query: CameraListQuery = {}) {
    return this.t.call<CameraList>('GET', '/api/v1/cameras', { query });
  }

  iterate(query: Omit<CameraListQuery, 'limit' | 'offset'> = {}, options: PaginateOptions = {}) {
    return paginate<Camera>((page) => this.list({ ...query, ...page }), options);
  }

  get(cameraId: string) {
    return this.t.call<Camera>('GET', '/api/v1/cameras/{cameraId}', { path: cam(cameraId) });
  }

  create(body: CreateCameraBody) {
    return this.t.call<Camera>('POST', '/api/v1/cameras', { body });
  }

  /** Partial; a blank or masked `rtsp_url` keeps the stored one. */
  update(cameraId: string, body: UpdateCameraBody) {
    return this.t.call<Camera>('PATCH', '/api/v1/cameras/{cameraId}', { path: cam(cameraId), body });
  }

  delete(cameraId: string) {
    return this.t.call<void>('DELETE', '/api/v1/cameras/{cameraId}', { path: cam(cameraId) });
  }

  status(cameraId: string) {
    return this.t.call<CameraStatus>('GET', '/api/v1/cameras/{cameraId}/status', { path: cam(cameraId) });
  }

  detectClasses() {
    return this.t.call<DetectClasses>('GET', '/api/v1/cameras/detect/classes');
  }

  /** The latest frame as JPEG bytes (a no-signal picture before the first). */
  async snapshot(cameraId: string, options: { signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const response = await this.t.fetch(
      new Request(this.t.url(`/api/v1/live/${encodeURIComponent(cameraId)}/snapshot`), {
        headers: this.t.headers(),
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    );
    if (!response.ok) throw apiErrorFrom(response, await readErrorBody(response));
    return new Uint8Array(await response.arrayBuffer());
  }

  system() {
    return this.t.call<SystemInfo>('GET', '/api/v1/system');
  }
}

/** Camera events (spec 001), newest first. */
export class Events {
  constructor(private readonly t: Transport) {}

  list(query: CameraEventQuery = {}) {
    return this.t.call<CameraEventList>('GET', '/api/v1/events', { query });
  }

  iterate(query: Omit<CameraEventQuery, 'limit' | 'offset'> = {}, options: PaginateOptions = {}) {
    return paginate<CameraEvent>((page) => this.list({ ...query, ...page }), options);
  }

  get(eventId: string) {
    return this.t.call<CameraEvent>('GET', '/api/v1/events/{eventId}', { path: { eventId } });
  }

  delete(eventId: string) {
    return this.t.call<void>('DELETE', '/api/v1/events/{eventId}', { path: { eventId } });
  }
}
