import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, getToken, onTokenChange, setToken, type Me, type MeWorkspace } from './api';

const WORKSPACE_KEY = 'iris.workspace';

interface SessionValue {
  /** undefined while the first /auth/me is in flight; null when signed out. */
  me: Me | null | undefined;
  workspace: MeWorkspace | undefined;
  selectWorkspace: (id: string) => void;
  signIn: (token: string) => Promise<void>;
  signOut: () => Promise<void>;
  refresh: () => Promise<void>;
  can: (permission: string) => boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

function storedWorkspace(): string | null {
  try {
    return localStorage.getItem(WORKSPACE_KEY);
  } catch {
    return null;
  }
}

export function SessionProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(getToken() ? undefined : null);
  const [workspaceId, setWorkspaceId] = useState<string | null>(storedWorkspace);

  const refresh = useCallback(async () => {
    if (!getToken()) {
      setMe(null);
      return;
    }
    try {
      setMe(await api<Me>('GET', '/auth/me'));
    } catch {
      // 401 clears the token (see api.ts); anything else: show the sign-in page again.
      setMe(getToken() ? (prev) => prev ?? null : null);
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onTokenChange((t) => {
      if (!t) setMe(null);
      else void refresh();
    });
  }, [refresh]);

  const signIn = useCallback(
    async (token: string) => {
      await setToken(token);
      await refresh();
    },
    [refresh],
  );

  const signOut = useCallback(async () => {
    try {
      await api('POST', '/auth/logout');
    } catch {
      // Already ended or unreachable: forget it locally anyway.
    }
    await setToken(null);
  }, []);

  const selectWorkspace = useCallback((id: string) => {
    setWorkspaceId(id);
    try {
      localStorage.setItem(WORKSPACE_KEY, id);
    } catch {
      // ignore
    }
  }, []);

  const workspace = useMemo(() => {
    if (!me) return undefined;
    return (
      me.workspaces.find((w) => w.id === workspaceId) ??
      me.workspaces.find((w) => w.id === me.user.default_workspace_id) ??
      me.workspaces[0]
    );
  }, [me, workspaceId]);

  const can = useCallback(
    (permission: string) => Boolean(workspace?.permissions.includes(permission)),
    [workspace],
  );

  const value = useMemo(
    () => ({ me, workspace, selectWorkspace, signIn, signOut, refresh, can }),
    [me, workspace, selectWorkspace, signIn, signOut, refresh, can],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside <SessionProvider>');
  return value;
}

/** The current workspace; pages under the signed-in shell always have one. */
export function useWorkspace(): MeWorkspace {
  const { workspace } = useSession();
  if (!workspace) throw new Error('No workspace selected');
  return workspace;
}
