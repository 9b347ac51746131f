import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { ApiError, NodeDownError, toApiError } from './errors';
import { Store } from './store';

export type Schemas = components['schemas'];

export interface Principal {
  name: string;
  role: 'coordinator' | 'agency' | 'auditor' | 'admin';
  agency?: string;
}

/**
 * The session lives in memory only: never localStorage, sessionStorage or a cookie. A reload logs out.
 * `expired` is set when the node answered 401 to a call made with a token: the login dialog then opens over
 * the current screen and the waiting calls are retried after a new login.
 */
export interface Session {
  token: string | null;
  principal: Principal | null;
  expired: boolean;
}

export const session = new Store<Session>({ token: null, principal: null, expired: false });
/** null: answering; otherwise when the node stopped answering. */
export const nodeDown = new Store<Date | null>(null);

const auth: Middleware = {
  onRequest({ request }) {
    const token = session.get().token;
    if (token) request.headers.set('Authorization', `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(auth);

let waiting: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];

/** Called by the login dialog once the user has logged in again. */
export function resumeAfterLogin(): void {
  const w = waiting;
  waiting = [];
  for (const entry of w) entry.resolve();
}

/** Called on logout: calls waiting for a login give up. */
export function abandonWaitingCalls(): void {
  const w = waiting;
  waiting = [];
  for (const entry of w) entry.reject(new ApiError(401, 'LOGGED_OUT', 'logged out'));
}

interface Result<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

const GATEWAY_DOWN = new Set([502, 503, 504]);

/**
 * Runs one API call: returns its data or throws ApiError / NodeDownError. On a 401 with a session it waits for
 * the user to log in again (the dialog opens over the screen, so a draft stays) and retries the call once.
 */
export async function call<T>(run: () => Promise<Result<T>>, options: { reauth?: boolean } = {}): Promise<T> {
  let result: Result<T>;
  try {
    result = await run();
  } catch (error) {
    if (error instanceof TypeError) {
      nodeDown.set(nodeDown.get() ?? new Date());
      throw new NodeDownError(error.message);
    }
    throw error;
  }
  const { response } = result;
  if (GATEWAY_DOWN.has(response.status)) {
    nodeDown.set(nodeDown.get() ?? new Date());
    throw new NodeDownError(`HTTP ${response.status}`);
  }
  nodeDown.set(null);
  if (response.ok) return result.data as T;
  if (response.status === 401 && session.get().principal && options.reauth !== false) {
    session.set({ ...session.get(), token: null, expired: true });
    await new Promise<void>((resolve, reject) => waiting.push({ resolve, reject }));
    return call(run, { reauth: false });
  }
  throw toApiError(response.status, result.error);
}

/**
 * For routes not (yet) in docs/openapi.json: the same handling as `call`, the shape given by the caller.
 */
export async function callRaw<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  return call<T>(async () => {
    const headers = new Headers({ Accept: 'application/json, application/problem+json' });
    const token = session.get().token;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    if (body !== undefined) headers.set('Content-Type', 'application/json');
    const response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = { message: text.slice(0, 200) };
    }
    return response.ok ? { data: parsed as T, response } : { error: parsed, response };
  });
}

/** Downloads a protected file (the token goes in a header, never in the URL) and saves it. */
export async function download(path: string, fileName: string): Promise<void> {
  const blob = await call<Blob>(async () => {
    const headers = new Headers();
    const token = session.get().token;
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const response = await fetch(path, { headers });
    if (response.ok) return { data: await response.blob(), response };
    let error: unknown = undefined;
    try {
      error = await response.json();
    } catch {
      /* no body */
    }
    return { error, response };
  });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Is the node answering again? Polled while the banner shows. */
export async function probeHealth(): Promise<boolean> {
  try {
    const response = await fetch('/health', { cache: 'no-store' });
    if (!GATEWAY_DOWN.has(response.status)) {
      nodeDown.set(null);
      return true;
    }
  } catch {
    /* still down */
  }
  return false;
}

export async function login(name: string, password: string): Promise<Principal> {
  const token = await call(() => api.POST('/auth/token', { body: { name, password } }), { reauth: false });
  session.set({ ...session.get(), token: token.accessToken });
  const me = await call(() => api.GET('/auth/me'), { reauth: false });
  const principal: Principal = { name: me.name, role: me.role, agency: me.agency };
  const previous = session.get().principal;
  session.set({ token: token.accessToken, principal, expired: false });
  if (previous && previous.name === principal.name) resumeAfterLogin();
  else abandonWaitingCalls();
  return principal;
}

export function logout(): void {
  abandonWaitingCalls();
  session.set({ token: null, principal: null, expired: false });
}
