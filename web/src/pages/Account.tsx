import { useState, type FormEvent } from 'react';
import { api, setToken } from '../api';
import { useRouter } from '../router';
import { useSession } from '../session';
import { useAction } from '../use-action';
import { ErrorNotice, Notice, formatDate, usePageTitle, TextField, PasswordField } from '../ui';

/** Your account: name, default workspace, password, and deleting it (GET/PATCH/DELETE /auth/me). */
export function AccountPage() {
  const { me, refresh } = useSession();
  const { navigate } = useRouter();
  usePageTitle('Account');
  const [name, setName] = useState(me?.user.name ?? '');
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [deletePassword, setDeletePassword] = useState('');
  const profile = useAction();
  const password = useAction();
  const removal = useAction();
  if (!me) return null;

  const saveName = (e: FormEvent) => {
    e.preventDefault();
    void profile.run(async () => {
      await api('PATCH', '/auth/me', { body: { name } });
      await refresh();
      return 'Name saved.';
    });
  };
  const savePassword = (e: FormEvent) => {
    e.preventDefault();
    void password.run(async () => {
      await api('PATCH', '/auth/me', { body: { password: next, current_password: current } });
      setCurrent('');
      setNext('');
      return 'Password changed. Your other sessions were signed out.';
    });
  };
  const deleteAccount = (e: FormEvent) => {
    e.preventDefault();
    if (!window.confirm('Delete your account for good? Workspaces only you use are deleted with it.')) return;
    void removal.run(async () => {
      await api('DELETE', '/auth/me', { body: { password: deletePassword } });
      await setToken(null);
      navigate('/login', { replace: true });
      return 'Deleted.';
    });
  };

  return (
    <div className="page">
      <h1>Account</h1>
      <p className="muted">
        {me.user.email} · {me.user.email_verified ? 'confirmed' : 'not confirmed yet'} · member since{' '}
        {formatDate(me.user.created_at)}
        {me.user.is_instance_admin && ' · instance administrator'}
      </p>

      <section className="card section" aria-labelledby="profile-heading">
        <h2 id="profile-heading" className="h3">
          Profile
        </h2>
        <form onSubmit={saveName} className="form form-row">
          <TextField label="Name" required maxLength={200} value={name} onChange={setName} />
          <button type="submit" className="btn btn-primary" disabled={profile.busy}>
            Save
          </button>
        </form>
        {profile.error !== undefined && <ErrorNotice error={profile.error} />}
        {profile.done && <Notice kind="success">{profile.done}</Notice>}
      </section>

      <section className="card section" aria-labelledby="password-heading">
        <h2 id="password-heading" className="h3">
          Password
        </h2>
        <form onSubmit={savePassword} className="form form-row">
          <PasswordField label="Current password" purpose="current" value={current} onChange={setCurrent} />
          <PasswordField label="New password" purpose="new" value={next} onChange={setNext} />
          <button type="submit" className="btn btn-primary" disabled={password.busy}>
            Change password
          </button>
        </form>
        {password.error !== undefined && <ErrorNotice error={password.error} />}
        {password.done && <Notice kind="success">{password.done}</Notice>}
      </section>

      <section className="card section danger-zone" aria-labelledby="delete-heading">
        <h2 id="delete-heading" className="h3">
          Delete account
        </h2>
        <p className="muted small">
          Workspaces where you are the only member are deleted too. If you are the last owner of a workspace
          others use, make someone else owner first.
        </p>
        <form onSubmit={deleteAccount} className="form form-row">
          <PasswordField
            label="Your password"
            purpose="current"
            value={deletePassword}
            onChange={setDeletePassword}
          />
          <button type="submit" className="btn btn-danger" disabled={removal.busy}>
            Delete my account
          </button>
        </form>
        {removal.error !== undefined && <ErrorNotice error={removal.error} />}
      </section>
    </div>
  );
}
