import type { RecordingsRepository } from './recordings.repository.js';
import type { RecordingsService } from './recordings.service.js';
import type { RecordingSource } from './stages.js';
import type { UploadsService } from './uploads.service.js';

/** A file another module recorded, to become a recording of the library. */
export interface LibraryFile {
  workspaceId: string;
  source: Exclude<RecordingSource, 'upload'>;
  title: string;
  /** A local file the caller keeps (and removes); it is only read. */
  file: string;
  bytes: number;
  filename: string;
  contentType: string;
  cameraId?: string;
  cameraEventId?: string;
}

/**
 * How modules that record (vision's event clips; fleet and interviews next) put what
 * they record in the one library, where it gets the pipeline, search, sharing and RBAC
 * of every recording, and take it out again when what it belongs to is deleted.
 */
export interface RecordingsLibrary {
  /** Stores and queues the file as a recording; its id. */
  add(file: LibraryFile): Promise<string>;
  /** Where the recording's original is stored, while it exists. */
  storedFile(recordingId: string): Promise<{ key: string; contentType: string } | undefined>;
  /** Deletes the recording and its files (as the system; gone already is fine). */
  remove(recordingId: string): Promise<void>;
}

export function recordingsLibrary(d: {
  uploads: UploadsService;
  repo: RecordingsRepository;
  recordings: RecordingsService;
}): RecordingsLibrary {
  return {
    async add(f) {
      const rec = await d.uploads.ingest({
        workspaceId: f.workspaceId,
        title: f.title,
        source: f.source,
        file: { file: f.file, size: f.bytes },
        filename: f.filename,
        contentType: f.contentType,
        cameraId: f.cameraId,
        cameraEventId: f.cameraEventId,
      });
      return rec.id;
    },
    async storedFile(id) {
      const rec = await d.repo.find(id);
      return rec?.original_key
        ? { key: rec.original_key, contentType: rec.content_type ?? 'application/octet-stream' }
        : undefined;
    },
    remove: (id) => d.recordings.deleteOwned(id),
  };
}
