import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import { api } from './api/client.js';
import type { SessionInfo } from './api/types.js';

/** What the pages know about who is signed in. */
export interface SessionState {
  /** `loading` until the first `GET /api/v1/session` answers. */
  status: 'loading' | 'ready' | 'error';
  /** The signed-in person, or undefined for a visitor. */
  session: SessionInfo | undefined;
  /** Asks the collector again (after sign-in or sign-out). */
  refresh: () => Promise<SessionInfo | undefined>;
  /** Ends the session. */
  signOut: () => Promise<void>;
}

const SessionContext = createContext<SessionState>({
  status: 'loading',
  session: undefined,
  refresh: () => Promise.resolve(undefined),
  signOut: () => Promise.resolve(),
});

/** Loads the session once and shares it with every page. */
export function SessionProvider(props: { children: ComponentChildren }) {
  const [status, setStatus] = useState<SessionState['status']>('loading');
  const [session, setSession] = useState<SessionInfo | undefined>(undefined);
  const refresh = useCallback(async () => {
    try {
      const info = await api.session();
      setSession(info);
      setStatus('ready');
      return info;
    } catch {
      setSession(undefined);
      setStatus('error');
      return undefined;
    }
  }, []);
  const signOut = useCallback(async () => {
    await api.signOut();
    setSession(undefined);
  }, []);
  useEffect(() => {
    void refresh();
  }, [refresh]);
  const value = useMemo(() => ({ status, session, refresh, signOut }), [status, session, refresh, signOut]);
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}

/** The session state. */
export function useSession(): SessionState {
  return useContext(SessionContext);
}
