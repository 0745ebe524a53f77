import type { RawData, WebSocket } from 'ws';

/** Largest message either side may send, in bytes: 2^24 (ndt7 spec, "WebSocket channel usage"). */
export const NDT7_MAX_MESSAGE_BYTES = 1 << 24;
/**
 * Largest binary message the download sends, in bytes: 2^20, as M-Lab's
 * reference server (ndt-server `spec.MaxScaledMessageSize`: "a good
 * compromise between Go and JavaScript as seen in cloud based tests").
 * Bigger messages gain nothing at school line rates, make the browser
 * client build bigger Blobs, and leave more queued at the end of a test.
 */
const MAX_DOWNLOAD_MESSAGE_BYTES = 1 << 20;
/** First binary message size in a download, in bytes: 2^13 (ndt7 spec, "WebSocket channel usage"). */
const INITIAL_MESSAGE_BYTES = 1 << 13;
/**
 * The download doubles its message size once the message is no more than
 * this fraction of the bytes sent (ndt7 spec, appendix "Adapting binary
 * message size": 1/16), so a slow line gets small messages and a fast one
 * big ones.
 */
const MESSAGE_SCALING_FRACTION = 16;
/** Default length of each test, in ms: 10 s (ndt7 spec: a test lasts up to ten seconds). */
export const NDT7_DURATION_MS = 10_000;
/**
 * How long after the handshake a test may run at most, in ms: 13 s (ndt7
 * spec, "WebSocket channel usage": after thirteen seconds an implementation
 * MAY close the connection). Bounds a client that stops reading or never
 * answers the closing handshake.
 */
export const NDT7_HARD_LIMIT_MS = 13_000;
/**
 * How much before its duration the server ends an upload, in ms.
 *
 * The browser client (M-Lab's ndt7-js) closes the upload at 10 s counted
 * from its own open event, and a browser WebSocket drops every message
 * that arrives once close() was called (WHATWG WebSockets: a message is
 * delivered only while the state is OPEN). Had the server also waited for
 * its 10 s, its final measurement would race the client's close and be
 * lost in about a third of runs. Ending first, and closing itself as the
 * spec allows ("the server MAY initiate a WebSocket closing handshake at
 * any time"), leaves a second for the server's timer to fire late on a
 * loop busy with large frames, for the message's trip back on a jittery
 * school line, and for a busy browser whose worker runs behind its
 * socket: on a loaded two-core machine Chromium's upload worker was seen
 * to take a message in more than 650 ms after it arrived.
 */
export const NDT7_UPLOAD_END_MARGIN_MS = 1000;
/**
 * How long past the duration a download waits for the client to
 * acknowledge the last bytes before it sends its final measurement
 * anyway, in ms: 2 s, because M-Lab's ndt7-js stops its download worker
 * 12 s after starting a 10 s test and nobody listens after that.
 */
const FINAL_ACK_WAIT_MS = 2000;
/**
 * The window the download's acknowledged rate is taken over, in ms: 1 s,
 * four measurement intervals, long enough to smooth one late pong.
 */
const ACK_RATE_WINDOW_MS = 1000;
/** Time between the server's measurement messages, in ms: 250 ms (ndt-server's average interval). */
const MEASUREMENT_INTERVAL_MS = 250;
/**
 * Download messages written but not yet handed to the kernel. Enough to
 * keep the kernel's send buffer full between event-loop turns, few enough
 * that the process does not queue megabytes of its own.
 */
const MAX_IN_FLIGHT_MESSAGES = 4;
/** WebSocket close code for a normal end of test (RFC 6455 §7.4.1). */
const CLOSE_NORMAL = 1000;
/** Close code for a client that broke the protocol (RFC 6455 §7.4.1: 1002 protocol error). */
const CLOSE_PROTOCOL_ERROR = 1002;

/**
 * The connection as the spec's `ConnectionInfo` gives it (ndt7 spec
 * v0.11.0, "Measurement message"): both ends as `address:port` with IPv6
 * in brackets, the UUID that names this test in the collector's log, and
 * when the test started.
 */
export interface Ndt7ConnectionInfo {
  Client: string;
  Server: string;
  UUID: string;
  StartTime: string;
}

/** The server's measurement message (ndt7 spec, "Measurement message"). */
export interface Ndt7Measurement {
  /** ElapsedTime in µs since the handshake, NumBytes of binary payload so far. */
  AppInfo: { ElapsedTime: number; NumBytes: number };
  /** In every message: servers MUST always include it since spec v0.9.0. */
  ConnectionInfo: Ndt7ConnectionInfo;
}

/** How a test ended, for the log. */
export type Ndt7End =
  /** The server ended it after its duration, with its final measurement and a Close frame. */
  | 'complete'
  /** The client closed (or the connection dropped) first. */
  | 'client_closed'
  /** The client sent a binary message during a download (spec: the connection is closed). */
  | 'protocol_violation'
  /** The hard limit passed first and the connection was cut. */
  | 'time_limit';

/** What one test measured, as the server's last measurement said it. */
export interface Ndt7Outcome {
  end: Ndt7End;
  /** Binary payload bytes: handed to the kernel (download) or received (upload). */
  num_bytes: number;
  /** µs from the handshake to the last measurement. */
  elapsed_us: number;
}

/** Timing of a test; tests shorten it and inject the clock. */
export interface Ndt7SessionOptions {
  durationMs: number;
  uploadEndMarginMs: number;
  hardLimitMs: number;
  /** A monotonic clock in ms (performance.now in production). */
  monotonicNow: () => number;
}

/**
 * `address:port` as the spec writes an endpoint: IPv6 in brackets, and an
 * IPv4 client on a dual-stack socket as its IPv4 address, not the
 * `::ffff:a.b.c.d` form Node reports.
 */
export function formatNdt7Endpoint(address: string | undefined, port: number | undefined): string {
  const addr = (address ?? '').replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return addr.includes(':') ? `[${addr}]:${port ?? 0}` : `${addr}:${port ?? 0}`;
}

/** Runs the parts both directions share: the measurement ticker, the hard limit, the one outcome. */
function session(
  ws: WebSocket,
  info: Ndt7ConnectionInfo,
  options: Ndt7SessionOptions,
  count: () => number,
  onDone: (outcome: Ndt7Outcome) => void,
  onTick?: () => void,
): { measure: () => string; end: (end: Ndt7End) => void; done: () => boolean; elapsedMs: () => number } {
  const startedAt = options.monotonicNow();
  let lastMeasurement: Ndt7Outcome = { end: 'complete', num_bytes: 0, elapsed_us: 0 };
  let finished = false;
  const measure = (): string => {
    // ElapsedTime is in microseconds (ndt7 spec, AppInfo).
    const elapsedUs = Math.round((options.monotonicNow() - startedAt) * 1000);
    lastMeasurement = { end: 'complete', num_bytes: count(), elapsed_us: elapsedUs };
    const m: Ndt7Measurement = {
      AppInfo: { ElapsedTime: elapsedUs, NumBytes: lastMeasurement.num_bytes },
      ConnectionInfo: info,
    };
    return JSON.stringify(m);
  };
  const end = (how: Ndt7End): void => {
    if (finished) return;
    finished = true;
    clearInterval(ticker);
    if (how === 'complete') {
      if (ws.readyState === ws.OPEN) {
        ws.send(measure());
        ws.close(CLOSE_NORMAL, 'test complete');
      }
    } else if (how === 'protocol_violation') {
      ws.close(CLOSE_PROTOCOL_ERROR, 'binary message during the download');
    } else if (how === 'time_limit') {
      ws.terminate();
    }
    onDone({ ...lastMeasurement, end: how });
  };
  const ticker = setInterval(() => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(measure());
    onTick?.();
  }, MEASUREMENT_INTERVAL_MS);
  // Runs until the socket is gone: it also cuts a client that never answers the closing handshake.
  const hardLimit = setTimeout(() => {
    end('time_limit');
    ws.terminate();
  }, options.hardLimitMs);
  ws.on('close', () => {
    clearTimeout(hardLimit);
    end('client_closed');
  });
  ws.on('error', () => ws.terminate());
  return { measure, end, done: () => finished, elapsedMs: () => options.monotonicNow() - startedAt };
}

/**
 * A download: random binary messages of growing size for the duration,
 * a measurement every 250 ms, then the final measurement and a Close.
 *
 * `NumBytes` counts a message once `ws` has handed all of it to the
 * kernel, and the final measurement waits until every message written is
 * counted, so it equals the binary bytes the client receives before it.
 *
 * A slow receiver (a busy browser on a fast line) leaves megabytes in the
 * kernel's buffers and the browser's own; sent at 10 s, the final
 * measurement would reach it seconds later, after M-Lab's ndt7-js has
 * given up (its worker stops at 12 s). So each measurement is followed by
 * a WebSocket ping carrying the count written so far; the pong says how much
 * the client has taken in (the spec allows a ping per measurement, and
 * clients MUST answer). New messages stop once what the client has not
 * yet acknowledged would take the rest of the duration to arrive at the
 * rate it acknowledges, so the last byte and the final measurement reach
 * it near 10 s. The final measurement itself waits for the pong of the
 * last byte, so its ElapsedTime is when the client had them all and
 * NumBytes over ElapsedTime is the rate the client saw.
 */
export function runNdt7Download(
  ws: WebSocket,
  pool: Buffer,
  info: Ndt7ConnectionInfo,
  options: Ndt7SessionOptions,
  onDone: (outcome: Ndt7Outcome) => void,
): void {
  let sent = 0;
  let queued = 0;
  let inFlight = 0;
  let sending = true;
  let size = INITIAL_MESSAGE_BYTES;
  let offset = 0;
  /** Bytes the client acknowledged (the latest pong's payload). */
  let acked = 0;
  /** Recent acknowledgements, oldest first: when (ms since the start) and how many bytes. */
  const acks: { atMs: number; bytes: number }[] = [];
  const s = session(
    ws,
    info,
    options,
    () => sent,
    onDone,
    // The ping follows every message written so far, so its pong vouches for all of them.
    () => ws.ping(String(sent + queued)),
  );
  /** Ends the test once nothing is left to write and the client acknowledged it all. */
  const endWhenReceived = (): void => {
    if (sending || inFlight > 0 || s.done()) return;
    if (acked >= sent || ackWaitOver) s.end('complete');
    else if (!finalPingSent) {
      finalPingSent = true;
      ws.ping(String(sent));
    }
  };
  let finalPingSent = false;
  let ackWaitOver = false;
  ws.on('pong', (payload: Buffer) => {
    const n = Number(payload.toString('latin1'));
    if (Number.isSafeInteger(n) && n > acked && n <= sent + queued) {
      acked = n;
      const atMs = s.elapsedMs();
      acks.push({ atMs, bytes: n });
      while (acks.length > 2 && atMs - acks[1]!.atMs >= ACK_RATE_WINDOW_MS) acks.shift();
      endWhenReceived();
    }
  });
  const stopSending = (): void => {
    sending = false;
    endWhenReceived();
  };
  const arrivesPastDeadline = (elapsedMs: number, next: number): boolean => {
    // In the first half TCP's slow start makes the acknowledged rate a poor
    // guide; and without pongs there is nothing to go on.
    const first = acks[0];
    const last = acks.at(-1);
    if (elapsedMs < options.durationMs / 2 || !first || !last || last.atMs - first.atMs <= 0) return false;
    // The recent rate, not the mean since the start: messages grow during
    // the test, and a receiver takes big ones in faster than small ones.
    const bytesPerMs = (last.bytes - first.bytes) / (last.atMs - first.atMs);
    if (bytesPerMs <= 0) return false;
    const unacknowledged = sent + queued + next - acked;
    return elapsedMs + unacknowledged / bytesPerMs >= options.durationMs;
  };
  const pump = (): void => {
    while (sending && inFlight < MAX_IN_FLIGHT_MESSAGES && ws.readyState === ws.OPEN) {
      if (size < MAX_DOWNLOAD_MESSAGE_BYTES && size * MESSAGE_SCALING_FRACTION <= sent) size *= 2;
      const elapsedMs = s.elapsedMs();
      if (elapsedMs >= options.durationMs || arrivesPastDeadline(elapsedMs, size)) {
        stopSending();
        return;
      }
      // A view into the random pool, never a copy: sizes are powers of two
      // no larger than the pool, so a message that would run past its end
      // starts again at 0.
      if (offset + size > pool.length) offset = 0;
      const message = pool.subarray(offset, offset + size);
      offset += size;
      inFlight += 1;
      queued += message.length;
      ws.send(message, { binary: true }, (err) => {
        inFlight -= 1;
        queued -= message.length;
        if (s.done()) return;
        if (err) return;
        sent += message.length;
        if (sending) pump();
        else endWhenReceived();
      });
    }
  };
  const timer = setTimeout(stopSending, options.durationMs);
  // A client that does not answer pings gets its final measurement anyway.
  const ackTimer = setTimeout(() => {
    sending = false;
    ackWaitOver = true;
    endWhenReceived();
  }, options.durationMs + FINAL_ACK_WAIT_MS);
  ws.on('close', () => {
    clearTimeout(timer);
    clearTimeout(ackTimer);
  });
  ws.on('message', (_data: RawData, isBinary: boolean) => {
    // Half duplex (spec): a client must not send binary messages during a
    // download. Its text measurements are allowed and not needed here.
    if (isBinary) {
      clearTimeout(timer);
      clearTimeout(ackTimer);
      s.end('protocol_violation');
    }
  });
  pump();
}

/**
 * An upload: counts the binary bytes the client sends, reports them every
 * 250 ms, and {@link NDT7_UPLOAD_END_MARGIN_MS} before the duration sends
 * its final measurement and closes, so a browser client still has its
 * socket open when that measurement arrives.
 */
export function runNdt7Upload(
  ws: WebSocket,
  info: Ndt7ConnectionInfo,
  options: Ndt7SessionOptions,
  onDone: (outcome: Ndt7Outcome) => void,
): void {
  let received = 0;
  const s = session(ws, info, options, () => received, onDone);
  ws.on('message', (data: RawData, isBinary: boolean) => {
    // After the final measurement the count stays what the client was told.
    if (!isBinary || s.done()) return;
    received += Array.isArray(data)
      ? data.reduce((sum, b) => sum + b.length, 0)
      : data instanceof ArrayBuffer
        ? data.byteLength
        : data.length;
  });
  const timer = setTimeout(() => s.end('complete'), options.durationMs - options.uploadEndMarginMs);
  ws.on('close', () => clearTimeout(timer));
}
