import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, type Workspace } from './api';
import { Link, matchPath, useRouter } from './router';
import { useSession } from './session';
import { ErrorNotice, Loading, Notice, errorMessage } from './ui';
import {
  AcceptInvitePage,
  ForgotPasswordPage,
  LoginPage,
  ResetPasswordPage,
  SignupPage,
  VerifyEmailPage,
} from './pages/Auth';
import { RecordingsPage } from './pages/Recordings';
import { RecordingPage } from './pages/Recording';
import { SearchPage } from './pages/Search';
import { MembersPage } from './pages/Members';
import { KeysPage } from './pages/Keys';
import { UsagePage } from './pages/Usage';
import { AuditPage } from './pages/Audit';
import { AccountPage } from './pages/Account';
import { AgentsPage } from './pages/Agents';
import { AgentPage } from './pages/Agent';
import { WebhooksPage } from './pages/Webhooks';
import { CamerasPage } from './pages/Cameras';

/** Pages anyone can open; they work signed in or out. */
const PUBLIC: Record<string, () => ReactNode> = {
  '/login': () => <LoginPage />,
  '/signup': () => <SignupPage />,
  '/verify-email': () => <VerifyEmailPage />,
  '/forgot-password': () => <ForgotPasswordPage />,
  '/reset-password': () => <ResetPasswordPage />,
  '/invite': () => <AcceptInvitePage />,
};

const NAV = [
  { to: '/', label: 'Recordings', match: ['/', '/recordings/:id'] },
  { to: '/search', label: 'Search', match: ['/search'] },
  { to: '/cameras', label: 'Cameras', match: ['/cameras'] },
  { to: '/agents', label: 'Agents', match: ['/agents', '/agents/:id'] },
  { to: '/members', label: 'Members', match: ['/members'] },
  { to: '/keys', label: 'API keys', match: ['/keys'] },
  { to: '/webhooks', label: 'Webhooks', match: ['/webhooks'] },
  { to: '/usage', label: 'Usage', match: ['/usage'] },
  { to: '/audit', label: 'Audit log', match: ['/audit'] },
];

export function App() {
  const { pathname, search, navigate } = useRouter();
  const { me } = useSession();

  const publicPage = PUBLIC[pathname];
  const signedOutOnly = pathname === '/login' || pathname === '/signup';

  useEffect(() => {
    if (me === null && !publicPage) {
      const next = pathname === '/' ? '' : `?next=${encodeURIComponent(pathname + search)}`;
      navigate(`/login${next}`, { replace: true });
    }
    if (me && signedOutOnly) navigate('/', { replace: true });
  }, [me, publicPage, signedOutOnly, pathname, search, navigate]);

  if (publicPage && !(me && signedOutOnly)) return <>{publicPage()}</>;
  if (!me) return <Loading label="Loading Iris…" />;
  return <Shell />;
}

function routeFor(pathname: string): ReactNode {
  if (pathname === '/' || pathname === '/recordings') return <RecordingsPage />;
  const rec = matchPath('/recordings/:id', pathname);
  if (rec) return <RecordingPage id={rec.id!} />;
  if (pathname === '/search') return <SearchPage />;
  if (pathname === '/cameras') return <CamerasPage />;
  if (pathname === '/agents') return <AgentsPage />;
  const agent = matchPath('/agents/:id', pathname);
  if (agent) return <AgentPage key={agent.id} id={agent.id!} />;
  if (pathname === '/members') return <MembersPage />;
  if (pathname === '/keys') return <KeysPage />;
  if (pathname === '/webhooks') return <WebhooksPage />;
  if (pathname === '/usage') return <UsagePage />;
  if (pathname === '/audit') return <AuditPage />;
  if (pathname === '/account') return <AccountPage />;
  return (
    <div className="page">
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{pathname}</code>. <Link to="/">Back to your recordings</Link>.
      </p>
    </div>
  );
}

function Shell() {
  const { pathname } = useRouter();
  const { me, workspace } = useSession();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [pathname]);
  if (!me) return null;

  return (
    <div className="shell">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <Link to="/" className="brand">
          <span className="brand-mark" aria-hidden="true" />
          Iris
        </Link>
        <button
          type="button"
          className="btn btn-ghost menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="sidebar"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
      </header>
      <aside id="sidebar" className={`sidebar${menuOpen ? ' open' : ''}`}>
        <Link to="/" className="brand sidebar-brand">
          <span className="brand-mark" aria-hidden="true" />
          Iris
        </Link>
        <WorkspaceSwitcher />
        <nav aria-label="Main">
          <ul className="nav">
            {NAV.map((item) => {
              const active = item.match.some((m) => matchPath(m, pathname));
              return (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    className={active ? 'active' : undefined}
                    aria-current={active ? 'page' : undefined}
                  >
                    {item.label}
                  </Link>
                </li>
              );
            })}
          </ul>
        </nav>
        <UserBlock />
      </aside>
      <main id="main" className="content" tabIndex={-1}>
        {!me.user.email_verified && <VerifyBanner email={me.user.email} />}
        {workspace ? routeFor(pathname) : <NoWorkspace />}
      </main>
    </div>
  );
}

function WorkspaceSwitcher() {
  const { me, workspace, selectWorkspace, refresh } = useSession();
  const [creating, setCreating] = useState(false);
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  if (!me) return null;

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const ws = await api<Workspace>('POST', '/workspaces', { body: { name } });
      await refresh();
      selectWorkspace(ws.id);
      setCreating(false);
      setName('');
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="workspace-switcher">
      <div className="field field-compact">
        <label htmlFor="workspace-select">Workspace</label>
        <select
          id="workspace-select"
          value={workspace?.id ?? ''}
          onChange={(e) => selectWorkspace(e.target.value)}
        >
          {me.workspaces.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </div>
      {workspace && <span className="workspace-role">Your role: {workspace.role}</span>}
      {creating ? (
        <form onSubmit={create} className="form form-compact">
          <label className="field field-compact">
            <span>New workspace name</span>
            <input
              required
              maxLength={200}
              value={name}
              onChange={(e) => setName(e.target.value)}
              autoFocus
            />
          </label>
          {error !== undefined && (
            <p className="error-text" role="alert">
              {errorMessage(error)}
            </p>
          )}
          <div className="row">
            <button type="submit" className="btn btn-primary btn-small" disabled={busy}>
              Create
            </button>
            <button type="button" className="btn btn-ghost btn-small" onClick={() => setCreating(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="btn btn-ghost btn-small" onClick={() => setCreating(true)}>
          + New workspace
        </button>
      )}
    </div>
  );
}

function UserBlock() {
  const { me, signOut } = useSession();
  const { navigate } = useRouter();
  if (!me) return null;
  return (
    <div className="user-block">
      <div className="user-name">{me.user.name || me.user.email}</div>
      <div className="muted small">{me.user.email}</div>
      <Link to="/account" className="btn btn-ghost btn-small">
        Account
      </Link>
      <button
        type="button"
        className="btn btn-ghost btn-small"
        onClick={() => void signOut().then(() => navigate('/login', { replace: true }))}
      >
        Sign out
      </button>
    </div>
  );
}

function VerifyBanner({ email }: { email: string }) {
  const [state, setState] = useState<{ sent?: string; error?: unknown }>({});
  const resend = () =>
    api<{ message: string }>('POST', '/auth/resend-verification').then(
      (r) => setState({ sent: r.message }),
      (error: unknown) => setState({ error }),
    );
  return (
    <div className="banner" role="status">
      {state.sent ? (
        state.sent
      ) : (
        <>
          Confirm <strong>{email}</strong> with the link we emailed you.{' '}
          <button type="button" className="btn-link" onClick={() => void resend()}>
            Send it again
          </button>
          {state.error !== undefined && <span className="error-text"> {errorMessage(state.error)}</span>}
        </>
      )}
    </div>
  );
}

function NoWorkspace() {
  return (
    <div className="page">
      <h1>No workspace yet</h1>
      <Notice>Create a workspace with the switcher in the menu to start uploading recordings.</Notice>
    </div>
  );
}

export function FatalError({ error }: { error: unknown }) {
  return (
    <div className="page">
      <ErrorNotice error={error} onRetry={() => window.location.reload()} />
    </div>
  );
}
