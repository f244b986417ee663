import { useEffect, useState } from 'react';
import { ApiError, getToken } from './api';

/**
 * Media elements cannot send the session header. The service worker (public/sw.js)
 * adds it to their /api/v1 requests and keeps byte ranges, so videos stream and seek.
 * Where no worker can run (plain http on a non-localhost address), the file is fetched
 * whole with the header and played from memory instead.
 */

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return;
  void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {
    // Media falls back to whole-file downloads.
  });
  // A new (or first) worker took over: give it the session right away.
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    navigator.serviceWorker.controller?.postMessage({ type: 'iris-session', token: getToken() });
  });
}

/** Resolves true once a service worker controls this page (waits up to `ms`). */
export function workerControls(ms = 4000): Promise<boolean> {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(false);
  if (navigator.serviceWorker.controller) return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (v: boolean) => {
      window.clearTimeout(timer);
      navigator.serviceWorker.removeEventListener('controllerchange', onChange);
      resolve(v);
    };
    const onChange = () => done(Boolean(navigator.serviceWorker.controller));
    const timer = window.setTimeout(() => done(Boolean(navigator.serviceWorker.controller)), ms);
    navigator.serviceWorker.addEventListener('controllerchange', onChange);
  });
}

/** Tells the controlling worker the current session and waits for its acknowledgement. */
async function syncWorker(): Promise<void> {
  const controller = navigator.serviceWorker?.controller;
  if (!controller) return;
  await new Promise<void>((resolve) => {
    const channel = new MessageChannel();
    const timer = window.setTimeout(resolve, 1000);
    channel.port1.onmessage = () => {
      window.clearTimeout(timer);
      resolve();
    };
    controller.postMessage({ type: 'iris-session', token: getToken() }, [channel.port2]);
  });
}

export interface MediaSource {
  src: string | undefined;
  /** 'stream' through the worker, 'download' fetched whole, or an error. */
  mode: 'pending' | 'stream' | 'download';
  error: unknown;
}

/** A playable URL for an authenticated API media path such as /api/v1/recordings/:id/video. */
export function useMediaSource(path: string | undefined): MediaSource {
  const [state, setState] = useState<MediaSource>({ src: undefined, mode: 'pending', error: undefined });
  useEffect(() => {
    if (!path) return;
    let objectUrl: string | undefined;
    let cancelled = false;
    const ctrl = new AbortController();
    setState({ src: undefined, mode: 'pending', error: undefined });
    void (async () => {
      if (await workerControls()) {
        await syncWorker();
        if (!cancelled) setState({ src: path, mode: 'stream', error: undefined });
        return;
      }
      try {
        const token = getToken();
        const res = await fetch(path, {
          headers: token ? { authorization: `Bearer ${token}` } : {},
          signal: ctrl.signal,
        });
        if (!res.ok) {
          const body = (await res.json().catch(() => ({}))) as {
            error?: { code?: string; message?: string; request_id?: string };
          };
          throw new ApiError(
            res.status,
            body.error?.code ?? `HTTP_${res.status}`,
            body.error?.message ?? 'Could not load the media.',
            body.error?.request_id,
            undefined,
          );
        }
        objectUrl = URL.createObjectURL(await res.blob());
        if (!cancelled) setState({ src: objectUrl, mode: 'download', error: undefined });
      } catch (error) {
        if (!cancelled) setState({ src: undefined, mode: 'download', error });
      }
    })();
    return () => {
      cancelled = true;
      ctrl.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [path]);
  return state;
}
