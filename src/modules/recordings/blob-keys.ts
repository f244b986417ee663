import { workspacePrefix } from '../../platform/storage/index.js';

/**
 * Where a recording's files live in blob storage. Everything of one recording sits
 * under one prefix, so deleting the recording is one `deletePrefix` and nothing can be
 * orphaned by a stage that wrote a file the core does not know about. Pipeline stages
 * put their outputs under `derived/` (e.g. `derived/playback.mp4`, `derived/frames/…`).
 */
export const recordingPrefix = (workspaceId: string, recordingId: string) =>
  `${workspacePrefix(workspaceId)}rec/${recordingId}/`;

export const originalKey = (workspaceId: string, recordingId: string) =>
  `${recordingPrefix(workspaceId, recordingId)}original`;

/** A stage output: `name` is a relative path such as `playback.mp4` or `frames/000012.jpg`. */
export const derivedKey = (workspaceId: string, recordingId: string, name: string) =>
  `${recordingPrefix(workspaceId, recordingId)}derived/${name}`;
