import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthConfig } from './auth-config.js';

/**
 * Cookie name of a session over TLS. The `__Host-` prefix makes browsers
 * refuse it unless it is Secure, host-only and for path `/`, so a sibling
 * subdomain cannot plant or overwrite it (RFC 6265bis, section 4.1.3.2).
 */
export const SECURE_SESSION_COOKIE = '__Host-skolnet_session';
/** Cookie name of a session over plain HTTP (the localhost quickstart), where `__Host-` is not allowed. */
export const PLAIN_SESSION_COOKIE = 'skolnet_session';
/** Cookie binding an OpenID Connect sign-in in progress to the browser that started it. */
export const OIDC_STATE_COOKIE = 'skolnet_oidc';

/** The cookies of a request by name; the first of a repeated name wins. */
export function readCookies(request: FastifyRequest): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (cookies.has(name)) continue;
    try {
      cookies.set(name, decodeURIComponent(part.slice(eq + 1).trim()));
    } catch {
      // A malformed escape is no cookie of ours.
    }
  }
  return cookies;
}

/** Whether cookies set on this request's answer get `Secure` (see {@link AuthConfig.secureCookies}). */
export function cookiesAreSecure(request: FastifyRequest, config: AuthConfig): boolean {
  return config.secureCookies === 'auto' ? request.protocol === 'https' : config.secureCookies;
}

/** The session secret the request carries, under either name. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  const cookies = readCookies(request);
  return cookies.get(SECURE_SESSION_COOKIE) ?? cookies.get(PLAIN_SESSION_COOKIE);
}

/** Options of {@link setCookie}. */
export interface CookieOptions {
  /** Seconds until the browser drops it; 0 deletes it. */
  maxAgeS: number;
  secure: boolean;
  /**
   * `Lax` lets the cookie travel on a top-level navigation from another
   * site (a link in an email, the identity provider's redirect back), never
   * on another site's POST or script request; `Strict` not even then.
   */
  sameSite: 'Strict' | 'Lax';
  path?: string;
}

/** Appends a `Set-Cookie` that scripts cannot read (HttpOnly). */
export function setCookie(reply: FastifyReply, name: string, value: string, options: CookieOptions): void {
  const parts = [
    `${name}=${encodeURIComponent(value)}`,
    `Path=${options.path ?? '/'}`,
    `Max-Age=${Math.max(0, Math.floor(options.maxAgeS))}`,
    'HttpOnly',
    `SameSite=${options.sameSite}`,
  ];
  if (options.secure) parts.push('Secure');
  const existing = reply.getHeader('set-cookie');
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
  void reply.header('set-cookie', [...list, parts.join('; ')]);
}

/** Sets the session cookie under the name that fits `secure`. */
export function setSessionCookie(reply: FastifyReply, value: string, maxAgeS: number, secure: boolean): void {
  setCookie(reply, secure ? SECURE_SESSION_COOKIE : PLAIN_SESSION_COOKIE, value, {
    maxAgeS,
    secure,
    sameSite: 'Lax',
  });
}

/** Deletes the session cookie under both names. */
export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  setCookie(reply, PLAIN_SESSION_COOKIE, '', { maxAgeS: 0, secure, sameSite: 'Lax' });
  if (secure) setCookie(reply, SECURE_SESSION_COOKIE, '', { maxAgeS: 0, secure, sameSite: 'Lax' });
}
