import type { Recording } from './recordings.repository.js';

/**
 * The `data` of the recording.* webhook events: what identifies the recording and its
 * state, never storage keys or anything else internal.
 */
export function recordingEventData(rec: Recording) {
  return {
    id: rec.id,
    workspace_id: rec.workspace_id,
    title: rec.title,
    source: rec.source,
    status: rec.status,
    error: rec.error,
    duration_seconds: rec.duration_seconds,
    created_at: rec.created_at,
    processed_at: rec.processed_at,
  };
}
