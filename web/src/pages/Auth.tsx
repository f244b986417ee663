import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { api, withQuery, type Session, type User } from '../api';
import { Link, useRouter, useSearchParam } from '../router';
import { useAction } from '../use-action';
import { useSession } from '../session';
import { ErrorNotice, Loading, Notice, usePageTitle, TextField, PasswordField, EmailField } from '../ui';

function AuthCard({ title, children, footer }: { title: string; children: ReactNode; footer?: ReactNode }) {
  usePageTitle(title);
  return (
    <main id="main" className="auth-page">
      <div className="auth-card">
        <div className="brand brand-large" aria-hidden="true">
          <span className="brand-mark" />
          Iris
        </div>
        <h1>{title}</h1>
        {children}
        {footer && <div className="auth-footer">{footer}</div>}
      </div>
    </main>
  );
}

const useSubmit = useAction;

interface OidcConfig {
  enabled: boolean;
  label?: string;
  login_url?: string;
}

/** "Sign in with …" when the server has OIDC configured (404 or disabled: nothing). */
function SsoButton({ next }: { next: string }) {
  const [config, setConfig] = useState<OidcConfig | null>(null);
  useEffect(() => {
    const ctrl = new AbortController();
    api<OidcConfig>('GET', '/auth/oidc/config', { anonymous: true, signal: ctrl.signal }).then(
      setConfig,
      () => setConfig(null),
    );
    return () => ctrl.abort();
  }, []);
  if (!config?.enabled || !config.login_url) return null;
  return (
    <>
      <a className="btn btn-secondary btn-block" href={withQuery(config.login_url, { redirect: next })}>
        {config.label || 'Sign in with single sign-on'}
      </a>
      <div className="divider" role="separator">
        <span>or</span>
      </div>
    </>
  );
}

export function LoginPage() {
  const { signIn } = useSession();
  const { navigate } = useRouter();
  const next = useSearchParam('next');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useSubmit();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const session = await api<Session>('POST', '/auth/login', {
        body: { email, password },
        anonymous: true,
      });
      await signIn(session.token);
      navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/', { replace: true });
    });
  };

  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          <Link to="/forgot-password">Forgot your password?</Link>
          <span>
            New here? <Link to="/signup">Create an account</Link>
          </span>
        </>
      }
    >
      <form onSubmit={submit} className="form">
        <SsoButton next={next && next.startsWith('/') && !next.startsWith('//') ? next : '/'} />
        {error !== undefined && <ErrorNotice error={error} title="Could not sign in" />}
        <EmailField value={email} onChange={setEmail} />
        <PasswordField label="Password" purpose="current" value={password} onChange={setPassword} />
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </AuthCard>
  );
}

export function SignupPage() {
  const { signIn } = useSession();
  const { navigate } = useRouter();
  const inviteToken = useSearchParam('invite');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useSubmit();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const session = await api<Session>('POST', '/auth/signup', {
        body: {
          email,
          password,
          ...(name ? { name } : {}),
          ...(inviteToken ? { invite_token: inviteToken } : {}),
        },
        anonymous: true,
      });
      await signIn(session.token);
      navigate('/', { replace: true });
    });
  };

  return (
    <AuthCard
      title="Create your account"
      footer={
        <span>
          Already have an account? <Link to="/login">Sign in</Link>
        </span>
      }
    >
      <form onSubmit={submit} className="form">
        {inviteToken && (
          <Notice>You were invited to a workspace: signing up with the invited address joins it.</Notice>
        )}
        {error !== undefined && <ErrorNotice error={error} title="Could not create the account" />}
        <TextField label="Name" autoComplete="name" value={name} onChange={setName} />
        <EmailField value={email} onChange={setEmail} />
        <label className="field">
          <span>Password</span>
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={8}
            aria-describedby="password-hint"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <small id="password-hint" className="muted">
            At least 8 characters; a few unrelated words make a strong one.
          </small>
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Creating…' : 'Create account'}
        </button>
      </form>
    </AuthCard>
  );
}

export function VerifyEmailPage() {
  const token = useSearchParam('token');
  const { me, refresh } = useSession();
  const [state, setState] = useState<{ user?: User; error?: unknown }>({});
  const started = useRef(false);

  useEffect(() => {
    if (!token || started.current) return;
    started.current = true;
    api<{ user: User }>('POST', '/auth/verify-email', { body: { token }, anonymous: true }).then(
      ({ user }) => {
        setState({ user });
        void refresh();
      },
      (error: unknown) => setState({ error }),
    );
  }, [token, refresh]);

  return (
    <AuthCard title="Confirm your email">
      {!token && (
        <ErrorNotice error={new Error('This link has no token. Open the link from the email again.')} />
      )}
      {token && !state.user && state.error === undefined && <Loading label="Confirming…" />}
      {state.error !== undefined && <ErrorNotice error={state.error} title="Could not confirm the address" />}
      {state.user && (
        <Notice kind="success">
          <strong>{state.user.email}</strong> is confirmed.
        </Notice>
      )}
      {(state.user || state.error !== undefined) && (
        <p>
          <Link to={me ? '/' : '/login'} className="btn btn-primary">
            {me ? 'Go to your recordings' : 'Sign in'}
          </Link>
        </p>
      )}
    </AuthCard>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState<string | null>(null);
  const { busy, error, run } = useSubmit();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const res = await api<{ message: string }>('POST', '/auth/forgot-password', {
        body: { email },
        anonymous: true,
      });
      setSent(res.message);
    });
  };

  return (
    <AuthCard title="Reset your password" footer={<Link to="/login">Back to sign in</Link>}>
      {sent ? (
        <Notice kind="success">{sent}</Notice>
      ) : (
        <form onSubmit={submit} className="form">
          <p className="muted">We will email you a link to choose a new password.</p>
          {error !== undefined && <ErrorNotice error={error} />}
          <EmailField value={email} onChange={setEmail} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Sending…' : 'Send reset link'}
          </button>
        </form>
      )}
    </AuthCard>
  );
}

export function ResetPasswordPage() {
  const token = useSearchParam('token');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const { busy, error, run } = useSubmit();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      await api('POST', '/auth/reset-password', { body: { token, password }, anonymous: true });
      setDone(true);
    });
  };

  return (
    <AuthCard title="Choose a new password" footer={<Link to="/login">Back to sign in</Link>}>
      {!token ? (
        <ErrorNotice error={new Error('This link has no token. Open the link from the email again.')} />
      ) : done ? (
        <>
          <Notice kind="success">Your password is changed, and you are signed out everywhere.</Notice>
          <p>
            <Link to="/login" className="btn btn-primary">
              Sign in
            </Link>
          </p>
        </>
      ) : (
        <form onSubmit={submit} className="form">
          {error !== undefined && <ErrorNotice error={error} />}
          <PasswordField label="New password" purpose="new" value={password} onChange={setPassword} />
          <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </form>
      )}
    </AuthCard>
  );
}

/** /invite?token=… from an invitation email. */
export function AcceptInvitePage() {
  const token = useSearchParam('token');
  const { me, refresh, selectWorkspace } = useSession();
  const { navigate } = useRouter();
  const { busy, error, run } = useSubmit();

  if (!token) {
    return (
      <AuthCard title="Invitation">
        <ErrorNotice error={new Error('This link has no token. Open the link from the email again.')} />
      </AuthCard>
    );
  }
  if (me === undefined) return <Loading />;
  if (!me) {
    const here = `/invite?token=${encodeURIComponent(token)}`;
    return (
      <AuthCard title="You are invited">
        <p>Sign in to accept the invitation, or create an account with the invited address.</p>
        <div className="row">
          <Link to={`/login?next=${encodeURIComponent(here)}`} className="btn btn-primary">
            Sign in
          </Link>
          <Link to={`/signup?invite=${encodeURIComponent(token)}`} className="btn btn-secondary">
            Create account
          </Link>
        </div>
      </AuthCard>
    );
  }
  const accept = () =>
    void run(async () => {
      const res = await api<{ workspace?: { id: string }; id?: string }>(
        'POST',
        '/workspaces/invites/accept',
        {
          body: { token },
        },
      );
      await refresh();
      const id = res.workspace?.id ?? res.id;
      if (id) selectWorkspace(id);
      navigate('/', { replace: true });
    });
  return (
    <AuthCard title="Join the workspace">
      {error !== undefined && <ErrorNotice error={error} title="Could not accept the invitation" />}
      <p>
        Signed in as <strong>{me.user.email}</strong>.
      </p>
      <button type="button" className="btn btn-primary" onClick={accept} disabled={busy}>
        {busy ? 'Joining…' : 'Accept invitation'}
      </button>
    </AuthCard>
  );
}
