import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCodes, isSkolnetError, type ErrorCode } from '@skolnet/shared';

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
  [ErrorCodes.AUTH_LOCKED]: 429,
  [ErrorCodes.API_RATE_LIMITED]: 429,
  [ErrorCodes.API_BUSY]: 503,
  [ErrorCodes.STORE_FAILED]: 503,
  [ErrorCodes.NET_UNREACHABLE]: 503,
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

function isFastifyClientError(error: unknown): error is FastifyError {
  if (!(error instanceof Error)) return false;
  const e = error as Partial<FastifyError>;
  if (e.validation !== undefined) return true;
  return typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500;
}
