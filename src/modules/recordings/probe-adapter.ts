import { locateFfprobe } from '../../engines/ffmpeg/locate.js';
import { probe } from '../../engines/ffmpeg/probe.js';
import type { MediaInfo, Prober } from './media-info.js';

/** A probe of an upload should take well under a second; this only stops a hung process. */
const PROBE_TIMEOUT_MS = 120_000;

/** The ffprobe engine (src/engines/ffmpeg) as the recordings core's Prober. */
export const ffprobeProber: Prober = async (file, signal) => {
  const [result, binary] = await Promise.all([
    probe(file, { signal, timeoutMs: PROBE_TIMEOUT_MS }),
    locateFfprobe().catch(() => undefined),
  ]);
  const video = result.video;
  const info: MediaInfo = {
    formatName: result.format_name,
    durationSeconds: result.duration_seconds,
    hasVideo: result.has_video,
    hasAudio: result.has_audio,
    // As a player shows it (rotation and pixel aspect applied).
    width: video ? video.display_width : null,
    height: video ? video.display_height : null,
    summary: { ...result },
    engine: binary ? `ffprobe ${binary.version} (${binary.source})` : 'ffprobe',
  };
  return info;
};
