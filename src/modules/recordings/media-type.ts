/**
 * The Content-Type a recording is served with, decided from what ffprobe found (the
 * container), not from what the client claimed: browsers refuse to play a video sent
 * as application/octet-stream, and a client may send anything. The claim only breaks
 * ties the container cannot (WebM is a Matroska subset; ffprobe names both).
 */
export function mediaContentType(
  formatName: string | null | undefined,
  hasVideo: boolean,
  hint: { contentType?: string | null | undefined; filename?: string | null | undefined } = {},
): string {
  const formats = (formatName ?? '').toLowerCase().split(',');
  const has = (...names: string[]) => names.some((n) => formats.includes(n));
  const claimed = normalizeClaim(hint.contentType);
  const ext = (hint.filename ?? '').toLowerCase().split('.').pop() ?? '';
  if (has('mov', 'mp4', 'm4a', '3gp')) {
    if (claimed === 'video/quicktime' || ext === 'mov') return hasVideo ? 'video/quicktime' : 'audio/mp4';
    return hasVideo ? 'video/mp4' : 'audio/mp4';
  }
  if (has('matroska', 'webm')) {
    const webm = claimed?.endsWith('/webm') || ext === 'webm';
    if (webm) return hasVideo ? 'video/webm' : 'audio/webm';
    return hasVideo ? 'video/x-matroska' : 'audio/x-matroska';
  }
  if (has('ogg')) return hasVideo ? 'video/ogg' : 'audio/ogg';
  const simple: Record<string, string> = {
    wav: 'audio/wav',
    mp3: 'audio/mpeg',
    flac: 'audio/flac',
    aac: 'audio/aac',
    aiff: 'audio/aiff',
    amr: 'audio/amr',
    avi: 'video/x-msvideo',
    mpegts: 'video/mp2t',
    mpeg: 'video/mpeg',
    flv: 'video/x-flv',
    asf: 'video/x-ms-asf',
  };
  for (const f of formats) if (simple[f]) return simple[f];
  if (claimed && /^(audio|video)\//.test(claimed)) return claimed;
  return 'application/octet-stream';
}

function normalizeClaim(value: string | null | undefined): string | undefined {
  const type = value?.split(';', 1)[0]?.trim().toLowerCase();
  return type && /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(type) ? type : undefined;
}
