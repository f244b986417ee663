/** schema.org metadata for a shared recording, for search engines and link unfurlers. */

export interface JsonLdInput {
  title: string;
  summary: string | null;
  created_at: string;
  duration_seconds: number | null;
  has_video: boolean | null;
  width: number | null;
  height: number | null;
  transcript: string;
  page_url: string;
  video_url: string;
  og_image_url: string;
}

export type JsonLd = { '@context': string; '@type': string } & Record<string, unknown>;

/** ISO-8601 duration as schema.org wants it: `PT1H2M3.5S`. */
export function isoDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds * 1000) / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = Math.round((total - h * 3600 - m * 60) * 1000) / 1000;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

/** A VideoObject (AudioObject for a recording without picture). */
export function mediaObject(r: JsonLdInput): JsonLd {
  return {
    '@context': 'https://schema.org',
    '@type': r.has_video === false ? 'AudioObject' : 'VideoObject',
    name: r.title,
    description: r.summary?.trim() || `${r.title} — a recording shared with Iris.`,
    thumbnailUrl: [r.og_image_url],
    uploadDate: r.created_at,
    ...(r.duration_seconds !== null ? { duration: isoDuration(r.duration_seconds) } : {}),
    contentUrl: r.video_url,
    embedUrl: r.page_url,
    url: r.page_url,
    ...(r.width && r.height ? { width: `${r.width} px`, height: `${r.height} px` } : {}),
    ...(r.transcript ? { transcript: r.transcript } : {}),
  };
}

/**
 * JSON that is safe inside an HTML `<script>` element: `<`, `>` and `&` become \u escapes
 * (so user text cannot close the element or open a comment), as do the two line
 * separators that older JavaScript parsers take for line breaks.
 */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
