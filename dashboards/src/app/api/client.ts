import type { ApiErrorBody, Overview, SchoolListItem, SessionInfo } from './types.js';

/** Header carrying the session's CSRF token (collector/src/plugins/auth-plugin.ts). */
export const CSRF_HEADER = 'x-skolnet-csrf';

/** A request the collector refused or could not answer; `code` is its `SKOLNET_...` code when it sent one. */
export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the collector could not be reached. */
    readonly status: number,
    /** The collector's error code, e.g. `SKOLNET_AUTH_UNAUTHORIZED`. */
    readonly code: string,
    message: string,
    /** The answer's parsed body, for refusals that carry more than a code (a rule refusal's `violations`). */
    readonly body?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | undefined;

/** Remembers the session's CSRF token for later writes (from sign-in or `GET /api/v1/session`). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

async function request<T>(method: string, path: string, body?: unknown, file?: Blob): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  // A file goes as it is, with its own type (the school register import reads the bytes).
  if (file !== undefined) headers['content-type'] = file.type || 'application/octet-stream';
  if (method !== 'GET' && csrfToken !== undefined) headers[CSRF_HEADER] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(file === undefined ? {} : { body: file }),
    });
  } catch (err) {
    throw new ApiError(0, 'NETWORK', err instanceof Error ? err.message : String(err));
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    const err = parsed as Partial<ApiErrorBody> | undefined;
    throw new ApiError(response.status, err?.code ?? `HTTP_${response.status}`, err?.message ?? text, parsed);
  }
  return parsed as T;
}

/**
 * The collector's JSON API as the pages use it. Each method names its
 * route; add one here beside the route it calls rather than calling
 * `fetch` in a page, so errors and CSRF are handled once.
 */
export const api = {
  /** Any GET of the JSON API, for routes without a method of their own yet. */
  get: <T>(path: string): Promise<T> => request<T>('GET', path),
  /** Any state-changing call; the CSRF token goes with it. */
  send: <T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> =>
    request<T>(method, path, body),

  /** POSTs a file's bytes as the body (`POST /api/v1/schools/import`); the CSRF token goes with it. */
  upload: <T>(path: string, file: Blob): Promise<T> => request<T>('POST', path, undefined, file),

  /** `GET /api/v1/session`: the signed-in person, or undefined when nobody is. */
  async session(): Promise<SessionInfo | undefined> {
    try {
      const info = await request<SessionInfo>('GET', '/api/v1/session');
      setCsrfToken(info.csrf_token);
      return info;
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        setCsrfToken(undefined);
        return undefined;
      }
      throw err;
    }
  },
  /** `POST /api/v1/session`: signs in with e-mail and password. */
  async signIn(email: string, password: string): Promise<void> {
    const started = await request<{ csrf_token: string }>('POST', '/api/v1/session', { email, password });
    setCsrfToken(started.csrf_token);
  },
  /** `DELETE /api/v1/session`: signs out. */
  async signOut(): Promise<void> {
    await request<void>('DELETE', '/api/v1/session');
    setCsrfToken(undefined);
  },
  /** `GET /api/v1/schools`: every school with its score and band. */
  schools: (): Promise<SchoolListItem[]> => request<SchoolListItem[]>('GET', '/api/v1/schools'),
  /** `GET /api/v1/overview`: schools and municipalities with the plan at `budget` (planners, admins). */
  overview: (budget?: number): Promise<Overview> =>
    request<Overview>('GET', `/api/v1/overview${budget === undefined ? '' : `?budget=${budget}`}`),
};
