import { useState, type FormEvent } from 'react';
import { api, get } from '../api';
import { useSession, useWorkspace } from '../session';
import { Empty, ErrorNotice, Loading, Notice, formatDate, useAsync, usePageTitle, TextField } from '../ui';
import { useAction } from '../use-action';

const ROLES = ['owner', 'admin', 'operator', 'viewer', 'auditor'] as const;
const ROLE_HINT: Record<string, string> = {
  owner: 'everything, including deleting the workspace',
  admin: 'everything but deleting the workspace',
  operator: 'upload, edit and share recordings',
  viewer: 'watch and search',
  auditor: 'read the audit log and metadata, no playback',
};

interface Member {
  user_id: string;
  email: string;
  name: string;
  role: string;
  status: string;
  joined_at: string;
}
interface Invite {
  id: string;
  email: string;
  role: string;
  created_at: string;
  expires_at: string;
}

export function MembersPage() {
  const workspace = useWorkspace();
  const { me, can, refresh } = useSession();
  usePageTitle('Members');
  const manage = can('workspace:manage') || can('auth:manage');
  const list = useAsync(
    (signal) =>
      get<{ items: Member[]; invites: Invite[] }>(`/workspaces/${workspace.id}/members`, undefined, signal),
    [workspace.id],
  );
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('viewer');
  const { busy, error, done: sent, run: act } = useAction();

  const invite = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await api('POST', '/workspaces/invite', { body: { workspace_id: workspace.id, email, role } });
      setEmail('');
      list.reload();
      return `Invitation sent to ${email}.`;
    });
  };

  return (
    <div className="page">
      <h1>Members</h1>
      <p className="muted">
        People in <strong>{workspace.name}</strong> and what they may do.
      </p>
      {error !== undefined && <ErrorNotice error={error} />}
      {sent && <Notice kind="success">{sent}</Notice>}

      {manage && (
        <section className="card section" aria-labelledby="invite-heading">
          <h2 id="invite-heading" className="h3">
            Invite someone
          </h2>
          <form onSubmit={invite} className="form form-row">
            <TextField label="Email" type="email" required value={email} onChange={setEmail} />
            <label className="field">
              <span>Role</span>
              <select value={role} onChange={(e) => setRole(e.target.value)} aria-describedby="role-hint">
                {ROLES.filter((r) => r !== 'owner').map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Send invitation
            </button>
          </form>
          <p id="role-hint" className="muted small">
            {role}: {ROLE_HINT[role]}.
          </p>
        </section>
      )}

      <section className="section" aria-labelledby="members-heading">
        <h2 id="members-heading">People</h2>
        {list.error !== undefined && <ErrorNotice error={list.error} onRetry={list.reload} />}
        {list.loading && !list.data && <Loading />}
        {list.data && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Role</th>
                  <th scope="col">Joined</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((m) => {
                  const self = m.user_id === me?.user.id;
                  return (
                    <tr key={m.user_id}>
                      <td>
                        <div>{m.name || m.email}</div>
                        <div className="muted small">
                          {m.email}
                          {m.status !== 'active' && ` · ${m.status}`}
                        </div>
                      </td>
                      <td>
                        {manage && !self ? (
                          <select
                            aria-label={`Role of ${m.email}`}
                            value={m.role}
                            disabled={busy}
                            onChange={(e) => {
                              const next = e.target.value;
                              void act(async () => {
                                await api('PATCH', `/workspaces/${workspace.id}/members/${m.user_id}`, {
                                  body: { role: next },
                                });
                                list.reload();
                              });
                            }}
                          >
                            {ROLES.map((r) => (
                              <option key={r} value={r}>
                                {r}
                              </option>
                            ))}
                          </select>
                        ) : (
                          <span className="badge">{m.role}</span>
                        )}
                      </td>
                      <td className="small">{formatDate(m.joined_at)}</td>
                      <td className="actions">
                        {(manage || self) && (
                          <button
                            type="button"
                            className="btn btn-ghost btn-small"
                            disabled={busy}
                            onClick={() => {
                              const q = self
                                ? `Leave ${workspace.name}?`
                                : `Remove ${m.email} from ${workspace.name}?`;
                              if (!window.confirm(q)) return;
                              void act(async () => {
                                await api('DELETE', `/workspaces/${workspace.id}/members/${m.user_id}`);
                                if (self) await refresh();
                                else list.reload();
                              });
                            }}
                          >
                            {self ? 'Leave' : 'Remove'}
                          </button>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {list.data && (
        <section className="section" aria-labelledby="invites-heading">
          <h2 id="invites-heading">Pending invitations</h2>
          {list.data.invites.length === 0 ? (
            <Empty title="No pending invitations" />
          ) : (
            <ul className="plain-list card">
              {list.data.invites.map((inv) => (
                <li key={inv.id} className="row row-between">
                  <span>
                    {inv.email} <span className="badge">{inv.role}</span>
                    <span className="muted small"> · expires {formatDate(inv.expires_at)}</span>
                  </span>
                  {manage && (
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      disabled={busy}
                      onClick={() =>
                        void act(async () => {
                          await api('DELETE', `/workspaces/${workspace.id}/invites/${inv.id}`);
                          list.reload();
                        })
                      }
                    >
                      Revoke
                    </button>
                  )}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}
