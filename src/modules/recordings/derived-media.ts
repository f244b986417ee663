import type { Recording, RecordingsRepository } from './recordings.repository.js';

/**
 * What the processing stages made of a recording, kept in its `media` JSON under
 * `derived`, next to what ffprobe found: playback, poster and thumbnails (media stage),
 * frames sampled vs kept (frames stage), frames read (ocr stage). Clients see it with the
 * recording, the bench reads its counts, and the poster and thumbnail URLs are built
 * from it, so no column is needed per output.
 */
export interface DerivedMedia {
  playback?: {
    content_type: string;
    duration_seconds: number | null;
    width?: number;
    height?: number;
    size_bytes: number;
    /** The original ended early or had undecodable parts; playback holds what could be read. */
    truncated_input: boolean;
    elapsed_ms: number;
  };
  poster?: { timestamp_seconds: number };
  thumbnails?: Array<{ timestamp_seconds: number }>;
  frames?: {
    /** Frames compared (analysis_fps a second). */
    sampled: number;
    /** Of those, black, white or single-colour: never kept. */
    blank: number;
    /** One per distinct screen: what is stored and read by OCR. */
    kept: number;
    analysis_fps: number;
    warnings: string[];
    elapsed_ms: number;
  };
  ocr?: { frames: number; engine: string; elapsed_ms: number; ms_per_frame: number };
}

/** Blob names (under the recording's `derived/`) of the media stage's images. */
export const POSTER_NAME = 'poster.jpg';
export const thumbnailName = (i: number) => `thumbnails/${String(i).padStart(4, '0')}.jpg`;

export function derivedOf(rec: Pick<Recording, 'media'>): DerivedMedia {
  const derived = rec.media?.derived;
  return derived && typeof derived === 'object' ? (derived as DerivedMedia) : {};
}

/**
 * Merges one stage's part into `media.derived`. Read-modify-write is safe because a
 * recording's stages run one at a time.
 */
export async function recordDerived(
  repo: RecordingsRepository,
  recordingId: string,
  part: DerivedMedia,
): Promise<void> {
  const rec = await repo.find(recordingId);
  if (!rec) return;
  await repo.update(recordingId, {
    media: { ...(rec.media ?? {}), derived: { ...derivedOf(rec), ...part } },
  });
}
