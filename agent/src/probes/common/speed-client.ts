import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  MAX_SPEED_TRANSFER_BYTES,
  SpeedPaths,
  type UploadReport,
  bytesToMbps,
  uploadReportValidator,
  describeError,
  formatIssues,
  round,
} from '@skolnet/shared/core';
import {
  alignedReceiverWindow,
  bucketsToMbps,
  measuredWindow,
  seriesMbps,
  type CounterMark,
  type ReceiverSeries,
} from './transfer-window.js';
import { Http1Connection } from './http1-connection.js';

/**
 * Size of the random buffer upload bodies are cut from, in bytes (1 MiB).
 * Generated once per run: random bytes defeat compression on the way, and
 * 1 MiB repeats far less often than deflate's 32 KiB window could exploit.
 */
const UPLOAD_POOL_BYTES = 1024 * 1024;
/**
 * Size of one upload chunk, in bytes: 256 KiB. Fewer, larger writes cost
 * less per gigabit; the kernel cuts them into segments anyway, and the
 * deadline is still checked every 256 KiB (0.2 ms at 10 Gbit/s, 0.2 s at
 * 10 Mbit/s, when the socket buffer is full anyway).
 */
const UPLOAD_CHUNK_BYTES = 256 * 1024;
/** How often progress is reported while a direction runs, in ms. */
const PROGRESS_INTERVAL_MS = 1_000;
/**
 * How often the download's byte counter is marked, in ms. The window and
 * the series use the marks' real times, so this only bounds how far a
 * window edge can sit from its nominal time.
 */
const MARK_INTERVAL_MS = 50;
/** Step of the per-second series, in ms. */
const SERIES_STEP_MS = 1_000;
/** Collector response headers of a windowed upload report (collector/src/routes/speed-plugin.ts). */
const SERIES_HEADER = 'x-skolnet-series-bytes';
const TOTAL_HEADER = 'x-skolnet-total-bytes';
const WARMUP_HEADER = 'x-skolnet-warmup-ms';
const SERIES_START_HEADER = 'x-skolnet-series-start';
const SERIES_STEP_HEADER = 'x-skolnet-series-step-ms';
const FIRST_BYTE_HEADER = 'x-skolnet-first-byte-ms';
const LAST_BYTE_HEADER = 'x-skolnet-last-byte-ms';

/** How a transfer runs. */
export interface TransferSettings {
  /** Parallel connections. */
  streams: number;
  /** Measured window, in seconds. */
  durationS: number;
  /** Grace period before the window, in seconds. */
  warmupS: number;
  /** Most bytes across all streams. */
  maxBytes: number;
  /** Connect, header and idle-body limit, in seconds. */
  timeoutS: number;
  /**
   * Most bytes one request moves; a stream with more of its share left
   * sends another. Default the collector's per-request limit
   * (`MAX_SPEED_TRANSFER_BYTES`).
   */
  requestBytes?: number;
  /** Progress for people watching; optional. */
  progress?: (message: string) => void;
  /** What to call the server in error messages; default `collector`. */
  peer?: string;
  /** Called once the warm-up is over (to start latency-under-load samples). */
  onWarm?: () => void;
}

/** Probe options (snake_case, as configured) that shape a transfer. */
export interface TransferOptions {
  streams: number;
  duration_s: number;
  warmup_s: number;
  max_bytes: number;
  timeout_s: number;
}

/** The {@link TransferSettings} a probe's options give, with progress when someone watches. */
export function transferSettings(o: TransferOptions, progress?: (message: string) => void): TransferSettings {
  return {
    streams: o.streams,
    durationS: o.duration_s,
    warmupS: o.warmup_s,
    maxBytes: o.max_bytes,
    timeoutS: o.timeout_s,
    ...(progress ? { progress } : {}),
  };
}

/** What one direction measured. */
export interface TransferResult {
  /** Every byte counted, warm-up included (received here, or reported by the collector). */
  bytes: number;
  /** Bytes in the measured window. */
  window_bytes: number;
  /** Length of the measured window, in seconds. */
  window_s: number;
  /** Warm-up left out, in seconds (0 when the transfer ended before the warm-up did). */
  warmup_s: number;
  /** Mbit/s in each second from the first byte, warm-up included. */
  series_mbps: number[];
  /** Why the transfer failed; the figures are then partial. */
  error?: string;
}

/** Rate of the measured window, in Mbit/s. */
export function windowMbps(r: TransferResult): number {
  return bytesToMbps(r.window_bytes, r.window_s);
}

/**
 * Parallel GETs of the collector's (or a LAN peer's) download endpoint,
 * counting bytes here as they arrive until warm-up + duration is over or
 * every stream has its share of the byte cap.
 */
export async function measureDownload(
  base: URL,
  s: TransferSettings,
  signal: AbortSignal,
): Promise<TransferResult> {
  // Each stream's share of the byte cap; one request asks for at most
  // the collector's per-request limit, so a fast stream asks again on the
  // same connection until the deadline or its share is spent.
  const perStream = Math.ceil(s.maxBytes / s.streams);
  let bytes = 0;
  let firstByteAt: number | undefined;
  const marks: CounterMark[] = [];
  const marker = setInterval(() => {
    if (firstByteAt !== undefined) marks.push({ t_ms: performance.now(), bytes });
  }, MARK_INTERVAL_MS);
  let warmTimer: NodeJS.Timeout | undefined;
  const run = await runPhase(
    'download',
    s,
    signal,
    (stop) =>
      Array.from({ length: s.streams }, async () => {
        const connection = reconnecting(base, s, stop.signal);
        try {
          let left = perStream;
          while (left > 0 && !stop.signal.aborted) {
            const ask = Math.min(s.requestBytes ?? MAX_SPEED_TRANSFER_BYTES, left);
            left -= ask;
            await (
              await connection.get()
            ).download(`${SpeedPaths.download}?bytes=${ask}`, (n) => {
              if (firstByteAt === undefined) {
                firstByteAt = performance.now();
                marks.push({ t_ms: firstByteAt, bytes: 0 });
                if (s.onWarm) warmTimer = setTimeout(s.onWarm, s.warmupS * 1000);
              }
              bytes += n;
            });
          }
        } finally {
          connection.close();
        }
      }),
    () => bytes,
    true,
  );
  clearInterval(marker);
  clearTimeout(warmTimer);
  marks.push({ t_ms: run.endedAt, bytes });
  const empty = { bytes, window_bytes: 0, window_s: 0, warmup_s: 0, series_mbps: [] };
  if (run.error !== undefined) return { ...empty, error: run.error };
  if (firstByteAt === undefined || bytes === 0) return { ...empty, error: 'no data received' };
  const window = measuredWindow(marks, firstByteAt, s.warmupS * 1000);
  if (window === undefined) return { ...empty, error: 'transfer too short to time' };
  return {
    bytes,
    window_bytes: window.bytes,
    window_s: window.seconds,
    warmup_s: window.warmup_s,
    series_mbps: seriesMbps(marks, firstByteAt, SERIES_STEP_MS),
  };
}

/**
 * Parallel POSTs of random bytes that end after warm-up + duration (or at
 * the byte cap); the collector counts what arrives after the warm-up and
 * reports it, so bytes still sitting in this machine's socket buffers
 * never count.
 */
export async function measureUpload(
  base: URL,
  s: TransferSettings,
  signal: AbortSignal,
): Promise<TransferResult> {
  const perStream = Math.floor(s.maxBytes / s.streams);
  const startedAt = performance.now();
  const warmupMs = Math.round(s.warmupS * 1000);
  const pool = randomBytes(UPLOAD_POOL_BYTES);
  const deadline = startedAt + (s.warmupS + s.durationS) * 1000;
  const warmTimer = s.onWarm ? setTimeout(s.onWarm, warmupMs) : undefined;

  let sent = 0;
  const reports: {
    report: UploadReport;
    total: number;
    windowed: boolean;
    series: number[];
    grid?: { stepMs: number; series: ReceiverSeries };
  }[] = [];
  const run = await runPhase(
    'upload',
    s,
    signal,
    (stop) =>
      Array.from({ length: s.streams }, async (_, index) => {
        // Streams start at different offsets so parallel bodies differ too.
        let offset = (index * UPLOAD_CHUNK_BYTES * 3) % (pool.length - UPLOAD_CHUNK_BYTES);
        let left = perStream;
        const connection = reconnecting(base, s, stop.signal);
        try {
          // One request carries at most the collector's per-request limit, so
          // a fast stream posts again on the same connection until the
          // deadline or its share of the cap. Every report's series sits on
          // the collector's grid, so consecutive reports add up like
          // parallel ones.
          while (left > 0 && performance.now() < deadline && !stop.signal.aborted) {
            const cap = Math.min(s.requestBytes ?? MAX_SPEED_TRANSFER_BYTES, left);
            left -= cap;
            // The warm-up still to go, for collectors without the grid series.
            const warmLeftMs = Math.max(0, Math.round(startedAt + warmupMs - performance.now()));
            // The body ends by itself at the deadline or the cap, so the request
            // completes normally and the collector replies with what it counted.
            // Chunks are asked for as the socket takes them, so the deadline
            // is checked as the line drains.
            let streamSent = 0;
            const next = (): Buffer | undefined => {
              if (streamSent >= cap || performance.now() >= deadline || stop.signal.aborted) return undefined;
              const size = Math.min(UPLOAD_CHUNK_BYTES, cap - streamSent);
              const chunk = pool.subarray(offset, offset + size);
              offset = (offset + UPLOAD_CHUNK_BYTES) % (pool.length - UPLOAD_CHUNK_BYTES);
              streamSent += size;
              sent += size;
              return chunk;
            };
            const { head, body: text } = await (
              await connection.get()
            ).upload(`${SpeedPaths.upload}?warmup_ms=${warmLeftMs}`, 'application/octet-stream', next);
            if (head.status !== 200) throw new Error(`${s.peer ?? 'collector'} answered HTTP ${head.status}`);
            let parsed: unknown;
            try {
              parsed = JSON.parse(text);
            } catch {
              throw new Error(`${s.peer ?? 'collector'} sent an upload report that is not JSON`);
            }
            const check = uploadReportValidator.check(parsed);
            if (!check.ok)
              throw new Error(
                `${s.peer ?? 'collector'} sent a malformed upload report: ${formatIssues(check.issues)}`,
              );
            const header = (name: string): string | undefined => head.headers.get(name);
            const windowed = header(WARMUP_HEADER) !== undefined;
            const total = Number(header(TOTAL_HEADER) ?? check.value.bytes);
            const series = (header(SERIES_HEADER) ?? '')
              .split(',')
              .filter((x) => x !== '')
              .map(Number);
            const start = Number(header(SERIES_START_HEADER));
            const stepMs = Number(header(SERIES_STEP_HEADER));
            const first = Number(header(FIRST_BYTE_HEADER));
            const last = Number(header(LAST_BYTE_HEADER));
            const grid =
              [start, stepMs, first, last].every(Number.isFinite) && stepMs > 0 && series.length > 0
                ? { stepMs, series: { start, buckets: series, first_ms: first, last_ms: last } }
                : undefined;
            reports.push({
              report: check.value,
              total: Number.isFinite(total) ? total : 0,
              windowed,
              series,
              ...(grid ? { grid } : {}),
            });
            // Reports without the grid cannot be chained in time: one request per stream.
            if (!grid) break;
          }
        } finally {
          connection.close();
        }
      }),
    () => sent,
    // The bodies stop at the deadline themselves; the phase only needs a
    // hard limit for a collector that stops reading or never reports.
    false,
  );
  clearTimeout(warmTimer);
  const total = reports.reduce((sum, r) => sum + r.total, 0);
  const windowBytes = reports.reduce((sum, r) => sum + r.report.bytes, 0);
  const empty = { bytes: total, window_bytes: windowBytes, window_s: 0, warmup_s: 0, series_mbps: [] };
  if (run.error !== undefined) return { ...empty, error: run.error };
  // Streams ran side by side, so the longest one spans the window.
  const longestMs = Math.max(0, ...reports.map((r) => r.report.duration_ms));
  if (windowBytes === 0 || longestMs === 0)
    return { ...empty, error: `${s.peer ?? 'collector'} received no data` };
  // A collector that reports its grid lets all streams share one warm-up
  // and one window; otherwise each stream's own report is added up.
  const grids = reports.map((r) => r.grid);
  const stepMs = grids[0]?.stepMs;
  if (stepMs !== undefined && grids.every((g) => g?.stepMs === stepMs)) {
    const aligned = alignedReceiverWindow(
      grids.flatMap((g) => (g ? [g.series] : [])),
      stepMs,
      s.warmupS * 1000,
      s.durationS * 1000,
    );
    if (aligned) {
      return {
        bytes: aligned.total,
        window_bytes: aligned.window.bytes,
        window_s: aligned.window.seconds,
        warmup_s: aligned.window.warmup_s,
        series_mbps: aligned.series_mbps,
      };
    }
  }
  const steps = Math.max(0, ...reports.map((r) => r.series.length));
  const buckets = Array.from({ length: steps }, (_, i) =>
    reports.reduce((sum, r) => sum + (r.series[i] ?? 0), 0),
  );
  // The last bucket is a partial second; it would read low.
  if (buckets.length > 1) buckets.pop();
  return {
    bytes: total,
    window_bytes: windowBytes,
    window_s: longestMs / 1000,
    // A collector from before windowed reports counted from the first byte.
    warmup_s: reports.every((r) => r.windowed) ? s.warmupS : 0,
    series_mbps: bucketsToMbps(buckets, SERIES_STEP_MS),
  };
}

/** A stream's connection, opened on first use and again when the server would not keep it. */
function reconnecting(
  base: URL,
  s: TransferSettings,
  signal: AbortSignal,
): { get(): Promise<Http1Connection>; close(): void } {
  let current: Http1Connection | undefined;
  return {
    async get() {
      if (current?.reusable) return current;
      current?.close();
      current = await Http1Connection.open(base, {
        peer: s.peer ?? 'collector',
        timeoutMs: s.timeoutS * 1000,
        signal,
      });
      return current;
    },
    close() {
      current?.close();
    },
  };
}

/**
 * Runs one direction's streams with a shared stop: the deadline (for
 * download), the hard limit, the caller's abort or the first failing
 * stream ends them all. Resolves with the first real failure, if any;
 * rejects only when the caller aborted.
 */
async function runPhase(
  direction: string,
  s: TransferSettings,
  signal: AbortSignal,
  start: (stop: { signal: AbortSignal }) => Promise<void>[],
  counted: () => number,
  stopAtDeadline: boolean,
): Promise<{ endedAt: number; error?: string }> {
  const stop = new AbortController();
  const stopSignal = AbortSignal.any([signal, stop.signal]);
  const timeoutMs = s.timeoutS * 1000;
  const durationMs = (s.warmupS + s.durationS) * 1000;
  let endedAt: number | undefined;
  let error: string | undefined;
  const startedAt = performance.now();
  s.progress?.(`throughput: ${direction}, ${s.streams} streams, ${s.warmupS} s warm-up + ${s.durationS} s`);
  const deadlineTimer = stopAtDeadline
    ? setTimeout(() => {
        endedAt = performance.now();
        stop.abort();
      }, durationMs)
    : undefined;
  const hardLimit = setTimeout(() => {
    error ??= `${s.peer ?? 'collector'} did not finish within ${Math.round((durationMs + timeoutMs) / 1000)} s`;
    stop.abort();
  }, durationMs + timeoutMs);
  const ticker = s.progress
    ? setInterval(() => {
        const mbps = bytesToMbps(counted(), (performance.now() - startedAt) / 1000);
        s.progress?.(`throughput: ${direction} ${round(mbps, 1)} Mbit/s so far`);
      }, PROGRESS_INTERVAL_MS)
    : undefined;

  try {
    await Promise.all(
      start({ signal: stopSignal }).map((stream) =>
        stream.catch((err: unknown) => {
          // Streams cut by our own stop are expected; only the first real failure counts.
          if (stop.signal.aborted || signal.aborted) return;
          error ??= describeError(err);
          stop.abort();
        }),
      ),
    );
    // Taken before the pool is torn down, which is not part of the transfer.
    endedAt ??= performance.now();
  } finally {
    clearTimeout(deadlineTimer);
    clearTimeout(hardLimit);
    clearInterval(ticker);
    // Every stream closes its own connection when it ends; the stop ends
    // any still waiting (the hard limit).
    stop.abort();
  }
  signal.throwIfAborted();
  const end = endedAt ?? performance.now();
  return error === undefined ? { endedAt: end } : { endedAt: end, error };
}
