import { useEffect, useState, type FormEvent } from 'react';
import {
  ApiError,
  api,
  get,
  type DeliveryStatus,
  type Page,
  type Webhook,
  type WebhookDelivery,
  type WebhookEventType,
  type WebhookWithSecret,
} from '../api';
import { useSession, useWorkspace } from '../session';
import {
  CopyButton,
  Empty,
  ErrorNotice,
  Loading,
  Notice,
  TextField,
  formatDate,
  formatRelative,
  useAsync,
  usePageTitle,
} from '../ui';
import { useAction } from '../use-action';

const isForbidden = (err: unknown) => err instanceof ApiError && err.status === 403;

const STATUS_LABEL: Record<DeliveryStatus, string> = {
  pending: 'Pending',
  succeeded: 'Delivered',
  failed: 'Failed',
};
const STATUS_BADGE: Record<DeliveryStatus, string> = {
  pending: 'badge-queued',
  succeeded: 'badge-ready',
  failed: 'badge-failed',
};

export function WebhooksPage() {
  const workspace = useWorkspace();
  const { can } = useSession();
  usePageTitle('Webhooks');
  const list = useAsync(
    (signal) => get<Page<Webhook>>('/webhooks', { workspace_id: workspace.id, limit: 100 }, signal),
    [workspace.id],
  );
  const [secret, setSecret] = useState<{ title: string; secret: string } | null>(null);
  const forbidden = isForbidden(list.error);
  const manage = can('webhook:manage');

  return (
    <div className="page">
      <h1>Webhooks</h1>
      <p className="muted">
        Webhooks tell your own services when something happens in <strong>{workspace.name}</strong> (a
        recording is ready, an agent answered…): Iris POSTs a signed JSON message to the URL, retries failures
        with backoff, and keeps a delivery log for 30 days.
      </p>

      {forbidden ? (
        <Notice>
          <strong>You cannot see this workspace’s webhooks.</strong> Webhooks are managed by the workspace’s
          owners and admins; ask one of them if you need a webhook set up or its delivery log checked.
        </Notice>
      ) : (
        <>
          {secret && <SecretNotice {...secret} onDone={() => setSecret(null)} />}
          {manage && (
            <CreateWebhook
              workspaceId={workspace.id}
              onCreated={(w) => {
                setSecret({ title: `Webhook for ${w.url} created.`, secret: w.secret });
                list.reload();
              }}
            />
          )}
          <section className="section" aria-labelledby="webhooks-heading">
            <h2 id="webhooks-heading">Your webhooks</h2>
            {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
            {list.loading && !list.data && <Loading label="Loading webhooks…" />}
            {list.data && list.data.items.length === 0 && (
              <Empty title="No webhooks yet">
                {manage ? 'Add one above with the URL of your receiver.' : 'Ask an admin to add one.'}
              </Empty>
            )}
            {list.data && list.data.items.length > 0 && (
              <ul className="webhook-list">
                {list.data.items.map((w) => (
                  <WebhookCard
                    key={w.id}
                    webhook={w}
                    manage={manage}
                    onChanged={list.reload}
                    onSecret={(s) => setSecret({ title: `New secret for ${w.url}.`, secret: s })}
                  />
                ))}
              </ul>
            )}
          </section>
        </>
      )}
    </div>
  );
}

function SecretNotice({ title, secret, onDone }: { title: string; secret: string; onDone: () => void }) {
  return (
    <div className="notice notice-success key-created" role="status">
      <div>
        <strong>{title}</strong> Copy the signing secret now: it is shown only this once, and Iris cannot show
        it again. Your receiver uses it to check the <code>webhook-signature</code> header.
        <div className="key-plaintext">
          <label htmlFor="webhook-secret" className="visually-hidden">
            Signing secret
          </label>
          <input id="webhook-secret" readOnly value={secret} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={secret} />
        </div>
      </div>
      <button type="button" className="btn btn-ghost btn-small" onClick={onDone}>
        Done
      </button>
    </div>
  );
}

function CreateWebhook({
  workspaceId,
  onCreated,
}: {
  workspaceId: string;
  onCreated: (w: WebhookWithSecret) => void;
}) {
  const types = useAsync(
    (signal) => get<{ items: WebhookEventType[] }>('/webhooks/event-types', undefined, signal),
    [],
  );
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>([]);
  const { busy, error, run } = useAction();
  const all = events.includes('*');

  const toggle = (name: string, on: boolean) =>
    setEvents((prev) => (on ? [...new Set([...prev, name])] : prev.filter((x) => x !== name)));

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const w = await api<WebhookWithSecret>('POST', '/webhooks', {
        body: {
          url: url.trim(),
          events: all ? ['*'] : events,
          workspace_id: workspaceId,
          ...(description.trim() ? { description: description.trim() } : {}),
        },
      });
      setUrl('');
      setDescription('');
      setEvents([]);
      onCreated(w);
    });
  };

  return (
    <section className="card section" aria-labelledby="new-webhook-heading">
      <h2 id="new-webhook-heading" className="h3">
        Add a webhook
      </h2>
      <form onSubmit={submit} className="form">
        <div className="form-row form">
          <TextField
            label="URL"
            type="url"
            required
            minLength={8}
            maxLength={2048}
            placeholder="https://example.com/iris-webhook"
            value={url}
            onChange={setUrl}
          />
          <TextField
            label="Description (optional)"
            maxLength={500}
            placeholder="e.g. Slack notifier"
            value={description}
            onChange={setDescription}
          />
        </div>
        <fieldset className="fieldset">
          <legend>Events</legend>
          {types.error !== undefined && (
            <ErrorNotice error={types.error} title="Could not load the event types" onRetry={types.reload} />
          )}
          {types.loading && !types.data && <p className="muted small">Loading event types…</p>}
          <label className="checkbox source-option">
            <input type="checkbox" checked={all} onChange={(e) => toggle('*', e.target.checked)} />
            <span>
              <strong>Every event</strong>
              <span className="muted small block">including event types added later</span>
            </span>
          </label>
          <div className="source-options">
            {types.data?.items.map((t) => (
              <label key={t.name} className="checkbox source-option">
                <input
                  type="checkbox"
                  disabled={all}
                  checked={all || events.includes(t.name)}
                  onChange={(e) => toggle(t.name, e.target.checked)}
                />
                <span>
                  <code>{t.name}</code>
                  <span className="muted small block">{t.description}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        {error !== undefined && <ErrorNotice error={error} title="Could not add the webhook" />}
        <div>
          <button type="submit" className="btn btn-primary" disabled={busy || !url.trim() || !events.length}>
            {busy ? 'Adding…' : 'Add webhook'}
          </button>
        </div>
      </form>
    </section>
  );
}

function WebhookCard({
  webhook: w,
  manage,
  onChanged,
  onSecret,
}: {
  webhook: Webhook;
  manage: boolean;
  onChanged: () => void;
  onSecret: (secret: string) => void;
}) {
  const { busy, error, done, run } = useAction();
  const [showDeliveries, setShowDeliveries] = useState(false);
  const [deliveriesTick, setDeliveriesTick] = useState(0);
  const refreshDeliveries = () => setDeliveriesTick((t) => t + 1);

  return (
    <li className="card webhook-card">
      <div className="webhook-head">
        <div className="webhook-main">
          <div className="webhook-url">
            <code>{w.url}</code>
            {w.enabled ? (
              <span className="badge badge-ready">Enabled</span>
            ) : (
              <span className="badge badge-failed">Disabled</span>
            )}
          </div>
          {w.description && <p className="webhook-description">{w.description}</p>}
          <p className="muted small">
            {w.events.map((e) => (
              <span key={e} className="badge webhook-event">
                {e === '*' ? 'every event' : e}
              </span>
            ))}
          </p>
          <p className="muted small">
            Created {formatRelative(w.created_at)}
            {w.failure_count > 0 && ` · ${w.failure_count} failed in a row`}
            {w.previous_secret_expires_at &&
              ` · the previous secret also signs until ${formatDate(w.previous_secret_expires_at)}`}
          </p>
          {!w.enabled && w.disabled_reason && (
            <p className="error-text small">Disabled: {w.disabled_reason}</p>
          )}
        </div>
      </div>
      <div className="row webhook-actions">
        <button
          type="button"
          className="btn btn-secondary btn-small"
          aria-expanded={showDeliveries}
          aria-controls={`deliveries-${w.id}`}
          onClick={() => setShowDeliveries((o) => !o)}
        >
          {showDeliveries ? 'Hide deliveries' : 'Deliveries'}
        </button>
        {manage && (
          <>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={busy || !w.enabled}
              title={w.enabled ? undefined : 'Enable the webhook to send a test'}
              onClick={() =>
                void run(async () => {
                  await api('POST', `/webhooks/${w.id}/test`);
                  setShowDeliveries(true);
                  refreshDeliveries();
                  return 'Test event queued: see it in the deliveries below.';
                })
              }
            >
              Send test
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await api('PATCH', `/webhooks/${w.id}`, { body: { enabled: !w.enabled } });
                  onChanged();
                  return w.enabled ? 'Disabled: nothing is sent until you enable it.' : 'Enabled.';
                })
              }
            >
              {w.enabled ? 'Disable' : 'Enable'}
            </button>
            <button
              type="button"
              className="btn btn-secondary btn-small"
              disabled={busy}
              onClick={() => {
                if (
                  !window.confirm(
                    'Rotate the signing secret? The old one keeps signing alongside the new one for a while (24 h by default).',
                  )
                )
                  return;
                void run(async () => {
                  const res = await api<WebhookWithSecret>('POST', `/webhooks/${w.id}/rotate-secret`);
                  onSecret(res.secret);
                  onChanged();
                  window.scrollTo({ top: 0, behavior: 'smooth' });
                });
              }}
            >
              Rotate secret
            </button>
            <button
              type="button"
              className="btn btn-danger btn-small"
              disabled={busy}
              onClick={() => {
                if (!window.confirm(`Delete the webhook for ${w.url} and its delivery log?`)) return;
                void run(async () => {
                  await api('DELETE', `/webhooks/${w.id}`);
                  onChanged();
                });
              }}
            >
              Delete
            </button>
          </>
        )}
      </div>
      {done && (
        <p className="small success-text" role="status">
          {done}
        </p>
      )}
      {error !== undefined && <ErrorNotice error={error} />}
      {showDeliveries && (
        <Deliveries webhookId={w.id} manage={manage} enabled={w.enabled} tick={deliveriesTick} />
      )}
    </li>
  );
}

function Deliveries({
  webhookId,
  manage,
  enabled,
  tick,
}: {
  webhookId: string;
  manage: boolean;
  enabled: boolean;
  tick: number;
}) {
  const list = useAsync(
    (signal) => get<Page<WebhookDelivery>>(`/webhooks/${webhookId}/deliveries`, { limit: 25 }, signal),
    [webhookId, tick],
  );
  const { busy, error, run } = useAction();
  const pending = list.data?.items.some((d) => d.status === 'pending') ?? false;

  // Follow deliveries that are still being sent.
  useEffect(() => {
    if (!pending) return;
    const t = window.setTimeout(list.reload, 2000);
    return () => window.clearTimeout(t);
  }, [pending, list.data, list.reload]);

  return (
    <section id={`deliveries-${webhookId}`} className="deliveries" aria-label="Deliveries">
      <div className="row row-between">
        <h3 className="h4">Deliveries</h3>
        <button
          type="button"
          className="btn btn-ghost btn-small"
          onClick={list.reload}
          disabled={list.loading}
        >
          {list.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
      {error !== undefined && <ErrorNotice error={error} title="Could not redeliver" />}
      {list.loading && !list.data && <Loading label="Loading deliveries…" />}
      {list.data && list.data.items.length === 0 && (
        <p className="muted small">Nothing sent yet. Send a test to try the receiver.</p>
      )}
      {list.data && list.data.items.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last response</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((d) => (
                <tr key={d.id}>
                  <td>
                    <code>{d.event_type}</code>
                    <div className="muted small">{formatRelative(d.created_at)}</div>
                  </td>
                  <td>
                    <span className={`badge ${STATUS_BADGE[d.status]}`}>
                      {STATUS_LABEL[d.status] ?? d.status}
                    </span>
                    {d.status === 'pending' && d.next_attempt_at && (
                      <div className="muted small">next try {formatRelative(d.next_attempt_at)}</div>
                    )}
                  </td>
                  <td>{d.attempts}</td>
                  <td className="delivery-response">
                    {d.last_response_status !== null && <code>HTTP {d.last_response_status}</code>}
                    {d.last_error && <div className="error-text small">{d.last_error}</div>}
                    {d.last_response_body && (
                      <div className="muted small delivery-body" title={d.last_response_body}>
                        {d.last_response_body}
                      </div>
                    )}
                    {d.last_response_status === null && !d.last_error && <span className="muted">—</span>}
                    {d.last_attempt_at && (
                      <div className="muted small">at {formatDate(d.last_attempt_at)}</div>
                    )}
                  </td>
                  <td className="actions">
                    {manage && d.status !== 'pending' && (
                      <button
                        type="button"
                        className="btn btn-secondary btn-small"
                        disabled={busy || !enabled}
                        title={enabled ? undefined : 'Enable the webhook to redeliver'}
                        onClick={() =>
                          void run(async () => {
                            await api('POST', `/webhooks/${webhookId}/deliveries/${d.id}/redeliver`);
                            list.reload();
                          })
                        }
                      >
                        Redeliver<span className="visually-hidden"> {d.event_type}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
