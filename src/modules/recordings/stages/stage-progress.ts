import type { Logger } from 'pino';
import type { StageRun } from '../pipeline.js';

export interface ProgressSlice {
  report(fraction: number): void;
  /** Waits for a write in flight, so none lands after the stage is marked finished. */
  settle(): Promise<void>;
}

/**
 * Engines report progress synchronously and often; the stage row is a database write.
 * This maps an engine's 0–1 onto a slice of the stage (extracting audio is the first
 * part, recognising it the rest) and writes at most once per interval, one write at a
 * time, dropping what arrives meanwhile. A failed progress write is logged, not
 * thrown: it must not fail the work it reports on.
 */
export function progressSlice(
  run: Pick<StageRun, 'progress'>,
  logger: Logger,
  from: number,
  to: number,
  intervalMs = 1000,
): ProgressSlice {
  let lastAt = 0;
  let inFlight: Promise<void> | undefined;
  return {
    report(fraction) {
      const now = Date.now();
      if (inFlight || now - lastAt < intervalMs) return;
      lastAt = now;
      const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
      inFlight = run
        .progress(from + (to - from) * clamped)
        .catch((err: unknown) => logger.warn({ err }, 'could not record stage progress'))
        .finally(() => {
          inFlight = undefined;
        });
    },
    async settle() {
      await inFlight;
    },
  };
}
