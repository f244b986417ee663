/* Iris dashboard service worker.
 *
 * A <video> or <img> cannot send an Authorization header, yet the API's video and frame
 * endpoints need one. This worker adds the signed-in session to those requests only:
 * same-origin GETs under /api/v1/ made by media and image elements that carry no
 * Authorization header of their own. Range headers pass through unchanged, so the
 * browser streams and seeks the video with byte ranges as usual.
 *
 * The page hands the session token over with postMessage and also keeps it in Cache
 * Storage (the worker may be stopped and restarted at any time); logging out clears both.
 */
const SESSION_CACHE = 'iris-session';
const SESSION_KEY = '/__iris/session';
const MEDIA_DESTINATIONS = new Set(['video', 'audio', 'image', 'track']);

let token;
let loaded = false;

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('message', (event) => {
  const data = event.data;
  if (!data || data.type !== 'iris-session') return;
  token = typeof data.token === 'string' && data.token ? data.token : undefined;
  loaded = true;
  if (event.ports && event.ports[0]) event.ports[0].postMessage('ok');
});

async function currentToken() {
  if (!loaded) {
    const cache = await caches.open(SESSION_CACHE);
    const stored = await cache.match(SESSION_KEY);
    token = stored ? (await stored.text()) || undefined : undefined;
    loaded = true;
  }
  return token;
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' && request.method !== 'HEAD') return;
  if (!MEDIA_DESTINATIONS.has(request.destination)) return;
  if (request.headers.has('authorization')) return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !url.pathname.startsWith('/api/v1/')) return;

  event.respondWith(
    (async () => {
      const session = await currentToken();
      if (!session) return fetch(request);
      const headers = new Headers(request.headers);
      headers.set('authorization', `Bearer ${session}`);
      // A new same-origin request: a media element's own request is "no-cors", which
      // would silently drop the Authorization header.
      return fetch(request.url, {
        method: request.method,
        headers,
        mode: 'cors',
        credentials: 'same-origin',
        cache: 'no-store',
        redirect: 'follow',
      });
    })(),
  );
});
