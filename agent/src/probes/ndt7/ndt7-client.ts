import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

/** The ndt7 WebSocket subprotocol (ndt7 spec, "Protocol description"). */
export const NDT7_SUBPROTOCOL = 'net.measurementlab.ndt.v7';
/** Largest message either side may send, in bytes: 2^24 (ndt7 spec, "Message size"). */
export const NDT7_MAX_MESSAGE_BYTES = 1 << 24;
/** First upload message size, in bytes: 2^13 (ndt7 spec and its reference clients). */
const INITIAL_MESSAGE_BYTES = 1 << 13;
/** Upload message size doubles once the bytes sent exceed this many messages (ndt7 spec: ~1/16). */
const MESSAGE_SCALING_FRACTION = 16;
/**
 * Messages kept queued in the WebSocket while uploading: enough that the
 * socket never runs dry between event-loop turns (cf. the reference
 * client's 7), without holding megabytes in the process.
 */
const QUEUED_MESSAGES = 7;

/** What one ndt7 test measured. */
export interface Ndt7TestResult {
  /** Bytes the receiver counted (this side for download, the server's last report for upload). */
  bytes: number;
  /** Seconds those bytes took. */
  seconds: number;
  /** Bytes this side counted (received for download, sent for upload). */
  client_bytes: number;
  /** The server's last measurement message, parsed, if any came. */
  last_server_measurement?: Ndt7ServerMeasurement;
  /** Why the test failed. */
  error?: string;
}

/** The parts of a server measurement message the probe reads (ndt7 spec, "Measurement message"). */
export interface Ndt7ServerMeasurement {
  AppInfo?: { ElapsedTime?: number; NumBytes?: number };
  /** M-Lab servers add the kernel's TCP_INFO; times in microseconds. */
  TCPInfo?: { MinRTT?: number; RTT?: number; BytesReceived?: number; BytesAcked?: number };
}

function parseMeasurement(text: string): Ndt7ServerMeasurement | undefined {
  try {
    const v: unknown = JSON.parse(text);
    // Only the fields read below matter; each is type-checked where used.
    return typeof v === 'object' && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Bytes in a message as `ws` delivers it (a Buffer, fragments, or an ArrayBuffer). */
function rawLength(data: WebSocket.RawData): number {
  if (Array.isArray(data)) return data.reduce((sum, b) => sum + b.length, 0);
  return data.byteLength;
}

/** A text message's content. */
function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(new Uint8Array(data)).toString('utf8');
}

function open(url: string, timeoutMs: number, signal: AbortSignal): WebSocket {
  const ws = new WebSocket(url, NDT7_SUBPROTOCOL, {
    perMessageDeflate: false,
    maxPayload: NDT7_MAX_MESSAGE_BYTES,
    handshakeTimeout: timeoutMs,
  });
  signal.addEventListener('abort', () => ws.terminate(), { once: true });
  return ws;
}

/**
 * Runs an ndt7 download: the server sends for about 10 s and closes;
 * every binary byte is counted here, from the open to the last message.
 */
export function ndt7Download(
  url: string,
  timeoutMs: number,
  limitMs: number,
  signal: AbortSignal,
): Promise<Ndt7TestResult> {
  return new Promise((resolve) => {
    const ws = open(url, timeoutMs, signal);
    let bytes = 0;
    let openedAt: number | undefined;
    let lastAt: number | undefined;
    let last: Ndt7ServerMeasurement | undefined;
    let error: string | undefined;
    const limit = setTimeout(() => {
      error ??= `server did not end the test within ${Math.round(limitMs / 1000)} s`;
      ws.terminate();
    }, limitMs);
    ws.on('open', () => {
      openedAt = performance.now();
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (isBinary) {
        bytes += rawLength(data);
        lastAt = performance.now();
      } else {
        last = parseMeasurement(rawText(data)) ?? last;
      }
    });
    ws.on('error', (err) => {
      error ??= err.message;
    });
    ws.on('close', (code) => {
      clearTimeout(limit);
      if (code !== 1000 && error === undefined && bytes === 0) error = `closed with code ${code}`;
      const seconds = openedAt !== undefined && lastAt !== undefined ? (lastAt - openedAt) / 1000 : 0;
      resolve({
        bytes,
        seconds,
        client_bytes: bytes,
        ...(last ? { last_server_measurement: last } : {}),
        ...(error !== undefined && bytes === 0 ? { error } : {}),
      });
    });
  });
}

/**
 * Runs an ndt7 upload: sends random binary messages of growing size for
 * `durationMs`, then closes; the rate is the server's own count (its last
 * measurement message), because bytes this side has queued are not yet
 * on the line. Without a server measurement the client count is used.
 */
export function ndt7Upload(
  url: string,
  durationMs: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<Ndt7TestResult> {
  return new Promise((resolve) => {
    const ws = open(url, timeoutMs, signal);
    const pool = randomBytes(NDT7_MAX_MESSAGE_BYTES);
    let sent = 0;
    let size = INITIAL_MESSAGE_BYTES;
    let openedAt: number | undefined;
    let last: Ndt7ServerMeasurement | undefined;
    let error: string | undefined;
    let sending = true;
    const limit = setTimeout(() => {
      error ??= `upload did not end within ${Math.round((durationMs + timeoutMs) / 1000)} s`;
      ws.terminate();
    }, durationMs + timeoutMs);
    const pump = (): void => {
      if (!sending || ws.readyState !== WebSocket.OPEN) return;
      if (performance.now() - (openedAt ?? 0) >= durationMs) {
        sending = false;
        ws.close(1000, 'upload complete');
        return;
      }
      if (size < NDT7_MAX_MESSAGE_BYTES && size * MESSAGE_SCALING_FRACTION <= sent) size *= 2;
      while (ws.bufferedAmount < QUEUED_MESSAGES * size) {
        ws.send(pool.subarray(0, size), { binary: true });
        sent += size;
      }
      // Back to the event loop so the socket drains and messages arrive.
      setTimeout(pump, 1);
    };
    ws.on('open', () => {
      openedAt = performance.now();
      pump();
    });
    ws.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
      if (!isBinary) last = parseMeasurement(rawText(data)) ?? last;
    });
    ws.on('error', (err) => {
      error ??= err.message;
    });
    ws.on('close', () => {
      clearTimeout(limit);
      sending = false;
      const serverBytes = last?.AppInfo?.NumBytes;
      const serverUs = last?.AppInfo?.ElapsedTime;
      const fromServer = typeof serverBytes === 'number' && typeof serverUs === 'number' && serverUs > 0;
      const clientSeconds =
        openedAt !== undefined ? Math.min(durationMs, performance.now() - openedAt) / 1000 : 0;
      resolve({
        bytes: fromServer ? serverBytes : sent - ws.bufferedAmount,
        seconds: fromServer ? serverUs / 1e6 : clientSeconds,
        client_bytes: sent,
        ...(last ? { last_server_measurement: last } : {}),
        ...(error !== undefined && !fromServer ? { error } : {}),
      });
    });
  });
}
