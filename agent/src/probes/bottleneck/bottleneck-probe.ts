import { access } from 'node:fs/promises';
import type { Fields, Tags } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, describeError, percentile, round } from '@skolnet/shared/core';
import { sampleTcpRtt, tcpConnectTime, urlPort } from '../common/tcp-connect.js';
import { defaultRouteCommand, parseDefaultGateway } from '../common/default-gateway.js';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import { measureDownload, transferSettings, windowMbps } from '../common/speed-client.js';
import type { BottleneckOptions } from './bottleneck-options.js';
import { limitingSegment, type SegmentFigures } from './limiting-segment.js';

/** Measurement name of this probe's results. */
export const BOTTLENECK_MEASUREMENT = 'bottleneck';
/** Idle round trips per target before the downloads. */
const IDLE_SAMPLES = 10;
/** Time between round-trip samples during a download, in ms (as the throughput probe). */
const LOADED_INTERVAL_MS = 200;
/** Time limit of the default-route lookup, in ms. */
const ROUTE_LOOKUP_TIMEOUT_MS = 5_000;

/** Seams of {@link BottleneckProbe}, for tests. */
export interface BottleneckProbeDeps {
  /** Whether interface `name` is a wireless one; default reads Linux's /sys/class/net/<name>/wireless. */
  isWireless?: (iface: string) => Promise<boolean | undefined>;
  platform?: NodeJS.Platform;
}

async function linuxIsWireless(iface: string): Promise<boolean | undefined> {
  if (process.platform !== 'linux') return undefined;
  try {
    await access(`/sys/class/net/${iface}/wireless`);
    return true;
  } catch {
    try {
      await access(`/sys/class/net/${iface}`);
      return false;
    } catch {
      return undefined;
    }
  }
}

/**
 * Locates a school's bottleneck: one agent measures, side by side, the
 * round trip to its default gateway, a download from a peer on the LAN
 * (when one is configured), and a download from the collector over the
 * WAN, sampling both round trips while the WAN download runs. One result
 * names the limiting segment (`wifi`, `lan` or `internet`) by the rule in
 * limiting-segment.ts.
 */
export class BottleneckProbe implements Probe {
  private readonly isWireless: (iface: string) => Promise<boolean | undefined>;
  private readonly platform: NodeJS.Platform;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: BottleneckOptions,
    deps: BottleneckProbeDeps = {},
  ) {
    this.isWireless = deps.isWireless ?? linuxIsWireless;
    this.platform = deps.platform ?? process.platform;
  }

  /**
   * Measures and adds one `bottleneck` measurement; parts that fail leave
   * their fields out and say so in `error`.
   *
   * @throws SkolnetError `PROBE_UNAVAILABLE` without a collector URL
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    const collector = this.ctx.collectorUrl;
    if (!collector) {
      throw new SkolnetError(
        ErrorCodes.PROBE_UNAVAILABLE,
        'bottleneck needs a collector URL for the WAN side',
        {
          retryable: false,
        },
      );
    }
    const o = this.options;
    const timeoutMs = o.timeout_s * 1000;
    const errors: string[] = [];
    const fields: Fields = {};
    const tags: Tags = {};
    const figures: SegmentFigures = { local_link: 'unknown' };

    const gw = await this.gateway(signal);
    if ('error' in gw) errors.push(`gateway: ${gw.error}`);
    else {
      tags.gateway = gw.address;
      if (gw.iface !== undefined) {
        const wireless = await this.isWireless(gw.iface);
        if (wireless !== undefined) figures.local_link = wireless ? 'wifi' : 'wired';
        tags.interface = gw.iface;
      }
    }
    fields.local_link = figures.local_link;
    const wanHost = collector.hostname.replace(/^\[(.*)\]$/, '$1');
    const wanPort = urlPort(collector);

    const idle = async (host: string, port: number): Promise<number | undefined> => {
      const samples: number[] = [];
      for (let i = 0; i < IDLE_SAMPLES; i += 1) {
        const r = await tcpConnectTime(host, port, timeoutMs, signal);
        if (r.ok) samples.push(r.rtt_ms);
      }
      return percentile(samples, 50);
    };
    if (!('error' in gw)) {
      figures.gateway_rtt_ms = await idle(gw.address, o.gateway_tcp_port);
      if (figures.gateway_rtt_ms === undefined) errors.push('gateway: no answer to TCP');
    }
    figures.wan_rtt_ms = await idle(wanHost, wanPort);
    signal.throwIfAborted();

    const settings = transferSettings(o, this.ctx.progress);
    if (o.lan_peer !== '') {
      tags.lan_peer = new URL(o.lan_peer).host;
      const lan = await measureDownload(new URL(o.lan_peer), { ...settings, peer: 'LAN peer' }, signal);
      if (lan.error === undefined) figures.lan_mbps = round(windowMbps(lan));
      else errors.push(`lan: ${lan.error}`);
    }

    // Round trips to both ends while the WAN download saturates the line:
    // the queue builds in front of the bottleneck.
    const sampling = new AbortController();
    const samplers: Promise<number[]>[] = [];
    const wan = await measureDownload(
      collector,
      {
        ...settings,
        onWarm: () => {
          const stop = AbortSignal.any([signal, sampling.signal]);
          samplers.push(sampleTcpRtt(wanHost, wanPort, LOADED_INTERVAL_MS, timeoutMs, stop));
          if (!('error' in gw))
            samplers.push(sampleTcpRtt(gw.address, o.gateway_tcp_port, LOADED_INTERVAL_MS, timeoutMs, stop));
        },
      },
      signal,
    );
    sampling.abort();
    const [wanLoaded, gatewayLoaded] = await Promise.all(samplers);
    if (wan.error === undefined) figures.wan_download_mbps = round(windowMbps(wan));
    else errors.push(`wan: ${wan.error}`);
    figures.wan_rtt_loaded_ms = percentile(wanLoaded ?? [], 50);
    figures.gateway_rtt_loaded_ms = percentile(gatewayLoaded ?? [], 50);

    for (const key of [
      'gateway_rtt_ms',
      'gateway_rtt_loaded_ms',
      'wan_rtt_ms',
      'wan_rtt_loaded_ms',
      'lan_mbps',
      'wan_download_mbps',
    ] as const) {
      const v = figures[key];
      if (v !== undefined) fields[key] = round(v, 3);
    }
    const decision = limitingSegment(figures);
    fields.limiting_segment = decision.segment;
    fields.reason = decision.reason;
    fields.result = figures.wan_download_mbps === undefined ? 'error' : 'success';
    if (errors.length > 0) fields.error = errors.join('; ');
    acc.add(BOTTLENECK_MEASUREMENT, fields, tags, this.ctx.now());
  }

  private async gateway(
    signal: AbortSignal,
  ): Promise<{ address: string; iface?: string } | { error: string }> {
    const lookup = defaultRouteCommand(this.platform);
    let iface: string | undefined;
    let address = this.options.gateway !== '' ? this.options.gateway : undefined;
    if (lookup) {
      try {
        const out = await this.ctx.runner.run(lookup.command, lookup.args, {
          timeoutMs: ROUTE_LOOKUP_TIMEOUT_MS,
          signal,
        });
        const found = out.exitCode === 0 ? parseDefaultGateway(this.platform, out.stdout) : undefined;
        iface = found?.iface;
        address ??= found?.address;
      } catch (err) {
        signal.throwIfAborted();
        if (address === undefined) return { error: `cannot read the routing table: ${describeError(err)}` };
      }
    }
    if (address === undefined) return { error: 'no default gateway; set the gateway option' };
    return iface === undefined ? { address } : { address, iface };
  }
}
