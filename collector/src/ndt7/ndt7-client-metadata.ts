/**
 * Longest query string an ndt7 client may send, in bytes (ndt7 spec
 * v0.11.0, "The WebSocket handshake": MUST NOT be longer than 4096 bytes).
 */
export const NDT7_MAX_QUERY_BYTES = 4096;
/**
 * Most metadata entries kept per test. ndt7-js sends four
 * (client_library_name/version, client_name/version); 32 leaves room for
 * any client's own and still bounds what one test writes to the log.
 */
export const NDT7_MAX_METADATA_ENTRIES = 32;
/** Longest metadata name kept, in characters; longer names are cut. */
export const NDT7_MAX_METADATA_NAME_CHARS = 64;
/** Longest metadata value kept, in characters; longer values are cut and end in "…". */
export const NDT7_MAX_METADATA_VALUE_CHARS = 256;

/**
 * Names the server keeps for itself (spec: the `^server_` prefix is
 * reserved; servers MUST ignore client entries that start with it).
 */
const RESERVED_PREFIX = 'server_';
/**
 * Control (Cc) and format (Cf: bidi overrides, zero-width) characters: a
 * log read in a terminal must not be steered by what a client sent.
 */
const UNSAFE_CHARS = /[\p{Cc}\p{Cf}]/gu;

/** An ndt7 query string that was accepted, in the sanitised form the collector logs. */
export interface Ndt7ClientMetadata {
  ok: true;
  /** Name → value, first occurrence of each name, sanitised and cut to the limits above. */
  metadata: Record<string, string>;
  /** Entries left out beyond {@link NDT7_MAX_METADATA_ENTRIES}. */
  dropped: number;
}

/** An ndt7 query string that was refused, with the HTTP status the spec asks for (4xx). */
export interface Ndt7QueryRefusal {
  ok: false;
  status: 400 | 414;
  message: string;
}

/**
 * Parses the query string of an ndt7 upgrade request (without the `?`).
 *
 * The spec's rules: at most 4096 bytes; names and values are URL-encoded
 * UTF-8, and a query that does not decode is refused; duplicate names are
 * ignored (the first wins); a name without a value has the empty value;
 * `server_` names are ignored. What is kept is then made safe to log:
 * unsafe characters become U+FFFD and names and values are cut to length.
 */
export function parseNdt7Query(query: string): Ndt7ClientMetadata | Ndt7QueryRefusal {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > NDT7_MAX_QUERY_BYTES) {
    return {
      ok: false,
      status: 414,
      message: `ndt7 query string is ${bytes} bytes; the most is ${NDT7_MAX_QUERY_BYTES}`,
    };
  }
  const entries = new Map<string, string>();
  let dropped = 0;
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    const name = decode(rawName);
    const value = decode(rawValue);
    if (name === undefined || value === undefined) {
      return {
        ok: false,
        status: 400,
        message: `ndt7 query parameter "${sanitise(rawName, NDT7_MAX_METADATA_NAME_CHARS)}" is not URL-encoded UTF-8`,
      };
    }
    if (name.startsWith(RESERVED_PREFIX)) continue;
    const key = sanitise(name, NDT7_MAX_METADATA_NAME_CHARS);
    if (entries.has(key)) continue;
    if (entries.size >= NDT7_MAX_METADATA_ENTRIES) {
      dropped += 1;
      continue;
    }
    entries.set(key, sanitise(value, NDT7_MAX_METADATA_VALUE_CHARS));
  }
  // fromEntries defines own properties, so a name like "__proto__" stays data.
  return { ok: true, metadata: Object.fromEntries(entries), dropped };
}

/** Form-decodes one name or value; undefined when it is not valid percent-encoded UTF-8. */
function decode(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function sanitise(text: string, maxChars: number): string {
  const safe = text.replace(UNSAFE_CHARS, '\ufffd');
  const chars = [...safe];
  return chars.length <= maxChars ? safe : `${chars.slice(0, maxChars).join('')}…`;
}
