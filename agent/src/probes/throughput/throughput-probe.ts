import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { Fields } from '@skolnet/shared';
import {
  ErrorCodes,
  MAX_SPEED_TRANSFER_BYTES,
  SkolnetError,
  SpeedPaths,
  UploadReport,
  bytesToMbps,
  createValidator,
  describeError,
  formatIssues,
  round,
} from '@skolnet/shared';
import { resolveOptions } from '../options.js';
import type { Accumulator, Probe, ProbeContext, ProbeDefinition } from '../probe.js';
import { throughputOptionSpecs, type ThroughputOptions } from './throughput-options.js';

/** Measurement name of this probe's results. */
export const THROUGHPUT_MEASUREMENT = 'throughput';

/**
 * Size of the random buffer upload bodies are cut from, in bytes (1 MiB).
 * Generated once per run: random bytes defeat compression on the way, and
 * 1 MiB repeats far less often than deflate's 32 KiB window could exploit.
 */
const UPLOAD_POOL_BYTES = 1024 * 1024;
/** Size of one upload chunk, in bytes: 64 KiB, the usual socket write size. */
const UPLOAD_CHUNK_BYTES = 64 * 1024;
/** How often progress is reported while a direction runs, in ms. */
const PROGRESS_INTERVAL_MS = 1_000;

const uploadReportValidator = createValidator(UploadReport);

/** What one direction measured, or why it failed. */
interface Phase {
  /** Bytes counted (received by us for download, reported by the collector for upload). */
  bytes: number;
  /** Time the bytes took, in seconds. */
  seconds: number;
  /** Why the direction failed; the figures are then partial. */
  error?: string;
}

/**
 * Download and upload throughput between this machine and the collector,
 * over HTTP with parallel connections: how much of its contracted
 * bandwidth a school actually gets.
 *
 * Download is counted here, from the first byte received to the end;
 * upload is counted by the collector as it receives (first byte to end of
 * body), so bytes still sitting in socket buffers never count as sent.
 */
export class ThroughputProbe implements Probe {
  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: ThroughputOptions,
  ) {}

  /**
   * Runs download, then upload, and adds one `throughput` measurement. A
   * collector that is unreachable or fails mid-test gives a result with
   * `result: "error"`, not a rejection.
   *
   * @throws SkolnetError `PROBE_UNAVAILABLE` when no collector URL is
   *   configured; rejects with the signal's reason on abort.
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    const base = this.ctx.collectorUrl;
    if (!base) {
      throw new SkolnetError(
        ErrorCodes.PROBE_UNAVAILABLE,
        'throughput needs a collector URL to measure against',
        {
          retryable: false,
        },
      );
    }
    signal.throwIfAborted();
    const { streams, duration_s: durationS } = this.options;
    const target = base.hostname.replace(/^\[(.*)\]$/, '$1');
    const fields: Fields = { streams, duration_s: durationS };

    const down = await this.download(base, signal);
    fields.bytes_down = down.bytes;
    if (down.error === undefined) {
      fields.download_mbps = round(bytesToMbps(down.bytes, down.seconds));
      fields.download_duration_s = round(down.seconds, 3);
      const up = await this.upload(base, signal);
      fields.bytes_up = up.bytes;
      if (up.error === undefined) {
        fields.upload_mbps = round(bytesToMbps(up.bytes, up.seconds));
        fields.upload_duration_s = round(up.seconds, 3);
        fields.result = 'success';
      } else {
        fields.result = 'error';
        fields.error = `upload: ${up.error}`;
      }
    } else {
      fields.result = 'error';
      fields.error = `download: ${down.error}`;
    }
    acc.add(THROUGHPUT_MEASUREMENT, fields, { target }, this.ctx.now());
  }

  /** Parallel GETs, counting received bytes until the deadline or the byte cap. */
  private async download(base: URL, signal: AbortSignal): Promise<Phase> {
    const { streams, duration_s: durationS, max_bytes: maxBytes } = this.options;
    const perStream = Math.min(MAX_SPEED_TRANSFER_BYTES, Math.ceil(maxBytes / streams));
    const url = new URL(`${SpeedPaths.download}?bytes=${perStream}`, base);
    this.ctx.progress?.(`throughput: download, ${streams} streams for up to ${durationS} s`);

    let bytes = 0;
    let firstByteAt: number | undefined;
    const run = await this.runPhase(
      'download',
      signal,
      (stop) =>
        Array.from({ length: streams }, async () => {
          const res = await request(url, {
            method: 'GET',
            signal: stop.signal,
            dispatcher: stop.dispatcher,
          });
          if (res.statusCode !== 200) {
            await res.body.dump();
            throw new Error(`collector answered HTTP ${res.statusCode}`);
          }
          for await (const chunk of res.body) {
            firstByteAt ??= performance.now();
            bytes += (chunk as Buffer).length;
          }
        }),
      () => bytes,
    );
    if (run.error !== undefined) return { bytes, seconds: 0, error: run.error };
    if (firstByteAt === undefined || bytes === 0) return { bytes, seconds: 0, error: 'no data received' };
    return { bytes, seconds: (run.endedAt - firstByteAt) / 1000 };
  }

  /** Parallel POSTs of random bytes that end at the deadline; the collector reports what arrived. */
  private async upload(base: URL, signal: AbortSignal): Promise<Phase> {
    const { streams, duration_s: durationS, max_bytes: maxBytes } = this.options;
    const perStream = Math.min(MAX_SPEED_TRANSFER_BYTES, Math.floor(maxBytes / streams));
    const url = new URL(SpeedPaths.upload, base);
    const pool = randomBytes(UPLOAD_POOL_BYTES);
    const deadline = performance.now() + durationS * 1000;
    this.ctx.progress?.(`throughput: upload, ${streams} streams for up to ${durationS} s`);

    let sent = 0;
    const reports: UploadReport[] = [];
    const run = await this.runPhase(
      'upload',
      signal,
      (stop) =>
        Array.from({ length: streams }, async (_, index) => {
          // The body ends by itself at the deadline or the cap, so the request
          // completes normally and the collector replies with what it counted.
          function* chunks(): Generator<Buffer> {
            let streamSent = 0;
            // Streams start at different offsets so parallel bodies differ too.
            let offset = (index * UPLOAD_CHUNK_BYTES * 3) % (pool.length - UPLOAD_CHUNK_BYTES);
            while (streamSent < perStream && performance.now() < deadline && !stop.signal.aborted) {
              const size = Math.min(UPLOAD_CHUNK_BYTES, perStream - streamSent);
              const chunk = pool.subarray(offset, offset + size);
              offset = (offset + UPLOAD_CHUNK_BYTES) % (pool.length - UPLOAD_CHUNK_BYTES);
              streamSent += size;
              sent += size;
              yield chunk;
            }
          }
          const res = await request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            // Pulled lazily, so the deadline check above runs as the socket drains.
            body: Readable.from(chunks(), { objectMode: false, highWaterMark: UPLOAD_CHUNK_BYTES }),
            signal: stop.signal,
            dispatcher: stop.dispatcher,
          });
          const text = await res.body.text();
          if (res.statusCode !== 200) throw new Error(`collector answered HTTP ${res.statusCode}`);
          let parsed: unknown;
          try {
            parsed = JSON.parse(text);
          } catch {
            throw new Error('collector sent an upload report that is not JSON');
          }
          const check = uploadReportValidator.check(parsed);
          if (!check.ok)
            throw new Error(`collector sent a malformed upload report: ${formatIssues(check.issues)}`);
          reports.push(check.value);
        }),
      () => sent,
      // The bodies stop at the deadline themselves; the phase only needs a
      // hard limit for a collector that stops reading or never reports.
      false,
    );
    const reported = reports.reduce((sum, r) => sum + r.bytes, 0);
    if (run.error !== undefined) return { bytes: reported, seconds: 0, error: run.error };
    // Streams ran side by side, so the longest one spans the transfer.
    const longestMs = Math.max(0, ...reports.map((r) => r.duration_ms));
    if (reported === 0 || longestMs === 0)
      return { bytes: reported, seconds: 0, error: 'collector received no data' };
    return { bytes: reported, seconds: longestMs / 1000 };
  }

  /**
   * Runs one direction's streams with a shared stop: the deadline (for
   * download), the hard limit, the caller's abort or the first failing
   * stream ends them all. Resolves with the first real failure, if any;
   * rejects only when the caller aborted.
   *
   * @param stopAtDeadline abort the streams when the duration is over
   *   (download); upload bodies end by themselves instead
   */
  private async runPhase(
    direction: string,
    signal: AbortSignal,
    start: (stop: { signal: AbortSignal; dispatcher: Agent }) => Promise<void>[],
    counted: () => number,
    stopAtDeadline = true,
  ): Promise<{ endedAt: number; error?: string }> {
    const { streams, duration_s: durationS, timeout_s: timeoutS } = this.options;
    const stop = new AbortController();
    const stopSignal = AbortSignal.any([signal, stop.signal]);
    const timeoutMs = timeoutS * 1000;
    // Own connection pool per phase: `streams` connections, closed at the
    // end so no keep-alive socket outlives the test.
    const dispatcher = new Agent({
      connections: streams,
      connect: { timeout: timeoutMs },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    let endedAt: number | undefined;
    let error: string | undefined;
    const startedAt = performance.now();
    const durationMs = durationS * 1000;
    const deadlineTimer = stopAtDeadline
      ? setTimeout(() => {
          endedAt = performance.now();
          stop.abort();
        }, durationMs)
      : undefined;
    const hardLimit = setTimeout(() => {
      error ??= `collector did not finish within ${Math.round((durationMs + timeoutMs) / 1000)} s`;
      stop.abort();
    }, durationMs + timeoutMs);
    const ticker = this.ctx.progress
      ? setInterval(() => {
          const mbps = bytesToMbps(counted(), (performance.now() - startedAt) / 1000);
          this.ctx.progress?.(`throughput: ${direction} ${round(mbps, 1)} Mbit/s so far`);
        }, PROGRESS_INTERVAL_MS)
      : undefined;

    try {
      await Promise.all(
        start({ signal: stopSignal, dispatcher }).map((stream) =>
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
      await dispatcher.destroy().catch(() => undefined);
    }
    signal.throwIfAborted();
    const end = endedAt ?? performance.now();
    return error === undefined ? { endedAt: end } : { endedAt: end, error };
  }
}

/** Registry entry of the `throughput` probe. */
export const throughputProbeDefinition: ProbeDefinition = {
  description: 'Download and upload throughput to the collector over parallel HTTP streams.',
  needsCollector: true,
  // Every 6 hours: morning, midday, afternoon and night each get a sample,
  // and at most 4 × 2 × max_bytes a day count against the data budget.
  defaultIntervalS: 21_600,
  options: throughputOptionSpecs,
  create: (ctx, options) =>
    new ThroughputProbe(ctx, resolveOptions('throughput', throughputOptionSpecs, options)),
};
