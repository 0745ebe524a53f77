import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';

/**
 * Parses a collector base URL given by a person (`--collector`). Only
 * http and https make sense; anything else is a usage error that names
 * what was given.
 */
export function parseCollectorUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `invalid collector URL "${text}": expected http(s)://host[:port]`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `invalid collector URL "${text}": scheme must be http or https, not ${url.protocol.replace(/:$/, '')}`,
    );
  }
  if (url.username || url.password) {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `invalid collector URL "${text}": must not carry a user or password`,
    );
  }
  return url;
}

/**
 * The URL of `path` (absolute, e.g. `/api/v1/enroll`) on the collector at
 * `base`. A base path is kept as a prefix, so a collector behind a reverse
 * proxy at `https://ministry.example/skolnet/` works. With `websocket`, the
 * scheme becomes ws or wss.
 */
export function collectorEndpoint(
  base: URL | string,
  path: string,
  options: { websocket?: boolean } = {},
): URL {
  const b = new URL(base);
  const prefix = b.pathname.endsWith('/') ? b.pathname : `${b.pathname}/`;
  const url = new URL(b.origin);
  url.pathname = `${prefix}${path.replace(/^\/+/, '')}`;
  if (options.websocket) url.protocol = b.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}
