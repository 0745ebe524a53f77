import {
  request as httpRequest,
  type ClientRequest,
  type IncomingMessage,
  type RequestOptions,
} from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Fields } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, describeError, percentile, round } from '@skolnet/shared/core';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import type { HttpOptions } from './http-options.js';

/** Measurement name of this probe's results. */
export const HTTP_MEASUREMENT = 'http';

/** Phases of one fetch on a fresh connection, in ms from its start. */
export interface FetchTiming {
  /** Name resolved (0 for an address). */
  dns_ms: number;
  /** TCP handshake done. */
  connect_ms: number;
  /** TLS handshake done (https only). */
  tls_ms?: number;
  /** First byte of the response (its status line) arrived. */
  ttfb_ms: number;
  /** HTTP status code. */
  status: number;
}

/**
 * Fetches `url` once on a new connection (no keep-alive agent), timing
 * each phase from socket events: lookup, connect, secureConnect, and the
 * first response byte.
 */
export function timedFetch(url: URL, timeoutMs: number, signal: AbortSignal): Promise<FetchTiming> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const marks: { lookup?: number; connect?: number; tls?: number } = {};
    const options: RequestOptions = { method: 'GET', agent: false, timeout: timeoutMs, signal };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req: ClientRequest = send(url, options, (res: IncomingMessage) => {
      const ttfb = performance.now() - started;
      res.resume();
      res.once('end', () => {
        const connect = (marks.connect ?? started) - started;
        resolve({
          dns_ms: (marks.lookup ?? started) - started,
          connect_ms: connect,
          ...(marks.tls !== undefined ? { tls_ms: marks.tls - started } : {}),
          ttfb_ms: ttfb,
          status: res.statusCode ?? 0,
        });
      });
    });
    req.once('socket', (socket: Socket) => {
      socket.once('lookup', () => (marks.lookup = performance.now()));
      socket.once('connect', () => (marks.connect = performance.now()));
      socket.once('secureConnect', () => (marks.tls = performance.now()));
    });
    req.once('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}

/**
 * TCP connect time and HTTP time to first byte to the collector (or a
 * configured URL): what a page or a lesson platform feels like beyond
 * raw rate. Each fetch uses a new connection, so the handshake is in it.
 */
export class HttpProbe implements Probe {
  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: HttpOptions,
  ) {}

  /**
   * Adds one `http` measurement; failures are results.
   *
   * @throws SkolnetError `PROBE_UNAVAILABLE` with neither url nor collector
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    const o = this.options;
    const url =
      o.url !== ''
        ? new URL(o.url)
        : this.ctx.collectorUrl
          ? new URL('/healthz', this.ctx.collectorUrl)
          : undefined;
    if (!url) {
      throw new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, 'http needs a url or a collector URL', {
        retryable: false,
      });
    }
    const timings: FetchTiming[] = [];
    let error: string | undefined;
    for (let i = 0; i < o.count; i += 1) {
      signal.throwIfAborted();
      try {
        timings.push(await timedFetch(url, o.timeout_s * 1000, signal));
      } catch (err) {
        signal.throwIfAborted();
        error = describeError(err);
      }
    }
    const tags = { target: url.host };
    if (timings.length === 0) {
      acc.add(
        HTTP_MEASUREMENT,
        { result: 'error', error: error ?? 'no answer', fetches: o.count },
        tags,
        this.ctx.now(),
      );
      return;
    }
    const median = (pick: (t: FetchTiming) => number | undefined): number | undefined => {
      const values = timings.map(pick).filter((v): v is number => v !== undefined);
      const m = percentile(values, 50);
      return m === undefined ? undefined : round(m, 3);
    };
    const fields: Fields = {
      result: 'success',
      tcp_connect_ms: median((t) => t.connect_ms - t.dns_ms) ?? 0,
      ttfb_ms: median((t) => t.ttfb_ms) ?? 0,
      dns_ms: median((t) => t.dns_ms) ?? 0,
      status_code: timings[timings.length - 1]?.status ?? 0,
      fetches: o.count,
      failed: o.count - timings.length,
    };
    const tls = median((t) => (t.tls_ms === undefined ? undefined : t.tls_ms - t.connect_ms));
    if (tls !== undefined) fields.tls_ms = tls;
    if (error !== undefined) fields.error = error;
    acc.add(HTTP_MEASUREMENT, fields, tags, this.ctx.now());
  }
}
