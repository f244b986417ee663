import { useState } from 'react';
import { api, get, type Agent, type Page } from '../api';
import { Link } from '../router';
import { useSession, useWorkspace } from '../session';
import { Empty, ErrorNotice, Loading, formatRelative, useAsync, usePageTitle } from '../ui';
import { useAction } from '../use-action';
import { AgentForm, SOURCE_LABELS } from './AgentForm';

export { SOURCE_LABELS };

/** "All recordings", or the sources an agent is limited to. */
export function sourcesText(agent: Agent): string {
  const sources = agent.knowledge.sources ?? [];
  return sources.length ? sources.map((s) => SOURCE_LABELS[s]?.label ?? s).join(', ') : 'All recordings';
}

export function AgentsPage() {
  const workspace = useWorkspace();
  const { can } = useSession();
  usePageTitle('Agents');
  const list = useAsync(
    (signal) => get<Page<Agent>>('/agents', { workspace_id: workspace.id, limit: 100 }, signal),
    [workspace.id],
  );
  const [created, setCreated] = useState<Agent | null>(null);
  const { busy, error, run: act } = useAction();
  const manage = can('agent:manage');

  return (
    <div className="page">
      <h1>Agents</h1>
      <p className="muted">
        An agent answers questions about the recordings of <strong>{workspace.name}</strong>: it searches what
        was said and shown, quotes the moments it found and links each quote to its place in the recording. It
        searches as you, so it never cites a recording you cannot open.
      </p>

      {created && (
        <div className="notice notice-success" role="status">
          <div>
            Agent “{created.name}” created. <Link to={`/agents/${created.id}`}>Ask it something</Link>
          </div>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => setCreated(null)}>
            Dismiss
          </button>
        </div>
      )}

      {manage && (
        <section className="card section" aria-labelledby="new-agent-heading">
          <h2 id="new-agent-heading" className="h3">
            Create an agent
          </h2>
          <AgentForm
            workspaceId={workspace.id}
            onSaved={(agent) => {
              setCreated(agent);
              list.reload();
            }}
          />
        </section>
      )}

      <section className="section" aria-labelledby="agents-heading">
        <h2 id="agents-heading">Your agents</h2>
        {error !== undefined && <ErrorNotice error={error} />}
        {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loading && !list.data && <Loading label="Loading agents…" />}
        {list.data && list.data.items.length === 0 && (
          <Empty title="No agents yet">
            {manage ? 'Create one above, then ask it about your recordings.' : 'Ask an admin to create one.'}
          </Empty>
        )}
        {list.data && list.data.items.length > 0 && (
          <ul className="agent-list">
            {list.data.items.map((a) => (
              <li key={a.id} className="agent-card card">
                <div className="agent-card-main">
                  <Link to={`/agents/${a.id}`} className="agent-name">
                    {a.name}
                  </Link>
                  {a.description && <p className="agent-description">{a.description}</p>}
                  <p className="muted small">
                    {sourcesText(a)} · {a.model === 'extractive' ? 'no language model' : a.model} · up to{' '}
                    {a.max_citations} citations · created {formatRelative(a.created_at)}
                  </p>
                </div>
                <div className="agent-card-actions">
                  <Link to={`/agents/${a.id}`} className="btn btn-primary btn-small">
                    Chat<span className="visually-hidden"> with {a.name}</span>
                  </Link>
                  {manage && (
                    <button
                      type="button"
                      className="btn btn-danger btn-small"
                      disabled={busy}
                      onClick={() => {
                        if (!window.confirm(`Delete “${a.name}” and all its conversations?`)) return;
                        void act(async () => {
                          await api('DELETE', `/agents/${a.id}`);
                          if (created?.id === a.id) setCreated(null);
                          list.reload();
                        });
                      }}
                    >
                      Delete<span className="visually-hidden"> {a.name}</span>
                    </button>
                  )}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
