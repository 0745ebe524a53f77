import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isSkolnetError, type ErrorCode } from '@skolnet/shared';
import { storeWriteCause } from '../runtime/store-health.js';

/** The JSON body of every error response. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
}

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  [ErrorCodes.API_BAD_REQUEST]: 400,
  [ErrorCodes.CONFIG_INVALID]: 400,
  [ErrorCodes.CLI_BAD_ARGUMENT]: 400,
  [ErrorCodes.PROTOCOL_MALFORMED]: 400,
  [ErrorCodes.IMPORT_XLSX_MALFORMED]: 400,
  [ErrorCodes.PROTOCOL_VERSION]: 400,
  [ErrorCodes.INGEST_RESULT_INVALID]: 400,
  [ErrorCodes.AUTH_UNAUTHORIZED]: 401,
  // A bad enrollment code is a failed credential, like a wrong password.
  [ErrorCodes.ENROLL_CODE_INVALID]: 401,
  [ErrorCodes.ENROLL_MISSING]: 401,
  [ErrorCodes.AUTH_FORBIDDEN]: 403,
  [ErrorCodes.AUTH_REVOKED]: 403,
  [ErrorCodes.AUTH_CSRF]: 403,
  [ErrorCodes.INGEST_RESULT_FOREIGN]: 403,
  [ErrorCodes.API_NOT_FOUND]: 404,
  // The request conflicts with the state it arrived in.
  [ErrorCodes.PROTOCOL_UNEXPECTED]: 409,
  [ErrorCodes.ENROLL_ROLE_MISMATCH]: 409,
  [ErrorCodes.API_CONFLICT]: 409,
  [ErrorCodes.PROTOCOL_TOO_LARGE]: 413,
  [ErrorCodes.IMPORT_XLSX_TOO_LARGE]: 413,
  // Well-formed, but against the pupil-support rules (RFC 9110 §15.5.21).
  [ErrorCodes.SUPPORT_RULES]: 422,
  [ErrorCodes.AUTH_LOCKED]: 429,
  [ErrorCodes.API_RATE_LIMITED]: 429,
  [ErrorCodes.API_BUSY]: 503,
  [ErrorCodes.STORE_FAILED]: 503,
  [ErrorCodes.NET_UNREACHABLE]: 503,
  [ErrorCodes.SUPPORT_UNAVAILABLE]: 503,
  // The server lacks what the PDF needs; the HTML report is there.
  [ErrorCodes.REPORT_PDF_UNAVAILABLE]: 503,
};

/** The HTTP status for an error code; 500 for codes that mean a fault of ours. */
export function httpStatusFor(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/**
 * The collector's one error handler: maps {@link SkolnetError} codes to
 * statuses, turns fastify's own client errors (validation, bad JSON, body
 * too large) into the same `{code, message}` shape, and never sends a
 * stack or the message of an unexpected error.
 */
export function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  let status: number;
  let body: ErrorBody;
  if (isStoreOutage(error)) {
    // A full disk or a database that is down fails every request that
    // writes (sign-ins, enrollments, last-use times): one line per episode
    // from the store's health, a retryable 503 here, and no stack per request.
    request.server.storeHealth.writeFailed(error);
    void reply
      .code(503)
      .type('application/json; charset=utf-8')
      .send({
        code: ErrorCodes.STORE_FAILED,
        message: 'the collector cannot store data right now; try again later',
      } satisfies ErrorBody);
    return;
  }
  if (isSkolnetError(error)) {
    status = httpStatusFor(error.code);
    body = { code: error.code, message: error.message };
  } else if (isFastifyClientError(error)) {
    status = error.statusCode ?? 400;
    const code = status === 413 ? ErrorCodes.PROTOCOL_TOO_LARGE : ErrorCodes.API_BAD_REQUEST;
    // Fastify's validation messages name the field ("body/pupils must be >= 0").
    body = { code, message: error.message };
  } else {
    status = 500;
    body = { code: ErrorCodes.INTERNAL, message: 'internal error' };
  }
  if (status >= 500) request.log.error({ err: error }, 'request failed');
  else request.log.info({ code: body.code, status }, 'request rejected');
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** 404 for unknown routes, in the collector's error shape. */
export function handleNotFound(request: FastifyRequest, reply: FastifyReply): void {
  const body: ErrorBody = {
    code: ErrorCodes.API_NOT_FOUND,
    message: `no route ${request.method} ${request.url.split('?')[0] ?? ''}`,
  };
  void reply.code(404).send(body);
}

/**
 * Whether `error` is the store failing for a reason of its environment (a
 * full disk, a read-only file system, I/O errors, the database server
 * gone) rather than a fault of this request or of ours.
 */
function isStoreOutage(error: unknown): boolean {
  if (isSkolnetError(error) && error.code !== ErrorCodes.STORE_FAILED) return false;
  const cause = storeWriteCause(error);
  // A socket error (ECONNRESET of an aborted upload) is the store's only
  // when the store said so: anyone can abort a request.
  if (cause === 'unavailable') return isSkolnetError(error);
  return cause !== 'store_error';
}

function isFastifyClientError(error: unknown): error is FastifyError {
  if (!(error instanceof Error)) return false;
  const e = error as Partial<FastifyError>;
  if (e.validation !== undefined) return true;
  return typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500;
}
