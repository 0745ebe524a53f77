import type { Fields } from '@skolnet/shared';
import { ErrorCodes, describeError, isSkolnetError } from '@skolnet/shared';
import { resolveOptions } from '../options.js';
import type { Accumulator, Probe, ProbeContext, ProbeDefinition } from '../probe.js';
import { defaultRouteCommand, parseDefaultGateway } from './default-gateway.js';
import { GATEWAY_OFF, latencyOptionSpecs, type LatencyOptions } from './latency-options.js';
import { parsePingOutput, pingArguments, summarizePing } from './ping-output.js';

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
}

/** One host to ping and how to label it. */
interface Target {
  target: 'gateway' | 'collector';
  host: string;
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

  constructor(
    private readonly ctx: ProbeContext,
    private readonly options: LatencyOptions,
    deps: LatencyProbeDeps = {},
  ) {
    this.platform = deps.platform ?? process.platform;
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
    if (collectorHost) lookups.push(Promise.resolve({ found: { target: 'collector', host: collectorHost } }));

    await Promise.all(
      lookups.map(async (pending) => {
        const lookup = await pending;
        if ('failed' in lookup) {
          acc.add(LATENCY_MEASUREMENT, lookup.failed, { target: 'gateway' }, this.ctx.now());
          return;
        }
        const { target, host } = lookup.found;
        const fields = await this.ping(host, signal);
        acc.add(LATENCY_MEASUREMENT, fields, { target, host }, this.ctx.now());
      }),
    );
  }

  /** The gateway to ping, or the `error` fields of the gateway's result saying why there is none. */
  private async gatewayTarget(signal: AbortSignal): Promise<Lookup> {
    if (this.options.gateway !== '') return { found: { target: 'gateway', host: this.options.gateway } };
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
      return { found: { target: 'gateway', host: gateway.address } };
    } catch (err) {
      signal.throwIfAborted();
      return { failed: { result: 'error', error: `cannot read the routing table: ${describeError(err)}` } };
    }
  }

  /** Pings `host` and returns the fields of its result. */
  private async ping(host: string, signal: AbortSignal): Promise<Fields> {
    const { count, interval_s: intervalS, timeout_s: timeoutS } = this.options;
    const args = pingArguments(this.platform, host, { count, intervalS, timeoutS });
    const timeoutMs = Math.ceil((count * intervalS + timeoutS) * 1000) + PING_SLACK_MS;
    try {
      const out = await this.ctx.runner.run(this.options.ping_command, args, { timeoutMs, signal });
      return summarizePing(parsePingOutput(`${out.stdout}\n${out.stderr}`), out.exitCode);
    } catch (err) {
      signal.throwIfAborted();
      const message = isSkolnetError(err, ErrorCodes.PROBE_UNAVAILABLE)
        ? `ping is not available: ${describeError(err)}`
        : describeError(err);
      return { result: 'error', error: message };
    }
  }
}

function firstLine(text: string): string | undefined {
  const line = text.split(/\r?\n/).find((l) => l.trim() !== '');
  return line?.trim();
}

/** Registry entry of the `latency` probe. */
export const latencyProbeDefinition: ProbeDefinition = {
  description: 'ICMP round-trip time, jitter and loss to the default gateway and the collector.',
  needsCollector: false,
  // Every 5 minutes: 2 targets × 10 echo requests of 84 bytes is negligible
  // traffic, and 12 samples an hour show how a school's link behaves across
  // lessons and breaks.
  defaultIntervalS: 300,
  options: latencyOptionSpecs,
  create: (ctx, options) => new LatencyProbe(ctx, resolveOptions('latency', latencyOptionSpecs, options)),
};
