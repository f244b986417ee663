/**
 * The processing pipeline as the recordings core sees it: the fixed list of stages in
 * order, their states, and how a recording's overall status follows from them. Each
 * stage is run by one job (see recording.jobs.ts for `recording.probe`); a stage with no
 * job registered yet simply stays `queued`: nothing ever reports success for work that
 * did not run.
 */
export const PIPELINE_STAGES = ['probe', 'media', 'frames', 'ocr', 'transcribe', 'enrich', 'index'] as const;
export type StageName = (typeof PIPELINE_STAGES)[number];

export const STAGE_STATES = ['queued', 'running', 'done', 'failed', 'skipped'] as const;
export type StageState = (typeof STAGE_STATES)[number];

export const RECORDING_STATUSES = ['uploading', 'queued', 'processing', 'ready', 'failed'] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

export const RECORDING_SOURCES = ['upload', 'camera', 'node', 'interview'] as const;
export type RecordingSource = (typeof RECORDING_SOURCES)[number];

export const isStage = (value: string): value is StageName =>
  (PIPELINE_STAGES as readonly string[]).includes(value);

/**
 * Overall status once the bytes have landed (`uploading` is decided by the upload, not
 * by the stages):
 * - `failed` when a stage failed and nothing is running (retry re-queues it);
 * - `ready` when every stage is done or skipped;
 * - `queued` while no stage has started;
 * - `processing` otherwise (something ran or runs, something is still to do).
 */
export function overallStatus(states: readonly StageState[]): Exclude<RecordingStatus, 'uploading'> {
  if (states.includes('running')) return 'processing';
  if (states.includes('failed')) return 'failed';
  if (states.length > 0 && states.every((s) => s === 'done' || s === 'skipped')) return 'ready';
  if (states.every((s) => s === 'queued')) return 'queued';
  return 'processing';
}
