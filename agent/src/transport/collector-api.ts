import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { EnrollRequest, ErrorCode } from '@skolnet/shared/core';
import {
  type EnrollResponse,
  ErrorCodes,
  SkolnetError,
  enrollResponseValidator,
  describeError,
  formatIssues,
} from '@skolnet/shared/core';
import { collectorEndpoint } from './collector-endpoint.js';

/**
 * Default limit on one HTTP exchange with the collector, in ms. Enrollment
 * and the health check are tiny; 15 s allows for a congested school link
 * without leaving an operator staring at a silent terminal.
 */
export const DEFAULT_HTTP_TIMEOUT_MS = 15_000;

/** Path of the collector's liveness endpoint. */
export const HEALTH_PATH = '/healthz';
/** Path of enrollment. */
export const ENROLL_PATH = '/api/v1/enroll';

/** Largest response body read from the collector, in bytes; its answers here are a few hundred. */
const MAX_RESPONSE_BYTES = 64 * 1024;

/** The collector answered with an HTTP error. */
export class CollectorHttpError extends SkolnetError {
  /** HTTP status of the answer. */
  readonly status: number;

  constructor(code: ErrorCode, message: string, status: number) {
    super(code, message, { retryable: status >= 500 });
    this.name = 'CollectorHttpError';
    this.status = status;
  }
}

/** Options of {@link CollectorApi}. */
export interface CollectorApiOptions {
  /** Base URL of the collector. */
  baseUrl: URL;
  /** Limit on each exchange, in ms. Default {@link DEFAULT_HTTP_TIMEOUT_MS}. */
  timeoutMs?: number;
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/**
 * The collector's plain HTTP endpoints the agent uses outside the stream:
 * the health check before `assess` and enrollment. Owns its connection
 * pool; call {@link close} so no idle socket keeps the process alive.
 */
export class CollectorApi {
  readonly #base: URL;
  readonly #timeoutMs: number;
  readonly #dispatcher: Agent;

  constructor(options: CollectorApiOptions) {
    this.#base = options.baseUrl;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_HTTP_TIMEOUT_MS;
    this.#dispatcher = new Agent({
      connect: { timeout: this.#timeoutMs },
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
    });
  }

  /**
   * Checks that the collector answers `GET /healthz` with a 2xx.
   * @throws SkolnetError `SKOLNET_NET_UNREACHABLE` naming the URL and the cause.
   */
  async checkHealth(): Promise<void> {
    const url = collectorEndpoint(this.#base, HEALTH_PATH);
    const res = await this.#send(url, { method: 'GET' });
    await res.body.dump();
    if (res.statusCode < 200 || res.statusCode >= 300) {
      throw new SkolnetError(
        ErrorCodes.NET_UNREACHABLE,
        `collector at ${url.href} is not healthy: HTTP ${res.statusCode}`,
        {
          retryable: true,
        },
      );
    }
  }

  /**
   * Enrolls this agent with a one-time code.
   * @throws CollectorHttpError with the collector's own code and message when it refuses;
   *   SkolnetError `SKOLNET_NET_UNREACHABLE` when it cannot be reached;
   *   `SKOLNET_PROTOCOL_MALFORMED` when its answer is not an enrollment.
   */
  async enroll(body: EnrollRequest): Promise<EnrollResponse> {
    const url = collectorEndpoint(this.#base, ENROLL_PATH);
    const res = await this.#send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await readLimited(res.body, url);
    if (res.statusCode >= 400) throw refusal(res.statusCode, text, url);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new SkolnetError(
        ErrorCodes.PROTOCOL_MALFORMED,
        `collector at ${url.href} answered with something other than JSON`,
      );
    }
    const v = enrollResponseValidator.check(parsed);
    if (!v.ok) {
      throw new SkolnetError(
        ErrorCodes.PROTOCOL_MALFORMED,
        `collector at ${url.href} answered with an invalid enrollment: ${formatIssues(v.issues)}`,
      );
    }
    return v.value;
  }

  /** Closes the connection pool. */
  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #send(
    url: URL,
    options: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: string },
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, {
        ...options,
        dispatcher: this.#dispatcher,
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (err) {
      throw new SkolnetError(
        ErrorCodes.NET_UNREACHABLE,
        `cannot reach collector at ${url.href}: ${networkCause(err)}`,
        {
          cause: err,
          retryable: true,
        },
      );
    }
  }
}

/** Builds a {@link CollectorApi}. */
export function createCollectorApi(options: CollectorApiOptions): CollectorApi {
  return new CollectorApi(options);
}

/** The most telling part of a network error: `connect ECONNREFUSED 127.0.0.1:9` rather than `fetch failed`. */
function networkCause(err: unknown): string {
  const e = err as { name?: string; code?: string; cause?: unknown } | null;
  if (
    e?.name === 'TimeoutError' ||
    e?.code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e?.code === 'UND_ERR_HEADERS_TIMEOUT'
  ) {
    return 'timed out';
  }
  if (e?.cause instanceof Error) return describeError(e.cause);
  return describeError(err);
}

async function readLimited(body: Dispatcher.ResponseData['body'], url: URL): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_RESPONSE_BYTES) {
      body.destroy();
      throw new SkolnetError(
        ErrorCodes.PROTOCOL_TOO_LARGE,
        `collector at ${url.href} answered with more than ${MAX_RESPONSE_BYTES} bytes`,
      );
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Turns an HTTP error answer (`{code, message}` from the collector) into an error. */
function refusal(status: number, text: string, url: URL): CollectorHttpError {
  let code: ErrorCode = status >= 500 ? ErrorCodes.INTERNAL : ErrorCodes.API_BAD_REQUEST;
  let message = `collector at ${url.href} answered HTTP ${status}`;
  try {
    const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message) message = parsed.message.slice(0, 500);
    if (typeof parsed.code === 'string' && KNOWN_CODES.has(parsed.code)) code = parsed.code as ErrorCode;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return new CollectorHttpError(code, message, status);
}
