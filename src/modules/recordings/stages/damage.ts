import type { ProbeResult } from '../../../engines/ffmpeg/probe.js';

/**
 * ffmpeg reads a cut-off or partly corrupt file up to where it can and still exits 0,
 * so a stage learns about the damage by comparing how far it got with the duration the
 * container declares. The slack ignores the usual end-of-stream rounding (audio and
 * video rarely end on the same frame).
 */
export function isCutShort(info: Pick<ProbeResult, 'duration_seconds'>, readSeconds: number): boolean {
  const declared = info.duration_seconds;
  return declared !== null && declared > 0 && readSeconds < declared * 0.9 - 0.5;
}

const seconds = (s: number) => `${s.toFixed(1)} s`;

/** A readable explanation when the output of a run stops short of the recording, else null. */
export function damageMessage(
  info: Pick<ProbeResult, 'duration_seconds'>,
  decodedSeconds: number | null,
  warnings: readonly string[],
): string | null {
  if (decodedSeconds === null || !isCutShort(info, decodedSeconds)) return null;
  const why = warnings[0] ? ` (ffmpeg: ${warnings[0]})` : '';
  return (
    `The file is damaged or cut short: only ${seconds(decodedSeconds)} of ` +
    `${seconds(info.duration_seconds ?? 0)} could be decoded${why}.`
  );
}
