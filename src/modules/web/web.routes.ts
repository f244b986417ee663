import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export interface WebRoutesOptions {
  /** The built dashboard (`vite build web` → web/dist). Default: web/dist of this checkout. */
  distDir?: string;
}

/**
 * Where `vite build web` puts the dashboard. This file is src/modules/web/ when run from
 * sources and dist/modules/web/ when compiled: both are three levels below the root.
 */
export function defaultWebDist(): string {
  return fileURLToPath(new URL('../../../web/dist', import.meta.url));
}

/**
 * Paths that are never the dashboard: the API (and its unversioned aliases), probes,
 * docs, the MCP endpoint and the public share pages. Unknown paths there keep the API's
 * JSON 404 instead of getting index.html.
 */
const NOT_DASHBOARD = /^\/(?:api|v1|share|health|healthz|metrics|docs|mcp)(?:[/?]|$)/;

/** Vite's hashed output: safe to cache forever. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html, sw.js, favicon: always revalidated so a new build is picked up. */
const REVALIDATE = 'no-cache';

/** Top-level files of the build (sw.js, favicon.svg, robots.txt…); one segment, no traversal. */
const TOP_LEVEL_FILE = /^\/([A-Za-z0-9][A-Za-z0-9._-]*\.[A-Za-z0-9]+)$/;

const hidden = { hide: true, security: [] };

/**
 * Serves the web dashboard (React + Vite, built into web/dist) at `/`:
 * - `/assets/*`: hashed bundles with immutable caching;
 * - top-level files of the build (sw.js, favicon.svg) with revalidation;
 * - every other GET that is not an API/ops/share path: index.html (SPA fallback), so
 *   links such as /verify-email?token=… and /recordings/rec_… open the right page.
 * Without a build, `/` explains how to make one instead of failing.
 *
 * Registered last: Fastify's router prefers static and parametric routes over this
 * catch-all, so it never shadows the API, /health, /metrics, /docs or /share/:id.
 */
export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, options) => {
  const distDir = options.distDir ?? defaultWebDist();
  const indexFile = path.join(distDir, 'index.html');
  const built = existsSync(indexFile);

  if (built) {
    const assetsDir = path.join(distDir, 'assets') + path.sep;
    await app.register(fastifyStatic, {
      root: path.join(distDir, 'assets'),
      prefix: '/assets/',
      decorateReply: true,
      index: false,
      cacheControl: false,
      // Applies to sendFile too: only the hashed bundles are immutable.
      setHeaders: (reply: FastifyReply, file: string) => {
        reply.header('cache-control', file.startsWith(assetsDir) ? IMMUTABLE : REVALIDATE);
      },
      schemaHide: true,
    });
  }

  const serveDashboard = async (req: FastifyRequest, reply: FastifyReply) => {
    const pathname = req.url.split('?', 1)[0] ?? '/';
    if (NOT_DASHBOARD.test(pathname)) return reply.callNotFound();
    if (!built) return reply.status(200).type('text/html; charset=utf-8').send(notBuiltPage(distDir));
    const top = TOP_LEVEL_FILE.exec(pathname);
    if (top?.[1] && top[1] !== 'index.html') {
      const file = path.join(distDir, top[1]);
      if (isFile(file)) {
        // The service worker may control the whole origin (it adds the session to API GETs
        // that a <video> or <img> makes without one).
        if (top[1] === 'sw.js') reply.header('service-worker-allowed', '/');
        return reply.sendFile(top[1], distDir, { cacheControl: false });
      }
      return reply.callNotFound();
    }
    return reply.sendFile('index.html', distDir, { cacheControl: false });
  };

  app.get('/', { schema: hidden }, serveDashboard);
  app.get('/*', { schema: hidden }, serveDashboard);
};

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function notBuiltPage(distDir: string): string {
  const escaped = distDir.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Iris</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#1f2430}
code{background:#f1f3f7;padding:.1rem .3rem;border-radius:4px}</style></head>
<body><h1>Iris is running</h1>
<p>The web dashboard is not built yet (no <code>${escaped}/index.html</code>). Build it with</p>
<pre><code>npm run build:web</code></pre>
<p>(<code>npm install</code> and <code>npm start</code> do it for you) and restart Iris.
The API works meanwhile: see <a href="/docs">/docs</a> and <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.</p>
</body></html>
`;
}
