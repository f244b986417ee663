import { get } from '../api';
import { useWorkspace } from '../session';
import { ErrorNotice, Loading, formatBytes, useAsync, usePageTitle } from '../ui';

interface Meter {
  used: number;
  limit: number | null;
  remaining?: number;
}
interface Usage {
  workspace_id: string;
  plan: string;
  period: string;
  limits: {
    requests_per_minute: number;
    max_upload_bytes: number;
    storage_bytes: number;
    recordings: number;
    processed_minutes: number;
  };
  usage: {
    requests: { used: number; limit: null; rate_limit_per_minute: number };
    storage_bytes: Meter;
    recordings: Meter;
    processed_minutes: Meter;
    uploaded_bytes: Meter;
  };
}

const num = (n: number) => n.toLocaleString(undefined, { maximumFractionDigits: 1 });

interface Row {
  label: string;
  used: number;
  limit: number | null;
  format: (n: number) => string;
}

export function UsagePage() {
  const workspace = useWorkspace();
  usePageTitle('Usage');
  const usage = useAsync(
    (signal) => get<Usage>(`/workspaces/${workspace.id}/usage`, undefined, signal),
    [workspace.id],
  );

  if (usage.error !== undefined) {
    return (
      <div className="page">
        <h1>Usage</h1>
        <ErrorNotice error={usage.error} onRetry={usage.reload} />
      </div>
    );
  }
  if (!usage.data) return <Loading label="Loading usage…" />;
  const u = usage.data;
  const rows: Row[] = [
    {
      label: 'Storage',
      used: u.usage.storage_bytes.used,
      limit: u.usage.storage_bytes.limit,
      format: formatBytes,
    },
    { label: 'Recordings', used: u.usage.recordings.used, limit: u.usage.recordings.limit, format: num },
    {
      label: 'Processed minutes',
      used: u.usage.processed_minutes.used,
      limit: u.usage.processed_minutes.limit,
      format: num,
    },
    {
      label: 'Uploaded this month',
      used: u.usage.uploaded_bytes.used,
      limit: u.usage.uploaded_bytes.limit,
      format: formatBytes,
    },
  ];

  return (
    <div className="page">
      <div className="page-header">
        <h1>Usage</h1>
        <button type="button" className="btn btn-secondary btn-small" onClick={usage.reload}>
          Refresh
        </button>
      </div>
      <p className="muted">
        <strong>{workspace.name}</strong> is on the <span className="badge">{u.plan}</span> plan · period{' '}
        {u.period}
      </p>

      <section className="card section" aria-labelledby="usage-chart-heading">
        <h2 id="usage-chart-heading" className="h3">
          This month against the plan
        </h2>
        <ul className="bars">
          {rows.map((r) => {
            const share = r.limit ? Math.min(1, r.used / r.limit) : 0;
            const pct = r.limit ? (r.used / r.limit) * 100 : undefined;
            const level = pct === undefined ? 'none' : pct >= 90 ? 'high' : pct >= 70 ? 'mid' : 'low';
            const text = r.limit
              ? `${r.format(r.used)} of ${r.format(r.limit)} (${pct! < 1 && pct! > 0 ? '<1' : Math.round(pct!)}%)`
              : `${r.format(r.used)} (no limit)`;
            return (
              <li key={r.label} className="bar-row">
                <div className="bar-label">
                  <span>{r.label}</span>
                  <span className="muted small">{text}</span>
                </div>
                <div
                  className="bar-track"
                  role="meter"
                  aria-label={r.label}
                  aria-valuemin={0}
                  aria-valuemax={r.limit ?? undefined}
                  aria-valuenow={r.used}
                  aria-valuetext={text}
                >
                  <div
                    className={`bar-fill bar-${level}`}
                    style={{ width: `${Math.max(share * 100, r.used > 0 ? 0.8 : 0)}%` }}
                  />
                </div>
              </li>
            );
          })}
        </ul>
      </section>

      <section className="card section" aria-labelledby="limits-heading">
        <h2 id="limits-heading" className="h3">
          Plan limits
        </h2>
        <dl className="facts">
          <dt>API requests</dt>
          <dd>
            {num(u.limits.requests_per_minute)} a minute · {num(u.usage.requests.used)} this month
          </dd>
          <dt>Largest upload</dt>
          <dd>{formatBytes(u.limits.max_upload_bytes)}</dd>
          <dt>Storage</dt>
          <dd>{formatBytes(u.limits.storage_bytes)}</dd>
          <dt>Recordings</dt>
          <dd>{num(u.limits.recordings)}</dd>
          <dt>Processed minutes</dt>
          <dd>{num(u.limits.processed_minutes)} a month</dd>
        </dl>
      </section>
    </div>
  );
}
