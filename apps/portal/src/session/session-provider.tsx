/**
 * Who is using the portal, and the client and query cache that act as them. A page load
 * asks the broker `whoami` (with the stored token, else the session cookie); any answer
 * `Unauthenticated` later (session expired, token revoked) returns to the login page.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { QueryCache, QueryClient, QueryClientProvider, MutationCache } from '@tanstack/react-query';
import type { SkyportClient } from '@skyport/client';
import type { Principal } from '@skyport/model';
import { errorCode, worthRetrying } from '../api/errors.js';
import { createPortalClient } from './create-portal-client.js';
import { forgetCsrfCookie } from './cookies.js';
import { tokenStorage } from './token-storage.js';

export type SessionStatus = 'checking' | 'signed-out' | 'signed-in';

export interface Session {
  readonly status: SessionStatus;
  readonly client: SkyportClient;
  readonly principal: Principal | undefined;
  /** Why the user was sent back to the login page, when it was not their choice. */
  readonly notice: string | undefined;
  /**
   * The API token the user typed in (undefined for a cookie session), for the few requests
   * the client does not make: an upload with progress, a download by link.
   */
  readonly token: string | undefined;
  signInWithPassword(userName: string, password: string): Promise<void>;
  signInWithToken(token: string): Promise<void>;
  signOut(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

interface State {
  readonly status: SessionStatus;
  readonly client: SkyportClient;
  readonly principal?: Principal;
  /** The API token the user typed in; a password login leaves it out (its session is a cookie). */
  readonly token?: string;
  readonly notice?: string;
}

function initialState(): State {
  const token = tokenStorage.read();
  return { status: 'checking', client: createPortalClient(token), ...(token === undefined ? {} : { token }) };
}

export function SessionProvider({ children }: { readonly children: ReactNode }) {
  const [state, setState] = useState<State>(initialState);

  const expire = useCallback(() => {
    tokenStorage.clear();
    setState((current) =>
      current.status === 'signed-out' ? current : { status: 'signed-out', client: createPortalClient(), notice: 'Your session has ended: sign in again.' },
    );
  }, []);

  const queryClient = useMemo(() => {
    const onError = (error: unknown) => {
      if (errorCode(error) === 'Unauthenticated') expire();
    };
    return new QueryClient({
      queryCache: new QueryCache({ onError }),
      mutationCache: new MutationCache({ onError }),
      defaultOptions: {
        queries: {
          // The event stream invalidates what changes; polling on a timer is not needed.
          staleTime: 60_000,
          retry: (failures, error) => failures < 2 && worthRetrying(error),
        },
        mutations: { retry: false },
      },
    });
  }, [expire]);

  useEffect(() => {
    if (state.status !== 'checking') return;
    let cancelled = false;
    state.client.whoami().then(
      (principal) => !cancelled && setState({ ...state, status: 'signed-in', principal }),
      () => {
        if (cancelled) return;
        tokenStorage.clear();
        setState({ status: 'signed-out', client: createPortalClient() });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [state]);

  const session = useMemo<Session>(() => {
    const signIn = async (client: SkyportClient, token?: string) => {
      const principal = await client.whoami();
      queryClient.clear();
      setState({ status: 'signed-in', client, principal, ...(token === undefined ? {} : { token }) });
    };
    return {
      status: state.status,
      client: state.client,
      principal: state.principal,
      notice: state.notice,
      token: state.token,
      async signInWithPassword(userName, password) {
        const anonymous = createPortalClient();
        await anonymous.login(userName, password, { cookie: true });
        tokenStorage.clear();
        await signIn(anonymous);
      },
      async signInWithToken(token) {
        const client = createPortalClient(token);
        await signIn(client, token);
        tokenStorage.write(token);
      },
      async signOut() {
        // A password session ends on the broker; an API token typed in belongs to the user
        // beyond the portal, so signing out only forgets it here.
        if (state.token === undefined) await state.client.logout().catch(() => undefined);
        tokenStorage.clear();
        forgetCsrfCookie();
        queryClient.clear();
        setState({ status: 'signed-out', client: createPortalClient() });
      },
    };
  }, [state, queryClient]);

  return (
    <SessionContext.Provider value={session}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </SessionContext.Provider>
  );
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession is used outside SessionProvider');
  return session;
}

/** The client of the signed-in user (pages are rendered only when signed in). */
export function useClient(): SkyportClient {
  return useSession().client;
}

/** What the signed-in user may do; the broker checks again on every request. */
export function useRights(): { readonly canChange: boolean; readonly isAdmin: boolean } {
  const role = useSession().principal?.role;
  return { canChange: role === 'admin' || role === 'operator', isAdmin: role === 'admin' };
}
