import type { Fields } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, bytesToMbps, round } from '@skolnet/shared/core';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import { ndt7Download, ndt7Upload, type Ndt7TestResult } from './ndt7-client.js';
import type { Ndt7Options } from './ndt7-options.js';

/** Measurement name of this probe's results. */
export const NDT7_MEASUREMENT = 'ndt7';
/** Longest a download may take before it is cut, beyond the timeout, in ms: the spec's 15 s server limit. */
const DOWNLOAD_LIMIT_MS = 15_000;

/** The ndt7 URLs for a base URL: `http(s)` becomes `ws(s)`, the spec's paths are appended. */
export function ndt7Urls(base: string): { download: string; upload: string } {
  const url = new URL(base);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  if (url.protocol === 'https:') url.protocol = 'wss:';
  const root = url.toString().replace(/\/+$/, '');
  return { download: `${root}/ndt/v7/download`, upload: `${root}/ndt/v7/upload` };
}

/**
 * The M-Lab ndt7 test (WebSocket, subprotocol `net.measurementlab.ndt.v7`):
 * a single-stream download then upload, against the collector's ndt7
 * endpoints or any ndt7 server, so a school's figure can be checked
 * against M-Lab's public servers with the same method.
 */
export class Ndt7Probe implements Probe {
  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: Ndt7Options,
  ) {}

  /**
   * Runs download then upload and adds one `ndt7` measurement; a failed
   * test is a result with `result: "error"`.
   *
   * @throws SkolnetError `PROBE_UNAVAILABLE` without a server or collector URL
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    const o = this.options;
    const base = o.server !== '' ? o.server : this.ctx.collectorUrl?.toString();
    if (base === undefined && (o.download_url === '' || o.upload_url === '')) {
      throw new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, 'ndt7 needs a server, URLs or a collector URL', {
        retryable: false,
      });
    }
    const derived = base !== undefined ? ndt7Urls(base) : undefined;
    const downloadUrl = o.download_url !== '' ? o.download_url : (derived?.download ?? '');
    const uploadUrl = o.upload_url !== '' ? o.upload_url : (derived?.upload ?? '');
    const timeoutMs = o.timeout_s * 1000;
    signal.throwIfAborted();

    const fields: Fields = {};
    this.ctx.progress?.('ndt7: download');
    const down = await ndt7Download(downloadUrl, timeoutMs, DOWNLOAD_LIMIT_MS + timeoutMs, signal);
    signal.throwIfAborted();
    this.record(fields, 'download', down);
    this.ctx.progress?.('ndt7: upload');
    const up = await ndt7Upload(uploadUrl, o.duration_s * 1000, timeoutMs, signal);
    signal.throwIfAborted();
    this.record(fields, 'upload', up);
    const minRttUs = down.last_server_measurement?.TCPInfo?.MinRTT;
    if (typeof minRttUs === 'number') fields.rtt_min_ms = round(minRttUs / 1000, 3);
    const errors = [down.error && `download: ${down.error}`, up.error && `upload: ${up.error}`].filter(
      Boolean,
    );
    fields.result = errors.length === 0 ? 'success' : 'error';
    if (errors.length > 0) fields.error = errors.join('; ');
    acc.add(NDT7_MEASUREMENT, fields, { server: new URL(downloadUrl).host }, this.ctx.now());
  }

  private record(fields: Fields, direction: 'download' | 'upload', r: Ndt7TestResult): void {
    if (r.error !== undefined || r.seconds <= 0) return;
    fields[`${direction}_mbps`] = round(bytesToMbps(r.bytes, r.seconds));
    fields[`${direction}_bytes`] = r.bytes;
    fields[`${direction}_duration_s`] = round(r.seconds, 3);
  }
}
