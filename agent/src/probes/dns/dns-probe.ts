import { Resolver, lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Fields } from '@skolnet/shared/core';
import { describeError, percentile, round } from '@skolnet/shared/core';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import type { DnsOptions } from './dns-options.js';

/** Measurement name of this probe's results. */
export const DNS_MEASUREMENT = 'dns';

/** One way to resolve a name, timed. */
type Lookup = (name: string) => Promise<number>;

/**
 * DNS resolution time through the system resolver (what browsers and
 * lesson software see, /etc/hosts and caches included) and through each
 * configured resolver asked directly (the school's or the ministry's DNS
 * server, without local caches): a slow resolver makes every page slow,
 * whatever the line's rate.
 */
export class DnsProbe implements Probe {
  /** True once the skip for want of a name was recorded: it is said once, not every interval. */
  #skipRecorded = false;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: DnsOptions,
  ) {}

  /**
   * Adds one `dns` measurement per resolver; failures are results. With
   * no name to resolve (no `dns.name`, and the collector is addressed by
   * IP, as in the quickstart) the first run records one `skipped` result
   * saying so and later runs record nothing: a warning every interval
   * would only repeat it, and no name is better than one nobody chose.
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    const o = this.options;
    const collectorHost = this.ctx.collectorUrl?.hostname.replace(/^\[(.*)\]$/, '$1');
    const name = o.name !== '' ? o.name : collectorHost;
    if (name === undefined || name === '' || isIP(name) !== 0) {
      if (this.#skipRecorded) return;
      this.#skipRecorded = true;
      acc.add(
        DNS_MEASUREMENT,
        {
          result: 'skipped',
          reason: 'no_name',
          detail:
            collectorHost === undefined || collectorHost === ''
              ? 'no name to resolve: set dns.name'
              : `no name to resolve: the collector is addressed by IP (${collectorHost}); set dns.name`,
        },
        { resolver: 'system' },
        this.ctx.now(),
      );
      return;
    }
    const timeoutMs = o.timeout_s * 1000;
    const targets: { resolver: string; resolve: Lookup }[] = [
      {
        resolver: 'system',
        resolve: async (n) => (await lookup(n, { all: true })).length,
      },
    ];
    for (const server of o.resolvers
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')) {
      // One try: a retry would hide a lost packet inside the timing.
      const resolver = new Resolver({ timeout: timeoutMs, tries: 1 });
      try {
        resolver.setServers([server]);
      } catch (err) {
        acc.add(DNS_MEASUREMENT, { result: 'error', error: describeError(err) }, { resolver: server, name });
        continue;
      }
      targets.push({ resolver: server, resolve: async (n) => (await resolver.resolve4(n)).length });
    }
    for (const t of targets) {
      signal.throwIfAborted();
      acc.add(
        DNS_MEASUREMENT,
        await this.time(t.resolve, name, timeoutMs, signal),
        { resolver: t.resolver, name },
        this.ctx.now(),
      );
    }
  }

  private async time(resolve: Lookup, name: string, timeoutMs: number, signal: AbortSignal): Promise<Fields> {
    const times: number[] = [];
    let addresses = 0;
    let error: string | undefined;
    for (let i = 0; i < this.options.count; i += 1) {
      signal.throwIfAborted();
      const started = performance.now();
      try {
        addresses = await withTimeout(resolve(name), timeoutMs);
        times.push(performance.now() - started);
      } catch (err) {
        error = describeError(err);
      }
    }
    if (times.length === 0) {
      return {
        result: /timed? ?out|ETIMEOUT/i.test(error ?? '') ? 'timeout' : 'error',
        error: error ?? 'no answer',
      };
    }
    const fields: Fields = {
      result: 'success',
      lookup_ms: round(percentile(times, 50) ?? 0, 3),
      lookup_first_ms: round(times[0] ?? 0, 3),
      lookup_max_ms: round(Math.max(...times), 3),
      lookups: this.options.count,
      failed: this.options.count - times.length,
      addresses,
    };
    if (error !== undefined) fields.error = error;
    return fields;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
