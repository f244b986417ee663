import { useEffect, useRef, useState, type DragEvent } from 'react';
import * as tus from 'tus-js-client';
import { API, getToken } from '../api';
import { Link } from '../router';
import { ProgressBar, formatBytes } from '../ui';

/**
 * Resumable uploads with tus (POST /api/v1/uploads/tus, then PATCHes). Large chunks keep
 * the request count low (each PATCH counts against the workspace's rate limit); an
 * interrupted upload resumes from the last byte the server has, also after a reload
 * (tus-js-client keeps the upload URL per file fingerprint in localStorage).
 */
const CHUNK_BYTES = 64 * 1024 * 1024;

interface UploadItem {
  key: string;
  file: File;
  title: string;
  sent: number;
  total: number;
  state: 'uploading' | 'paused' | 'done' | 'failed';
  error?: string;
  recordingId?: string;
  resumed?: boolean;
  startedAt: number;
  upload?: tus.Upload;
}

/** "quarterly-roadmap_review.mp4" → "Quarterly roadmap review". */
function titleOf(file: File): string {
  const base =
    file.name
      .replace(/\.[A-Za-z0-9]{1,5}$/, '')
      .replace(/[_-]+/g, ' ')
      .trim() || file.name;
  return base.charAt(0).toUpperCase() + base.slice(1);
}

/** The server's JSON error message out of a tus error (the response body is ours). */
function describe(err: Error): string {
  const res = (err as tus.DetailedError).originalResponse;
  if (res) {
    try {
      const body = JSON.parse(res.getBody()) as { error?: { message?: string; request_id?: string } };
      if (body.error?.message) {
        return body.error.request_id
          ? `${body.error.message} (request id ${body.error.request_id})`
          : body.error.message;
      }
    } catch {
      // not JSON
    }
    return `Upload failed with status ${res.getStatus()}.`;
  }
  return err.message.split('\n')[0] ?? 'Upload failed.';
}

export function Uploader({ workspaceId, onUploaded }: { workspaceId: string; onUploaded: () => void }) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [dragging, setDragging] = useState(false);
  const inputRef = useRef<HTMLInputElement>(null);
  const onUploadedRef = useRef(onUploaded);
  onUploadedRef.current = onUploaded;

  const update = (key: string, patch: Partial<UploadItem>) =>
    setItems((prev) => prev.map((it) => (it.key === key ? { ...it, ...patch } : it)));

  // Abort in-flight uploads when leaving the page; they resume when the file is dropped again.
  const itemsRef = useRef(items);
  itemsRef.current = items;
  useEffect(() => () => itemsRef.current.forEach((it) => void it.upload?.abort()), []);

  const start = (file: File) => {
    const key = `${file.name}-${file.size}-${file.lastModified}-${Date.now()}`;
    const title = titleOf(file);
    const upload = new tus.Upload(file, {
      endpoint: `${API}/uploads/tus`,
      chunkSize: CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000, 10000],
      storeFingerprintForResuming: true,
      removeFingerprintOnSuccess: true,
      metadata: {
        filename: file.name,
        filetype: file.type || 'application/octet-stream',
        title,
        workspace_id: workspaceId,
      },
      onBeforeRequest: (req) => {
        const token = getToken();
        if (token) req.setHeader('Authorization', `Bearer ${token}`);
      },
      onShouldRetry: (err) => {
        const status = (err as tus.DetailedError).originalResponse?.getStatus() ?? 0;
        // Retry network trouble, 409 (offset mismatch), 423, 429 and 5xx; not the rest.
        return status === 0 || status === 409 || status === 423 || status === 429 || status >= 500;
      },
      onProgress: (sent, total) => update(key, { sent, total }),
      onSuccess: () => {
        const id = upload.url?.split('/').pop()?.split('?')[0];
        update(key, { state: 'done', sent: file.size, ...(id ? { recordingId: id } : {}) });
        onUploadedRef.current();
      },
      onError: (err) => update(key, { state: 'failed', error: describe(err) }),
    });
    setItems((prev) => [
      { key, file, title, sent: 0, total: file.size, state: 'uploading', startedAt: Date.now(), upload },
      ...prev,
    ]);
    void upload.findPreviousUploads().then((previous) => {
      const last = previous[0];
      if (last) {
        upload.resumeFromPreviousUpload(last);
        update(key, { resumed: true });
      }
      upload.start();
      // The list shows the new recording (status "uploading") as soon as it exists.
      window.setTimeout(() => onUploadedRef.current(), 1500);
    });
  };

  const addFiles = (files: FileList | null) => {
    if (!files) return;
    for (const f of Array.from(files)) start(f);
    if (inputRef.current) inputRef.current.value = '';
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    addFiles(e.dataTransfer.files);
  };

  const pause = (it: UploadItem) => {
    void it.upload?.abort();
    update(it.key, { state: 'paused' });
  };
  const resume = (it: UploadItem) => {
    it.upload?.start();
    update(it.key, { state: 'uploading', error: undefined });
  };
  const cancel = (it: UploadItem) => {
    // abort(true) also DELETEs the unfinished upload (and its recording) on the server.
    void it.upload?.abort(true).finally(() => onUploadedRef.current());
    setItems((prev) => prev.filter((x) => x.key !== it.key));
  };

  return (
    <section className="section" aria-labelledby="upload-heading">
      <h2 id="upload-heading" className="visually-hidden">
        Upload
      </h2>
      <div
        className={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p className="dropzone-title">Drop video or audio files here</p>
        <p className="muted small" id="upload-hint">
          Uploads resume where they stopped if the connection drops.
        </p>
        <input
          ref={inputRef}
          id="file-input"
          type="file"
          multiple
          accept="video/*,audio/*,.mkv,.mov,.mp4,.webm,.m4a,.mp3,.wav"
          className="visually-hidden file-input"
          aria-describedby="upload-hint"
          onChange={(e) => addFiles(e.target.files)}
        />
        <label htmlFor="file-input" className="btn btn-primary">
          Choose files
        </label>
      </div>

      {items.length > 0 && (
        <ul className="upload-list" aria-label="Uploads">
          {items.map((it) => {
            const elapsed = (Date.now() - it.startedAt) / 1000;
            const rate = elapsed > 1 ? it.sent / elapsed : 0;
            const eta = rate > 0 ? Math.max(0, (it.total - it.sent) / rate) : undefined;
            return (
              <li key={it.key} className={`upload-item upload-${it.state}`}>
                <div className="upload-head">
                  <strong>{it.title}</strong>
                  <span className="muted small">
                    {formatBytes(it.sent)} / {formatBytes(it.total)}
                    {it.state === 'uploading' && rate > 0 && (
                      <>
                        {' '}
                        · {formatBytes(rate)}/s{eta !== undefined && ` · ${Math.ceil(eta)} s left`}
                      </>
                    )}
                    {it.resumed && ' · resumed'}
                  </span>
                </div>
                <ProgressBar value={it.total ? it.sent / it.total : 0} label={`Uploading ${it.title}`} />
                <div className="upload-foot">
                  <span className="small" role={it.state === 'failed' ? 'alert' : undefined}>
                    {it.state === 'uploading' && 'Uploading…'}
                    {it.state === 'paused' && 'Paused'}
                    {it.state === 'failed' && <span className="error-text">{it.error}</span>}
                    {it.state === 'done' &&
                      (it.recordingId ? (
                        <>
                          Uploaded. <Link to={`/recordings/${it.recordingId}`}>Open the recording</Link>
                        </>
                      ) : (
                        'Uploaded.'
                      ))}
                  </span>
                  <span className="row">
                    {it.state === 'uploading' && (
                      <button type="button" className="btn btn-ghost btn-small" onClick={() => pause(it)}>
                        Pause
                      </button>
                    )}
                    {(it.state === 'paused' || it.state === 'failed') && (
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        onClick={() => resume(it)}
                      >
                        {it.state === 'failed' ? 'Retry' : 'Resume'}
                      </button>
                    )}
                    {it.state !== 'done' && (
                      <button type="button" className="btn btn-ghost btn-small" onClick={() => cancel(it)}>
                        Cancel
                      </button>
                    )}
                    {it.state === 'done' && (
                      <button
                        type="button"
                        className="btn btn-ghost btn-small"
                        onClick={() => setItems((prev) => prev.filter((x) => x.key !== it.key))}
                      >
                        Dismiss
                      </button>
                    )}
                  </span>
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
