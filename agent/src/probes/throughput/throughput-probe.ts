import type { Fields } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, percentile, round } from '@skolnet/shared/core';
import { sampleTcpRtt, tcpConnectTime, urlPort } from '../common/tcp-connect.js';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import {
  measureDownload,
  measureUpload,
  windowMbps,
  type TransferResult,
  transferSettings,
  type TransferSettings,
} from '../common/speed-client.js';
import type { ThroughputOptions } from './throughput-options.js';
import { formatSeries } from '../common/transfer-window.js';

/** Measurement name of this probe's results. */
export const THROUGHPUT_MEASUREMENT = 'throughput';

/**
 * Time between latency-under-load samples, in ms: 5 a second resolve a
 * queue that builds over a few hundred ms, and a SYN every 200 ms is no
 * load on the line.
 */
const LOADED_RTT_INTERVAL_MS = 200;
/** Idle round trips sampled before the test, as the baseline for bufferbloat. */
const IDLE_RTT_SAMPLES = 5;

/**
 * Download and upload throughput between this machine and the collector,
 * over HTTP with parallel connections, and the round trip while each
 * direction saturates the line (latency under load, RFC 6349's "loaded
 * RTT"): how much of its contracted bandwidth a school gets, and whether
 * a video lesson survives it.
 *
 * Each direction runs a warm-up (left out) and then a measured window.
 * Download is counted here; upload is counted by the collector over the
 * same kind of window, so bytes still sitting in socket buffers never
 * count as sent.
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
        { retryable: false },
      );
    }
    signal.throwIfAborted();
    const o = this.options;
    const host = base.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = urlPort(base);
    const fields: Fields = { streams: o.streams, duration_s: o.duration_s, warmup_s: o.warmup_s };

    if (o.loaded_rtt) {
      const idle: number[] = [];
      for (let i = 0; i < IDLE_RTT_SAMPLES; i += 1) {
        const r = await tcpConnectTime(host, port, o.timeout_s * 1000, signal);
        if (r.ok) idle.push(r.rtt_ms);
      }
      const median = percentile(idle, 50);
      if (median !== undefined) fields.rtt_idle_ms = round(median, 3);
    }
    signal.throwIfAborted();

    const down = await this.direction('download', base, host, port, signal);
    this.record(fields, 'download', down.result, down.loadedRtt);
    if (down.result.error === undefined) {
      const up = await this.direction('upload', base, host, port, signal);
      this.record(fields, 'upload', up.result, up.loadedRtt);
      if (up.result.error === undefined) {
        fields.result = 'success';
      } else {
        fields.result = 'error';
        fields.error = `upload: ${up.result.error}`;
      }
    } else {
      fields.result = 'error';
      fields.error = `download: ${down.result.error}`;
    }
    const loaded = [fields.download_rtt_loaded_ms, fields.upload_rtt_loaded_ms].filter(
      (v): v is number => typeof v === 'number',
    );
    if (loaded.length > 0) {
      // The worse direction is what a video call notices.
      fields.rtt_loaded_ms = Math.max(...loaded);
      if (typeof fields.rtt_idle_ms === 'number') {
        fields.bufferbloat_ms = round(Math.max(0, fields.rtt_loaded_ms - fields.rtt_idle_ms), 3);
      }
    }
    acc.add(THROUGHPUT_MEASUREMENT, fields, { target: host }, this.ctx.now());
  }

  /** One direction, with TCP round trips sampled from the end of its warm-up to its end. */
  private async direction(
    direction: 'download' | 'upload',
    base: URL,
    host: string,
    port: number,
    signal: AbortSignal,
  ): Promise<{ result: TransferResult; loadedRtt: number[] }> {
    const o = this.options;
    const sampling = new AbortController();
    let sampler: Promise<number[]> | undefined;
    const settings: TransferSettings = {
      ...transferSettings(o, this.ctx.progress),
      ...(o.loaded_rtt
        ? {
            onWarm: () => {
              sampler ??= sampleTcpRtt(
                host,
                port,
                LOADED_RTT_INTERVAL_MS,
                o.timeout_s * 1000,
                AbortSignal.any([signal, sampling.signal]),
              );
            },
          }
        : {}),
    };
    try {
      const result =
        direction === 'download'
          ? await measureDownload(base, settings, signal)
          : await measureUpload(base, settings, signal);
      sampling.abort();
      return { result, loadedRtt: (await sampler) ?? [] };
    } finally {
      sampling.abort();
    }
  }

  private record(fields: Fields, direction: 'download' | 'upload', r: TransferResult, rtts: number[]): void {
    fields[direction === 'download' ? 'bytes_down' : 'bytes_up'] = r.bytes;
    if (r.error !== undefined) return;
    fields[`${direction}_mbps`] = round(windowMbps(r));
    fields[`${direction}_bytes`] = r.window_bytes;
    fields[`${direction}_duration_s`] = round(r.window_s, 3);
    fields[`${direction}_warmup_s`] = round(r.warmup_s, 3);
    if (r.series_mbps.length > 0) fields[`${direction}_series_mbps`] = formatSeries(r.series_mbps);
    const median = percentile(rtts, 50);
    if (median !== undefined) fields[`${direction}_rtt_loaded_ms`] = round(median, 3);
  }
}
