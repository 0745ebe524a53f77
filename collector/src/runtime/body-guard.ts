import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { ErrorCodes } from '@skolnet/shared';

/** How fast a request body must arrive, and by when. */
export interface BodyRateLimits {
  /** Least bytes per second, measured over each window of {@link windowMs}. */
  minBytesPerSecond: number;
  /** Length of each measuring window, in ms. */
  windowMs: number;
  /** Longest a whole body may take from the request's start, in ms; none when undefined. */
  deadlineMs?: number;
}

/** Why a body was cut off: too slow over a window, or not complete by the deadline. */
export type BodyGuardViolation = 'slow' | 'deadline';

/** Timers the guard uses; tests may pass their own. */
export interface GuardTimers {
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearInterval(timer: NodeJS.Timeout): void;
  now(): number;
}

const realTimers: GuardTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (t) => clearInterval(t),
  now: () => performance.now(),
};

/** How long a cut-off peer that does not read our answer may keep its socket, in ms. */
const REFUSAL_FLUSH_MS = 1_000;

/** True when a request announces a body (RFC 9112 §6.3: Content-Length above 0 or Transfer-Encoding). */
export function hasBody(request: IncomingMessage): boolean {
  if (request.headers['transfer-encoding'] !== undefined) return true;
  const length = Number(request.headers['content-length'] ?? 0);
  return Number.isFinite(length) && length > 0;
}

/**
 * Checks every window that `progress()` (a byte count) grew by the minimum
 * rate, and that `done()` is true by the deadline; calls `onViolation` once
 * otherwise. The shared core of the body and download guards.
 */
function watchRate(
  progress: () => number,
  done: () => boolean,
  limits: BodyRateLimits,
  what: string,
  onViolation: (violation: BodyGuardViolation, detail: string) => void,
  timers: GuardTimers,
): () => void {
  const started = timers.now();
  let lastBytes = progress();
  const minPerWindow = (limits.minBytesPerSecond * limits.windowMs) / 1000;
  // The window is the check interval too, unless the deadline comes sooner.
  const tickMs =
    limits.deadlineMs === undefined ? limits.windowMs : Math.min(limits.windowMs, limits.deadlineMs);
  let windowStarted = started;
  let stopped = false;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    timers.clearInterval(timer);
  };
  const timer = timers.setInterval(() => {
    if (done()) {
      stop();
      return;
    }
    const at = timers.now();
    if (limits.deadlineMs !== undefined && at - started >= limits.deadlineMs) {
      stop();
      onViolation('deadline', `${what} not complete within ${limits.deadlineMs} ms`);
      return;
    }
    if (at - windowStarted < limits.windowMs) return;
    const moved = progress() - lastBytes;
    if (moved < minPerWindow) {
      stop();
      onViolation(
        'slow',
        `${what} moved at ${Math.round((moved * 1000) / (at - windowStarted))} bytes/s, under the minimum of ${limits.minBytesPerSecond}`,
      );
      return;
    }
    lastBytes = progress();
    windowStarted = at;
  }, tickMs);
  timer.unref();
  return stop;
}

/**
 * Watches the body of one request as it arrives and calls `onViolation`
 * once when it falls below the minimum rate over a window or is not
 * complete by the deadline: slow senders ("slowloris" bodies) otherwise
 * hold a connection, a parser and, for speed tests, a transfer slot for
 * as long as they like. It counts bytes at the socket (`bytesRead`), so
 * it neither consumes nor slows the body that the route reads. Stops by
 * itself when the body is complete or the request closes; returns a stop
 * function too.
 */
export function guardBody(
  request: IncomingMessage,
  limits: BodyRateLimits,
  onViolation: (violation: BodyGuardViolation, detail: string) => void,
  timers: GuardTimers = realTimers,
): () => void {
  const socket = request.socket;
  const stopWatch = watchRate(
    () => socket.bytesRead,
    () => request.complete || socket.destroyed,
    limits,
    'request body',
    onViolation,
    timers,
  );
  const stop = (): void => {
    stopWatch();
    request.off('close', stop);
    request.off('end', stop);
  };
  request.once('close', stop);
  request.once('end', stop);
  return stop;
}

/**
 * Watches a response body (a speed-test download) as the client takes it
 * and calls `onViolation` once when the client reads slower than the
 * minimum over a window or has not taken it all by the deadline. A reader
 * that stalls holds a transfer slot; the memory it can hold is bounded
 * already (the stream's high-water mark of views into one shared pool, and
 * the socket's buffers), so time is what this bounds. Counts bytes the
 * socket took (`bytesWritten`), which stalls once the kernel's buffers
 * toward a client that does not read are full.
 */
export function guardDownload(
  response: ServerResponse,
  limits: BodyRateLimits,
  onViolation: (violation: BodyGuardViolation, detail: string) => void,
  timers: GuardTimers = realTimers,
): () => void {
  const socket = response.socket;
  if (socket === null) return () => undefined;
  const stopWatch = watchRate(
    () => socket.bytesWritten,
    () => response.writableFinished || socket.destroyed,
    limits,
    'download',
    onViolation,
    timers,
  );
  const stop = (): void => {
    stopWatch();
    response.off('close', stop);
    response.off('finish', stop);
  };
  response.once('close', stop);
  response.once('finish', stop);
  return stop;
}

/**
 * Answers 408 with the collector's error shape and closes the connection;
 * the body still arriving is not read. A peer that does not read the
 * answer either loses its socket after a second.
 */
export function refuseSlowBody(response: ServerResponse, socket: Socket, message: string): void {
  const hardStop = setTimeout(() => socket.destroy(), REFUSAL_FLUSH_MS);
  hardStop.unref();
  if (response.headersSent || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({ code: ErrorCodes.API_BAD_REQUEST, message });
  socket.end(
    'HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
