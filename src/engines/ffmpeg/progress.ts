/**
 * Progress of an ffmpeg run, read from its own reports as they stream:
 * - `-progress pipe:1` key=value blocks on stdout (`out_time=00:00:12.345678`, `speed=2.1x`,
 *   `progress=continue|end`), which is what we ask for;
 * - the classic stats line on stderr (`… time=00:00:12.34 … speed=2.1x`) as a fallback
 *   for callers that run ffmpeg without `-progress`.
 * `out_time_ms` is not used: despite its name it is in microseconds on some versions.
 */

export interface FfmpegProgress {
  /** Media time processed so far. */
  seconds: number;
  /** 0–1 when the input duration is known. */
  fraction: number | undefined;
  /** Processing speed relative to real time (2 = twice as fast as playback), when reported. */
  speed: number | undefined;
  done: boolean;
}

/** "HH:MM:SS.frac" (ffmpeg prints a leading "-" for negative times) → seconds, or undefined. */
export function parseClock(text: string): number | undefined {
  const m = /^(-)?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text.trim());
  if (!m) return undefined;
  const s = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]);
  return m[1] ? -s : s;
}

export function createProgressParser(
  durationSeconds: number | null | undefined,
  onProgress: (p: FfmpegProgress) => void,
): (line: string) => void {
  let seconds = 0;
  let speed: number | undefined;
  const emit = (done: boolean) => {
    const fraction = done
      ? 1
      : durationSeconds && durationSeconds > 0
        ? Math.min(1, Math.max(0, seconds / durationSeconds))
        : undefined;
    onProgress({ seconds, fraction, speed, done });
  };

  return (line: string) => {
    // A -progress line is a single key=value; the stats line has several "=" on one line.
    const kv = /^(\w+)=\s*([^=]*?)\s*$/.exec(line);
    if (kv) {
      const [, key, value = ''] = kv;
      if (key === 'out_time') {
        const t = parseClock(value);
        if (t !== undefined && t >= 0) seconds = t;
      } else if (key === 'speed') {
        const v = parseFloat(value);
        speed = Number.isFinite(v) ? v : undefined;
      } else if (key === 'progress') {
        emit(value === 'end');
      }
      return;
    }
    // Stats line: "frame=  120 fps= 60 q=28.0 size=     256kB time=00:00:04.00 bitrate= 524.3kbits/s speed=2.01x"
    const time = /\btime=\s*(-?\d+:\d{2}:\d{2}(?:\.\d+)?)/.exec(line);
    if (!time?.[1]) return;
    const t = parseClock(time[1]);
    if (t !== undefined && t >= 0) seconds = t;
    const sp = /\bspeed=\s*([\d.]+)x/.exec(line);
    if (sp?.[1]) speed = parseFloat(sp[1]);
    emit(false);
  };
}
