import { useState, type FormEvent } from 'react';
import { API, get, getToken, withQuery, type Page, type Query } from '../api';
import { useSession, useWorkspace } from '../session';
import { Empty, ErrorNotice, Loading, Notice, errorMessage, formatDate, useAsync, usePageTitle } from '../ui';

interface AuditEvent {
  id: string;
  occurred_at: string;
  actor: { type: string; id: string | null; label: string | null };
  credential: { type: string | null; id: string | null };
  permission: string | null;
  action: string;
  outcome: 'success' | 'denied' | 'failure';
  target: { type: string | null; id: string | null };
  reason: string | null;
  ip: string | null;
  request_id: string | null;
}
interface AuditDetail extends AuditEvent {
  before: unknown;
  after: unknown;
}
type Facets = Record<
  'action' | 'outcome' | 'actor_label' | 'target_type' | 'permission' | 'credential_type',
  Array<{ value: string; count: number }>
>;

interface Filters {
  action: string;
  outcome: string;
  target_type: string;
  q: string;
  from: string;
  to: string;
}
const EMPTY: Filters = { action: '', outcome: '', target_type: '', q: '', from: '', to: '' };
const PAGE = 50;

/** `2024-05-01` (a date input) → an ISO timestamp at the start of that local day. */
const dayStart = (d: string) => (d ? new Date(`${d}T00:00:00`).toISOString() : undefined);
const dayEnd = (d: string) =>
  d ? new Date(new Date(`${d}T00:00:00`).getTime() + 86_400_000).toISOString() : undefined;

export function AuditPage() {
  const workspace = useWorkspace();
  const { can } = useSession();
  usePageTitle('Audit log');
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [offset, setOffset] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [exportError, setExportError] = useState<unknown>(undefined);

  const query: Query = {
    workspace_id: workspace.id,
    action: filters.action || undefined,
    outcome: filters.outcome || undefined,
    target_type: filters.target_type || undefined,
    q: filters.q || undefined,
    from: dayStart(filters.from),
    to: dayEnd(filters.to),
  };
  const key = JSON.stringify(query);
  const events = useAsync(
    (signal) => get<Page<AuditEvent>>('/audit-events', { ...query, limit: PAGE, offset }, signal),
    [key, offset],
  );
  const facets = useAsync((signal) => get<Facets>('/audit-events/facets', query, signal), [key]);

  if (!can('audit:read')) {
    return (
      <div className="page">
        <h1>Audit log</h1>
        <Notice>Your role in {workspace.name} cannot read the audit log (needs audit:read).</Notice>
      </div>
    );
  }

  const apply = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setFilters(draft);
  };
  const reset = () => {
    setDraft(EMPTY);
    setFilters(EMPTY);
    setOffset(0);
  };

  const download = async () => {
    setExportError(undefined);
    try {
      const token = getToken();
      const res = await fetch(withQuery(`${API}/audit-events/export`, { ...query, format: 'csv' }), {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: { message?: string } };
        throw new Error(body.error?.message ?? `Export failed (${res.status}).`);
      }
      const url = URL.createObjectURL(await res.blob());
      const a = document.createElement('a');
      a.href = url;
      a.download = `iris-audit-${new Date().toISOString().slice(0, 10)}.csv`;
      a.click();
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      setExportError(err);
    }
  };

  const facetOptions = (name: keyof Facets) =>
    (facets.data?.[name] ?? []).map((f) => (
      <option key={f.value} value={f.value}>
        {f.value} ({f.count})
      </option>
    ));

  return (
    <div className="page page-wide">
      <div className="page-header">
        <h1>Audit log</h1>
        <button type="button" className="btn btn-secondary btn-small" onClick={() => void download()}>
          Export CSV
        </button>
      </div>
      {exportError !== undefined && (
        <p className="error-text" role="alert">
          {errorMessage(exportError)}
        </p>
      )}

      <form className="card filters" onSubmit={apply} aria-label="Filters">
        <label className="field">
          <span>Action</span>
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">Any</option>
            {facetOptions('action')}
          </select>
        </label>
        <label className="field">
          <span>Outcome</span>
          <select value={draft.outcome} onChange={(e) => setDraft({ ...draft, outcome: e.target.value })}>
            <option value="">Any</option>
            {facetOptions('outcome')}
          </select>
        </label>
        <label className="field">
          <span>Target type</span>
          <select
            value={draft.target_type}
            onChange={(e) => setDraft({ ...draft, target_type: e.target.value })}
          >
            <option value="">Any</option>
            {facetOptions('target_type')}
          </select>
        </label>
        <label className="field">
          <span>Text</span>
          <input
            type="search"
            placeholder="action, actor or target id"
            value={draft.q}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </label>
        <label className="field">
          <span>From</span>
          <input
            type="date"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
        </label>
        <label className="field">
          <span>To</span>
          <input type="date" value={draft.to} onChange={(e) => setDraft({ ...draft, to: e.target.value })} />
        </label>
        <div className="filters-actions">
          <button type="submit" className="btn btn-primary">
            Apply
          </button>
          <button type="button" className="btn btn-ghost" onClick={reset}>
            Reset
          </button>
        </div>
      </form>

      {events.error !== undefined && <ErrorNotice error={events.error} onRetry={events.reload} />}
      {events.loading && !events.data && <Loading label="Loading events…" />}
      {events.data && events.data.items.length === 0 && <Empty title="No events match these filters" />}
      {events.data && events.data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="table audit-table">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Target</th>
                  <th scope="col">
                    <span className="visually-hidden">Details</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {events.data.items.map((ev) => (
                  <AuditRow
                    key={ev.id}
                    event={ev}
                    workspaceId={workspace.id}
                    open={open === ev.id}
                    onToggle={() => setOpen(open === ev.id ? null : ev.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={offset === 0}
              onClick={() => setOffset(Math.max(0, offset - PAGE))}
            >
              Newer
            </button>
            <span className="muted small">
              {offset + 1}–{offset + events.data.items.length} of {events.data.pagination.total}
            </span>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={offset + PAGE >= events.data.pagination.total}
              onClick={() => setOffset(offset + PAGE)}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </div>
  );
}

function AuditRow({
  event: ev,
  workspaceId,
  open,
  onToggle,
}: {
  event: AuditEvent;
  workspaceId: string;
  open: boolean;
  onToggle: () => void;
}) {
  return (
    <>
      <tr>
        <td className="small nowrap">{formatDate(ev.occurred_at)}</td>
        <td>
          <div>{ev.actor.label ?? ev.actor.id ?? ev.actor.type}</div>
          {ev.credential.type && <div className="muted small">{ev.credential.type}</div>}
        </td>
        <td>
          <code>{ev.action}</code>
        </td>
        <td>
          <span className={`badge badge-outcome-${ev.outcome}`}>{ev.outcome}</span>
        </td>
        <td className="small">
          {ev.target.type ? `${ev.target.type} ` : ''}
          {ev.target.id && <code>{ev.target.id}</code>}
        </td>
        <td className="actions">
          <button type="button" className="btn btn-ghost btn-small" aria-expanded={open} onClick={onToggle}>
            {open ? 'Hide' : 'Details'}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="detail-row">
          <td colSpan={6}>
            <AuditDetailView id={ev.id} workspaceId={workspaceId} />
          </td>
        </tr>
      )}
    </>
  );
}

function AuditDetailView({ id, workspaceId }: { id: string; workspaceId: string }) {
  const detail = useAsync(
    (signal) => get<AuditDetail>(`/audit-events/${id}`, { workspace_id: workspaceId }, signal),
    [id, workspaceId],
  );
  if (detail.error !== undefined) return <ErrorNotice error={detail.error} />;
  if (!detail.data) return <Loading />;
  const d = detail.data;
  return (
    <div className="audit-detail">
      <dl className="facts">
        <dt>Event</dt>
        <dd>
          <code>{d.id}</code>
        </dd>
        {d.permission && (
          <>
            <dt>Permission</dt>
            <dd>{d.permission}</dd>
          </>
        )}
        {d.reason && (
          <>
            <dt>Reason</dt>
            <dd>{d.reason}</dd>
          </>
        )}
        <dt>Request</dt>
        <dd>
          {d.request_id ? <code>{d.request_id}</code> : '—'}{' '}
          {d.ip && <span className="muted small">from {d.ip}</span>}
        </dd>
      </dl>
      <div className="diff">
        <div>
          <h3 className="h4">Before</h3>
          <pre>{JSON.stringify(d.before, null, 2) ?? 'null'}</pre>
        </div>
        <div>
          <h3 className="h4">After</h3>
          <pre>{JSON.stringify(d.after, null, 2) ?? 'null'}</pre>
        </div>
      </div>
    </div>
  );
}
