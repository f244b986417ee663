/**
 * Object detection on one decoded frame. The engine that runs it is chosen at start-up
 * (select.ts); where none can run, `DetectorStatus` says why, and the features that need
 * one (camera triggers, the pipeline's detect stage) report that reason instead of
 * pretending.
 */
export interface DetectorStatus {
  /** Engine name, e.g. `human-centernet`; null when none is available. */
  engine: string | null;
  available: boolean;
  /** Why no detector runs (what to install), when none does. */
  reason: string | null;
  /** Where the engine runs: `cpu` (wasm) today. */
  device: string | null;
}
