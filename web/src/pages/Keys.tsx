import { useState, type FormEvent } from 'react';
import { api, get, type Page } from '../api';
import { useWorkspace } from '../session';
import {
  CopyButton,
  Empty,
  ErrorNotice,
  Loading,
  formatDate,
  formatRelative,
  useAsync,
  usePageTitle,
  TextField,
} from '../ui';
import { useAction } from '../use-action';

interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  workspace_id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

const SCOPES = [
  { value: 'read', hint: 'list, read, search and watch' },
  { value: 'write', hint: 'also upload, edit, share and retry' },
  { value: 'admin', hint: 'also delete and manage the workspace' },
];

export function KeysPage() {
  const workspace = useWorkspace();
  usePageTitle('API keys');
  const list = useAsync(
    (signal) => get<Page<ApiKey>>('/keys', { workspace_id: workspace.id, limit: 100 }, signal),
    [workspace.id],
  );
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['read']);
  const [created, setCreated] = useState<{ name: string; plaintext: string } | null>(null);
  const { busy, error, run: act } = useAction();

  const create = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const res = await api<{ key: ApiKey & { plaintext: string } }>('POST', '/keys', {
        body: { name, scopes, workspace_id: workspace.id },
      });
      setCreated({ name: res.key.name, plaintext: res.key.plaintext });
      setName('');
      list.reload();
    });
  };

  const toggleScope = (s: string, on: boolean) =>
    setScopes((prev) => (on ? [...new Set([...prev, s])] : prev.filter((x) => x !== s)));

  return (
    <div className="page">
      <h1>API keys</h1>
      <p className="muted">
        Keys let scripts, the <code>iris</code> CLI and AI assistants (MCP) use Iris as you, in{' '}
        <strong>{workspace.name}</strong>, within the scopes you pick. Send one as{' '}
        <code>Authorization: Bearer …</code>.
      </p>

      {created && (
        <div className="notice notice-success key-created" role="status">
          <div>
            <strong>Key “{created.name}” created.</strong> Copy it now: it is shown only this once.
            <div className="key-plaintext">
              <label htmlFor="new-key" className="visually-hidden">
                New API key
              </label>
              <input
                id="new-key"
                readOnly
                value={created.plaintext}
                onFocus={(e) => e.currentTarget.select()}
              />
              <CopyButton text={created.plaintext} />
            </div>
          </div>
          <button type="button" className="btn btn-ghost btn-small" onClick={() => setCreated(null)}>
            Done
          </button>
        </div>
      )}
      {error !== undefined && <ErrorNotice error={error} />}

      <section className="card section" aria-labelledby="new-key-heading">
        <h2 id="new-key-heading" className="h3">
          Create a key
        </h2>
        <form onSubmit={create} className="form">
          <TextField
            label="Name"
            required
            maxLength={200}
            placeholder="e.g. laptop CLI"
            value={name}
            onChange={setName}
          />
          <fieldset className="fieldset">
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label key={s.value} className="checkbox">
                <input
                  type="checkbox"
                  checked={scopes.includes(s.value)}
                  onChange={(e) => toggleScope(s.value, e.target.checked)}
                />{' '}
                <strong>{s.value}</strong> <span className="muted small">{s.hint}</span>
              </label>
            ))}
          </fieldset>
          <div>
            <button type="submit" className="btn btn-primary" disabled={busy || scopes.length === 0}>
              Create key
            </button>
          </div>
        </form>
      </section>

      <section className="section" aria-labelledby="keys-heading">
        <h2 id="keys-heading">Your keys</h2>
        {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loading && !list.data && <Loading />}
        {list.data && list.data.items.length === 0 && <Empty title="No keys yet">Create one above.</Empty>}
        {list.data && list.data.items.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((k) => (
                  <tr key={k.id}>
                    <td>
                      <div>{k.name}</div>
                      <div className="muted small">
                        created {formatDate(k.created_at)}
                        {k.expires_at && ` · expires ${formatDate(k.expires_at)}`}
                      </div>
                    </td>
                    <td>
                      <code>{k.prefix}…</code>
                    </td>
                    <td>
                      {k.scopes.map((s) => (
                        <span key={s} className="badge">
                          {s}
                        </span>
                      ))}
                    </td>
                    <td className="small">{k.last_used_at ? formatRelative(k.last_used_at) : 'never'}</td>
                    <td className="actions">
                      <button
                        type="button"
                        className="btn btn-danger btn-small"
                        disabled={busy}
                        onClick={() => {
                          if (!window.confirm(`Revoke “${k.name}”? Programs using it stop working.`)) return;
                          void act(async () => {
                            await api('DELETE', `/keys/${k.id}`);
                            list.reload();
                          });
                        }}
                      >
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
