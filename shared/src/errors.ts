/**
 * The one error base of skolnet. Every error that crosses a module boundary
 * carries a stable `code` (`SKOLNET_<AREA>_<WHAT>`); callers branch on the
 * code, never on the message text, which is for people.
 */
export class SkolnetError extends Error {
  /** Stable machine-readable code, e.g. `SKOLNET_INGEST_UNAUTHORIZED`. */
  readonly code: ErrorCode;
  /** Whether repeating the same operation later may succeed. */
  readonly retryable: boolean;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SkolnetError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Every error code skolnet emits, grouped by area. */
export const ErrorCodes = {
  /** A command-line argument or option is invalid. */
  CLI_BAD_ARGUMENT: 'SKOLNET_CLI_BAD_ARGUMENT',
  /** A configuration file or value is invalid. */
  CONFIG_INVALID: 'SKOLNET_CONFIG_INVALID',
  /** A WebSocket or HTTP message does not match the protocol schema. */
  PROTOCOL_MALFORMED: 'SKOLNET_PROTOCOL_MALFORMED',
  /** A message is larger than the protocol allows. */
  PROTOCOL_TOO_LARGE: 'SKOLNET_PROTOCOL_TOO_LARGE',
  /** A message arrived in a state where it is not allowed (e.g. a batch before hello). */
  PROTOCOL_UNEXPECTED: 'SKOLNET_PROTOCOL_UNEXPECTED',
  /** The peer speaks a protocol version this side does not. */
  PROTOCOL_VERSION: 'SKOLNET_PROTOCOL_VERSION',
  /** Agent credentials or an admin token are missing or wrong. */
  AUTH_UNAUTHORIZED: 'SKOLNET_AUTH_UNAUTHORIZED',
  /** Authenticated, but not allowed to do this. */
  AUTH_FORBIDDEN: 'SKOLNET_AUTH_FORBIDDEN',
  /** The agent was revoked by an administrator; only a new enrollment brings it back. */
  AUTH_REVOKED: 'SKOLNET_AUTH_REVOKED',
  /** Too many failed sign-ins for this account: it is locked for a while (the answer says until when). */
  AUTH_LOCKED: 'SKOLNET_AUTH_LOCKED',
  /** A state-changing browser request without the session's CSRF token or from another origin. */
  AUTH_CSRF: 'SKOLNET_AUTH_CSRF',
  /** An enrollment code is unknown, used or expired. */
  ENROLL_CODE_INVALID: 'SKOLNET_ENROLL_CODE_INVALID',
  /** The agent is not enrolled (no credentials in its state directory). */
  ENROLL_MISSING: 'SKOLNET_ENROLL_MISSING',
  /** The enrollment code was issued for another device role than the agent asked for. */
  ENROLL_ROLE_MISMATCH: 'SKOLNET_ENROLL_ROLE_MISMATCH',
  /** A single result failed validation and was rejected. */
  INGEST_RESULT_INVALID: 'SKOLNET_INGEST_RESULT_INVALID',
  /** A result claims another agent or school than the connection's. */
  INGEST_RESULT_FOREIGN: 'SKOLNET_INGEST_RESULT_FOREIGN',
  /** A REST request body or parameter is invalid. */
  API_BAD_REQUEST: 'SKOLNET_API_BAD_REQUEST',
  /** The requested resource does not exist. */
  API_NOT_FOUND: 'SKOLNET_API_NOT_FOUND',
  /** The request conflicts with what exists (an account with that email, say). */
  API_CONFLICT: 'SKOLNET_API_CONFLICT',
  /** Too many requests from this address in a short time; the answer says when to retry. */
  API_RATE_LIMITED: 'SKOLNET_API_RATE_LIMITED',
  /** The server is busy (too many concurrent speed tests, say). */
  API_BUSY: 'SKOLNET_API_BUSY',
  /** The storage backend failed. */
  STORE_FAILED: 'SKOLNET_STORE_FAILED',
  /** The collector cannot be reached. */
  NET_UNREACHABLE: 'SKOLNET_NET_UNREACHABLE',
  /** A probe cannot run at all on this host (not a failed target: that is a result). */
  PROBE_UNAVAILABLE: 'SKOLNET_PROBE_UNAVAILABLE',
  /** A probe failed unexpectedly. */
  PROBE_FAILED: 'SKOLNET_PROBE_FAILED',
  /** The agent's local outbox cannot be opened or written. */
  OUTBOX_FAILED: 'SKOLNET_OUTBOX_FAILED',
  /** The agent's state directory (credentials, pushed config) cannot be read or written. */
  STATE_FAILED: 'SKOLNET_STATE_FAILED',
  /** An upgrade plan's constraints cannot all be met (e.g. minimum scores beyond the budget). */
  PLAN_INFEASIBLE: 'SKOLNET_PLAN_INFEASIBLE',
  /** Something that should not happen did. */
  INTERNAL: 'SKOLNET_INTERNAL',
  /** A saved Wi-Fi scan is in none of the formats `wifi import` reads (netsh, iw, nmcli, system_profiler). */
  WIFI_FORMAT_UNKNOWN: 'SKOLNET_WIFI_FORMAT_UNKNOWN',
  /** The database is in use by a running collector (stop it first, e.g. before a restore). */
  STORE_IN_USE: 'SKOLNET_STORE_IN_USE',
  /** A file given as a backup is not an intact skolnet database. */
  BACKUP_INVALID: 'SKOLNET_BACKUP_INVALID',
  /** A pupil-support record breaks the project's rules; the answer lists each violation with its own SKOLNET_SUPPORT_ code. */
  SUPPORT_RULES: 'SKOLNET_SUPPORT_RULES',
  /** Pupil-support records are off: the collector has no key directory for pupil data. */
  SUPPORT_UNAVAILABLE: 'SKOLNET_SUPPORT_UNAVAILABLE',
  /** An uploaded XLSX would unpack to more than an import may hold (a zip bomb): too many parts, too many bytes, or too high a compression ratio. */
  IMPORT_XLSX_TOO_LARGE: 'SKOLNET_IMPORT_XLSX_TOO_LARGE',
  /** An uploaded XLSX is not a zip an import reads: damaged, split, encrypted, overlapping parts, or sizes that do not match. */
  IMPORT_XLSX_MALFORMED: 'SKOLNET_IMPORT_XLSX_MALFORMED',
  /** An acceptance report's PDF cannot be printed here: no Chromium (the HTML report still works). */
  REPORT_PDF_UNAVAILABLE: 'SKOLNET_REPORT_PDF_UNAVAILABLE',
  /** An acceptance report does not verify: no signature, another key, or a changed byte. */
  REPORT_SIGNATURE_INVALID: 'SKOLNET_REPORT_SIGNATURE_INVALID',
} as const;

/** Union of all error codes. */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

/**
 * Codes that mean "fix your input or environment" in both command lines
 * (`skolnet-agent`, `skolnet-collector`): they exit with status 2, every
 * other failure with 1. Each CLI may add codes only it raises.
 */
export const USAGE_ERROR_CODES: readonly ErrorCode[] = [
  ErrorCodes.CLI_BAD_ARGUMENT,
  ErrorCodes.CONFIG_INVALID,
  ErrorCodes.NET_UNREACHABLE,
  ErrorCodes.ENROLL_CODE_INVALID,
  ErrorCodes.ENROLL_MISSING,
  ErrorCodes.AUTH_UNAUTHORIZED,
  ErrorCodes.AUTH_FORBIDDEN,
  ErrorCodes.API_BAD_REQUEST,
  ErrorCodes.API_NOT_FOUND,
];

/** True when `err` is a {@link SkolnetError}, optionally with the given code. */
export function isSkolnetError(err: unknown, code?: ErrorCode): err is SkolnetError {
  return err instanceof SkolnetError && (code === undefined || err.code === code);
}

/** A short, single-line description of any thrown value, for logs and results. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
