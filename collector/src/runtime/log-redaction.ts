import type { FastifyRequest } from 'fastify';

/** What a redacted query value is replaced with. */
export const REDACTED = '[redacted]';

/** A query parameter name that is safe to keep in a log: short and plain, so not itself a token. */
const PLAIN_PARAMETER_NAME = /^[a-z][a-z0-9_]{0,31}$/i;

/**
 * A request URL with every query value replaced by {@link REDACTED}:
 * clients put credentials in query strings (refused, but the URL still
 * reaches the log), and no query value is needed to follow a request.
 * Plain parameter names stay, so a log still shows `?bytes=…` was asked
 * for; anything else in the query is redacted whole.
 */
export function redactQuery(url: string): string {
  const mark = url.indexOf('?');
  if (mark < 0) return url;
  const query = url.slice(mark + 1);
  if (query === '') return url;
  const parts = query.split('&').map((part) => {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    return PLAIN_PARAMETER_NAME.test(name) && eq >= 0 ? `${name}=${REDACTED}` : REDACTED;
  });
  return `${url.slice(0, mark)}?${parts.join('&')}`;
}

/** The fields fastify logs for a request, as its own serializer gives them, with the query redacted. */
export interface LoggedRequest {
  [key: string]: unknown;
  method: string;
  url: string;
  host: string | undefined;
  remoteAddress: string | undefined;
  remotePort: number | undefined;
}

/** Request serializer for the collector's logger: fastify's fields, the URL through {@link redactQuery}. */
export function serializeRequest(request: FastifyRequest): LoggedRequest {
  return {
    method: request.method,
    url: redactQuery(request.url),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
