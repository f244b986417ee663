import { useEffect, useRef, useState } from 'react';
import {
  get,
  isTerminal,
  type Page,
  type Recording,
  type RecordingStatus,
  type RecordingStatusInfo,
} from '../api';
import { Link } from '../router';
import { useSession, useWorkspace } from '../session';
import {
  Empty,
  ErrorNotice,
  Loading,
  ProgressBar,
  StatusBadge,
  formatBytes,
  formatClock,
  formatRelative,
  useAsync,
  usePageTitle,
} from '../ui';
import { Uploader } from './Upload';
import { StageChips } from './Stages';

const PAGE_SIZE = 25;
const POLL_MS = 3000;
/** Per-stage status is fetched for this many in-flight recordings at most (rate limits). */
const MAX_POLLED = 4;

export function RecordingsPage() {
  const workspace = useWorkspace();
  const { can } = useSession();
  usePageTitle('Recordings');
  const [status, setStatus] = useState<RecordingStatus | ''>('');
  const [limit, setLimit] = useState(PAGE_SIZE);
  const list = useAsync(
    (signal) =>
      get<Page<Recording>>(
        '/recordings',
        { workspace_id: workspace.id, limit, status: status || undefined },
        signal,
      ),
    [workspace.id, limit, status],
  );
  const statuses = useLiveStatus(list.data?.items ?? [], list.reload);

  return (
    <div className="page">
      <div className="page-header">
        <h1>Recordings</h1>
        <label className="field field-inline">
          <span>Status</span>
          <select value={status} onChange={(e) => setStatus(e.target.value as RecordingStatus | '')}>
            <option value="">All</option>
            <option value="processing">Processing</option>
            <option value="queued">Queued</option>
            <option value="ready">Ready</option>
            <option value="failed">Failed</option>
            <option value="uploading">Uploading</option>
          </select>
        </label>
      </div>

      {can('recording:create') && <Uploader workspaceId={workspace.id} onUploaded={list.reload} />}

      <section aria-labelledby="list-heading" className="section">
        <h2 id="list-heading" className="visually-hidden">
          Recording list
        </h2>
        {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loading && !list.data && <Loading label="Loading recordings…" />}
        {list.data && list.data.items.length === 0 && (
          <Empty title={status ? `No ${status} recordings` : 'No recordings yet'}>
            {status
              ? 'Try another status filter.'
              : 'Drop a video or audio file above to upload your first one.'}
          </Empty>
        )}
        {list.data && list.data.items.length > 0 && (
          <>
            <ul className="rec-list" aria-live="polite" aria-busy={list.loading}>
              {list.data.items.map((r) => (
                <RecordingRow key={r.id} recording={r} live={statuses[r.id]} />
              ))}
            </ul>
            <p className="muted small list-footer">
              Showing {list.data.items.length} of {list.data.pagination.total}
              {list.data.items.length < list.data.pagination.total && (
                <>
                  {' '}
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    onClick={() => setLimit((l) => l + PAGE_SIZE)}
                  >
                    Show more
                  </button>
                </>
              )}
            </p>
          </>
        )}
      </section>
    </div>
  );
}

function RecordingRow({
  recording: r,
  live,
}: {
  recording: Recording;
  live: RecordingStatusInfo | undefined;
}) {
  const status = live?.status ?? r.status;
  const busy = !isTerminal(status);
  return (
    <li className="rec-item">
      <div className="rec-main">
        <Link to={`/recordings/${r.id}`} className="rec-title">
          {r.title}
        </Link>
        <div className="muted small">
          {formatRelative(r.created_at)} · {formatClock(r.duration_seconds)} · {formatBytes(r.size_bytes)}
          {r.original_filename && r.original_filename !== r.title && <> · {r.original_filename}</>}
        </div>
        {status === 'failed' && (live?.error ?? r.error) && (
          <div className="error-text small">{live?.error ?? r.error}</div>
        )}
      </div>
      <div className="rec-status">
        <StatusBadge status={status} />
        {busy && live && (
          <>
            <ProgressBar value={live.progress} label={`Processing ${r.title}`} />
            <StageChips stages={live.stages} compact />
          </>
        )}
      </div>
    </li>
  );
}

/**
 * Polls /status for the recordings still in flight (a few at a time, every 3 s) and
 * reloads the list when one of them finishes. Backs off on 429 as Retry-After says.
 */
function useLiveStatus(items: Recording[], reloadList: () => void): Record<string, RecordingStatusInfo> {
  const [statuses, setStatuses] = useState<Record<string, RecordingStatusInfo>>({});
  const pending = items.filter((r) => !isTerminal(r.status)).slice(0, MAX_POLLED);
  const key = pending.map((r) => r.id).join(',');
  const reloadRef = useRef(reloadList);
  reloadRef.current = reloadList;

  useEffect(() => {
    if (!key) return;
    const ids = key.split(',');
    let stopped = false;
    let timer: number | undefined;
    const ctrl = new AbortController();
    const tick = async () => {
      let delay = POLL_MS;
      let finished = false;
      for (const id of ids) {
        try {
          const s = await get<RecordingStatusInfo>(`/recordings/${id}/status`, undefined, ctrl.signal);
          if (stopped) return;
          setStatuses((prev) => ({ ...prev, [id]: s }));
          if (isTerminal(s.status)) finished = true;
        } catch (err) {
          if (stopped) return;
          const retry = (err as { retryAfterSeconds?: number }).retryAfterSeconds;
          if (retry) delay = Math.max(delay, retry * 1000);
        }
      }
      if (finished) reloadRef.current();
      if (!stopped) timer = window.setTimeout(() => void tick(), delay);
    };
    void tick();
    return () => {
      stopped = true;
      ctrl.abort();
      window.clearTimeout(timer);
    };
  }, [key]);

  return statuses;
}
