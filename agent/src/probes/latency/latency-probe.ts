import { performance } from 'node:perf_hooks';
import type { Fields } from '@skolnet/shared/core';
import { ErrorCodes, describeError, isSkolnetError } from '@skolnet/shared/core';
import type { Accumulator, Probe, ProbeContext } from '../probe.js';
import { defaultRouteCommand, parseDefaultGateway } from '../common/default-gateway.js';
import { tcpConnectTime, urlPort } from '../common/tcp-connect.js';
import { GATEWAY_OFF, autoIntervalS, type LatencyOptions } from './latency-options.js';
import {
  lossFields,
  parsePingOutput,
  pingArguments,
  rttFields,
  summarizePing,
  type PingReply,
} from './ping-output.js';

/** Measurement name of this probe's results. */
export const LATENCY_MEASUREMENT = 'latency';

/** Time limit of the default-route lookup, in ms: it reads a kernel table and returns at once. */
const ROUTE_LOOKUP_TIMEOUT_MS = 5_000;

/**
 * Slack on top of the time ping should need (count × interval + reply
 * timeout), in ms: name resolution and process start-up happen before the
 * first request is sent.
 */
const PING_SLACK_MS = 10_000;

/** Seams of {@link LatencyProbe} beyond the probe context, for tests. */
export interface LatencyProbeDeps {
  /** The platform whose command output to expect; defaults to this host's. */
  platform?: NodeJS.Platform;
  /** Whether ping may go below 0.2 s (root); defaults to uid 0. */
  privileged?: boolean;
}

/**
 * Most TCP handshakes the fallback makes per target: each opens a
 * connection on the peer, so the fallback stays lighter than ICMP's count.
 */
const TCP_FALLBACK_MAX_SAMPLES = 100;
/** Time between fallback handshakes, in ms: 10 a second, the peer never notices. */
const TCP_FALLBACK_INTERVAL_MS = 100;

/** One host to ping and how to label it. */
interface Target {
  target: 'gateway' | 'collector';
  host: string;
  /** TCP port for the fallback. */
  port: number;
}

/** A target found, or the fields of the result that says why not. */
type Lookup = { found: Target } | { failed: Fields };

/**
 * ICMP echo round-trip time, jitter and loss to the default gateway (is the
 * school's own network healthy?) and to the collector (is the path to the
 * ministry healthy?). Runs the system ping through the command runner and
 * parses its per-reply lines, so every platform computes the figures the
 * same way.
 */
export class LatencyProbe implements Probe {
  private readonly platform: NodeJS.Platform;
  private readonly privileged: boolean;

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: LatencyOptions,
    deps: LatencyProbeDeps = {},
  ) {
    this.platform = deps.platform ?? process.platform;
    this.privileged = deps.privileged ?? process.getuid?.() === 0;
  }

  /**
   * Pings every target at once and adds one `latency` measurement each. A
   * dead target, a missing gateway or a missing ping program is a result
   * with `result: "timeout"` or `"error"`, never a rejection; only an abort
   * rejects, with the signal's reason.
   */
  async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    // `gateway: "off"` leaves the gateway out: for hosts whose gateway must
    // not be probed (a lab, a test machine), or when only the WAN matters.
    const lookups: Promise<Lookup>[] =
      this.options.gateway === GATEWAY_OFF ? [] : [this.gatewayTarget(signal)];
    // URL keeps the brackets of an IPv6 literal (`[::1]`); ping wants the bare address.
    const collectorHost = this.ctx.collectorUrl?.hostname.replace(/^\[(.*)\]$/, '$1');
    const collectorUrl = this.ctx.collectorUrl;
    if (collectorHost && collectorUrl)
      lookups.push(
        Promise.resolve({ found: { target: 'collector', host: collectorHost, port: urlPort(collectorUrl) } }),
      );

    await Promise.all(
      lookups.map(async (pending) => {
        const lookup = await pending;
        if ('failed' in lookup) {
          acc.add(LATENCY_MEASUREMENT, lookup.failed, { target: 'gateway' }, this.ctx.now());
          return;
        }
        const { target, host } = lookup.found;
        const icmp = await this.ping(host, signal);
        const fallback = this.fallbackReason(icmp);
        if (fallback === undefined) {
          acc.add(LATENCY_MEASUREMENT, icmp.fields, { target, host, method: 'icmp' }, this.ctx.now());
          return;
        }
        const tcp = await this.tcpRtt(lookup.found, signal);
        const fields = tcp.result === 'success' ? tcp : icmp.fields;
        // The tags say what was measured and why, so nobody mistakes a TCP
        // handshake for an ICMP echo when comparing schools.
        acc.add(
          LATENCY_MEASUREMENT,
          fields,
          { target, host, method: tcp.result === 'success' ? 'tcp' : 'icmp', fallback },
          this.ctx.now(),
        );
      }),
    );
  }

  /** The gateway to ping, or the `error` fields of the gateway's result saying why there is none. */
  private async gatewayTarget(signal: AbortSignal): Promise<Lookup> {
    const port = this.options.gateway_tcp_port;
    if (this.options.gateway !== '')
      return { found: { target: 'gateway', host: this.options.gateway, port } };
    const lookup = defaultRouteCommand(this.platform);
    if (!lookup) {
      return {
        failed: {
          result: 'error',
          error: `default gateway discovery is not implemented on ${this.platform}; set the gateway option`,
        },
      };
    }
    try {
      const out = await this.ctx.runner.run(lookup.command, lookup.args, {
        timeoutMs: ROUTE_LOOKUP_TIMEOUT_MS,
        signal,
      });
      if (out.exitCode !== 0) {
        const why = firstLine(out.stderr) ?? `exit code ${out.exitCode ?? 'none'}`;
        return {
          failed: { result: 'error', error: `${lookup.command} ${lookup.args.join(' ')} failed: ${why}` },
        };
      }
      const gateway = parseDefaultGateway(this.platform, out.stdout);
      if (!gateway) return { failed: { result: 'error', error: 'no default gateway in the routing table' } };
      return { found: { target: 'gateway', host: gateway.address, port } };
    } catch (err) {
      signal.throwIfAborted();
      return { failed: { result: 'error', error: `cannot read the routing table: ${describeError(err)}` } };
    }
  }

  /** Pings `host` and returns the fields of its result, and whether ping could not run at all. */
  private async ping(host: string, signal: AbortSignal): Promise<{ fields: Fields; missing: boolean }> {
    const { count, timeout_s: timeoutS } = this.options;
    const intervalS = this.options.interval_s > 0 ? this.options.interval_s : autoIntervalS(this.privileged);
    const args = pingArguments(this.platform, host, { count, intervalS, timeoutS });
    const timeoutMs = Math.ceil((count * intervalS + timeoutS) * 1000) + PING_SLACK_MS;
    try {
      const out = await this.ctx.runner.run(this.options.ping_command, args, { timeoutMs, signal });
      return {
        fields: summarizePing(parsePingOutput(`${out.stdout}\n${out.stderr}`), out.exitCode),
        missing: false,
      };
    } catch (err) {
      signal.throwIfAborted();
      const missing = isSkolnetError(err, ErrorCodes.PROBE_UNAVAILABLE);
      const message = missing ? `ping is not available: ${describeError(err)}` : describeError(err);
      return { fields: { result: 'error', error: message }, missing };
    }
  }

  /**
   * Why ICMP gave nothing usable, as the `fallback` tag: `ping_missing`
   * (no ping program), `icmp_blocked` (every echo lost, or ping refused to
   * send); `undefined` when ICMP worked or the fallback is off.
   */
  private fallbackReason(icmp: { fields: Fields; missing: boolean }): string | undefined {
    if (!this.options.tcp_fallback) return undefined;
    if (icmp.missing) return 'ping_missing';
    if (icmp.fields.result === 'timeout') return 'icmp_blocked';
    if (icmp.fields.result === 'error' && /not permitted|permission|socket/i.test(String(icmp.fields.error)))
      return 'icmp_blocked';
    return undefined;
  }

  /** Round trips by TCP handshake to `target.port`, with the same fields as ICMP. */
  private async tcpRtt(target: Target, signal: AbortSignal): Promise<Fields> {
    const samples = Math.min(this.options.count, TCP_FALLBACK_MAX_SAMPLES);
    const replies: PingReply[] = [];
    let lastError: string | undefined;
    for (let seq = 1; seq <= samples; seq += 1) {
      signal.throwIfAborted();
      const started = performance.now();
      const r = await tcpConnectTime(target.host, target.port, this.options.timeout_s * 1000, signal);
      if (r.ok) replies.push({ seq, rtt_ms: r.rtt_ms });
      else lastError = r.error;
      const wait = TCP_FALLBACK_INTERVAL_MS - (performance.now() - started);
      if (wait > 0 && seq < samples) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    signal.throwIfAborted();
    if (replies.length === 0) {
      return {
        result: 'timeout',
        sent: samples,
        received: 0,
        ...lossFields(samples, 0),
        error: lastError ?? 'no answer',
      };
    }
    return {
      result: 'success',
      ...rttFields(replies),
      ...lossFields(samples, replies.length),
      sent: samples,
      received: replies.length,
      tcp_port: target.port,
    };
  }
}

function firstLine(text: string): string | undefined {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return line?.trim();
}
