import { createHash } from 'node:crypto';
import { scriptSafeJson, type JsonLd } from './jsonld.js';
import { OG_HEIGHT, OG_WIDTH } from './og-image.js';
import type { PublicShare } from './shares.schemas.js';

/**
 * The public page of a share: server-rendered HTML with no script of its own, so its
 * Content-Security-Policy can forbid scripts outright. Every piece of user text passes
 * through `esc` (element content and attribute values alike); the JSON-LD goes through
 * scriptSafeJson.
 */

const STYLE = `
:root{color-scheme:light dark;--fg:#0f172a;--muted:#64748b;--bg:#f8fafc;--card:#fff;--line:#e2e8f0;--accent:#0369a1}
@media (prefers-color-scheme:dark){:root{--fg:#e2e8f0;--muted:#94a3b8;--bg:#0b1020;--card:#111827;--line:#1f2937;--accent:#7dd3fc}}
*{box-sizing:border-box}body{margin:0;font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:960px;margin:0 auto;padding:24px 16px 64px}
h1{font-size:1.6rem;line-height:1.25;margin:8px 0 4px;overflow-wrap:anywhere}
h2{font-size:1.05rem;margin:28px 0 8px}
.meta,.brand{color:var(--muted);font-size:.9rem}.brand{font-weight:700;color:var(--accent);letter-spacing:.02em}
video,audio{width:100%;margin-top:16px;border-radius:10px;background:#000}audio{background:none}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:4px 18px 14px;margin-top:18px}
ol,ul{padding-left:1.2em;margin:0}li{margin:4px 0;overflow-wrap:anywhere}
.t{color:var(--muted);font-variant-numeric:tabular-nums;margin-right:.5em}
.note{color:var(--muted);font-style:italic}
`;
const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/**
 * No scripts, no plugins, no forms; pictures and media from this server (and from the
 * storage's origin: S3 presigned redirects and images). Framing stays allowed: the
 * page is the JSON-LD `embedUrl`.
 */
export function sharePageCsp(mediaOrigins: string[]): string {
  const sources = ["'self'", ...new Set(mediaOrigins), 'https:'].join(' ');
  return [
    "default-src 'none'",
    `img-src ${sources} data:`,
    `media-src ${sources}`,
    `style-src ${STYLE_HASH}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export const NOT_FOUND_CSP = `default-src 'none'; style-src ${STYLE_HASH}; base-uri 'none'; form-action 'none'`;

const time = (seconds: number) => {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, '0');
  return `${h ? `${h}:` : ''}${mm}:${String(s % 60).padStart(2, '0')}`;
};

function describe(v: PublicShare): string {
  const summary = v.context.summary?.replace(/\s+/g, ' ').trim();
  if (!summary) return `${v.title} — a recording shared with Iris.`;
  return summary.length > 200 ? `${summary.slice(0, 197).trimEnd()}…` : summary;
}

function list<T>(title: string, items: T[], item: (x: T) => string, ordered = false): string {
  if (items.length === 0) return '';
  const tag = ordered ? 'ol' : 'ul';
  return `<section><h2>${esc(title)}</h2><${tag}>${items.map((x) => `<li>${item(x)}</li>`).join('')}</${tag}></section>`;
}

export function renderSharePage(v: PublicShare, jsonld: JsonLd, apiUrl: string): string {
  const title = esc(v.title);
  const description = esc(describe(v));
  const c = v.context;
  const isVideo = v.has_video !== false;
  const poster = v.poster_url ? ` poster="${esc(v.poster_url)}"` : '';
  const player = isVideo
    ? `<video controls preload="metadata" playsinline${poster} src="${esc(v.video_url)}"></video>`
    : `<audio controls preload="metadata" src="${esc(v.video_url)}"></audio>`;
  const facts = [
    v.duration_seconds !== null ? time(v.duration_seconds) : null,
    new Date(v.created_at).toISOString().slice(0, 10),
  ].filter((x): x is string => x !== null);
  const processing =
    v.status === 'ready' || v.status === 'failed' || c.summary || c.transcript.length
      ? ''
      : '<p class="note">Still processing: the summary and transcript appear here when it finishes.</p>';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Iris</title>
<meta name="description" content="${description}">
<meta name="robots" content="noindex, nofollow, noarchive">
<meta name="referrer" content="no-referrer">
<link rel="canonical" href="${esc(v.page_url)}">
<link rel="alternate" type="application/json" href="${esc(apiUrl)}">
<meta property="og:site_name" content="Iris">
<meta property="og:type" content="${isVideo ? 'video.other' : 'music.song'}">
<meta property="og:title" content="${title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${esc(v.page_url)}">
<meta property="og:image" content="${esc(v.og_image_url)}">
<meta property="og:image:type" content="image/png">
<meta property="og:image:width" content="${OG_WIDTH}">
<meta property="og:image:height" content="${OG_HEIGHT}">
<meta property="og:image:alt" content="${title}">
<meta property="${isVideo ? 'og:video' : 'og:audio'}" content="${esc(v.video_url)}">
${isVideo && v.width && v.height ? `<meta property="og:video:width" content="${v.width}">\n<meta property="og:video:height" content="${v.height}">\n` : ''}<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="${title}">
<meta name="twitter:description" content="${description}">
<meta name="twitter:image" content="${esc(v.og_image_url)}">
<meta name="twitter:image:alt" content="${title}">
<script type="application/ld+json">${scriptSafeJson(jsonld)}</script>
<style>${STYLE}</style>
</head>
<body>
<main>
<div class="brand">Iris</div>
<h1>${title}</h1>
<div class="meta">${facts.map(esc).join(' · ')}</div>
${player}
${processing}
${c.summary ? `<section><h2>Summary</h2><p>${esc(c.summary)}</p></section>` : ''}
${list('Timeline', c.timeline, (t) => `<span class="t">${time(t.start_seconds)}</span>${esc(t.title)}${t.text ? ` — ${esc(t.text)}` : ''}`, true)}
${list('Action items', c.actions, (a) => `${a.timestamp_seconds != null ? `<span class="t">${time(a.timestamp_seconds)}</span>` : ''}${esc(a.text)}${a.owner ? ` (${esc(a.owner)})` : ''}`)}
${list('Transcript', c.transcript, (s) => `<span class="t">${time(s.start_seconds)}</span>${s.speaker ? `<b>${esc(s.speaker)}:</b> ` : ''}${esc(s.text)}`)}
${list('Links seen', c.urls, (u) => esc(u.url))}
${c.tags.length ? `<p class="meta">${c.tags.map((t) => `#${esc(t)}`).join(' ')}</p>` : ''}
</main>
</body>
</html>
`;
}

export function renderNotFoundPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Not found · Iris</title>
<style>${STYLE}</style>
</head>
<body><main><div class="brand">Iris</div><h1>This link does not work</h1>
<p class="note">The recording was never shared under this link, or sharing has been turned off.</p></main></body>
</html>
`;
}
