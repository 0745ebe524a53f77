import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Measurement } from '@skolnet/shared/core';

/**
 * Default threshold of other traffic above which a heavy test waits, in
 * Mbit/s. A class streaming video moves a few Mbit/s per pupil group;
 * above 20 Mbit/s the school is using the line in earnest, a test would
 * slow the lesson down and would itself report only what was left over.
 * Below it the test's own transfer dominates and its figure still means
 * the line.
 */
export const DEFAULT_BUSY_THRESHOLD_MBPS = 20;

/**
 * How long the interface counters are watched before a heavy test, in ms.
 * Two seconds average over a video stream's bursts (segments of 2-6 s
 * arrive in bursts) at the cost of two reads of a small file.
 */
export const DEFAULT_BUSY_WINDOW_MS = 2_000;

/**
 * How old an `snmp_network` reading of the uplink may be and still count,
 * in ms. Traffic changes with the lesson (45 minutes in Latvian schools);
 * a reading older than half a lesson says little about now.
 */
export const SNMP_FRESH_MS = 20 * 60_000;

/** Byte counters of one network interface. */
export interface InterfaceCounters {
  iface: string;
  rxBytes: number;
  txBytes: number;
}

/** Where counters come from; undefined when this host cannot say (not Linux, no default route). */
export interface CounterSource {
  read(): Promise<InterfaceCounters | undefined>;
}

/** Parses `/proc/net/dev`: received and transmitted bytes per interface. */
export function parseProcNetDev(text: string): Map<string, { rxBytes: number; txBytes: number }> {
  const out = new Map<string, { rxBytes: number; txBytes: number }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    const cols = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    // Receive: bytes packets errs drop fifo frame compressed multicast; then transmit: bytes …
    const rx = cols[0];
    const tx = cols[8];
    if (name === '' || rx === undefined || tx === undefined || !Number.isFinite(rx) || !Number.isFinite(tx))
      continue;
    out.set(name, { rxBytes: rx, txBytes: tx });
  }
  return out;
}

/**
 * The interface of the default IPv4 route in `/proc/net/route` (the one
 * with the lowest metric), or undefined when there is none.
 */
export function parseDefaultRouteInterface(text: string): string | undefined {
  let best: { iface: string; metric: number } | undefined;
  for (const line of text.split('\n').slice(1)) {
    const [iface, destination, , , , , metric, mask] = line.trim().split(/\s+/);
    if (!iface || destination !== '00000000' || mask !== '00000000') continue;
    const m = Number(metric);
    if (!best || m < best.metric) best = { iface, metric: m };
  }
  return best?.iface;
}

/** Options of {@link createProcCounterSource}. */
export interface ProcCounterOptions {
  /** The proc file system; a test may point it elsewhere. Default `/proc`. */
  procDir?: string;
  /** Interface to watch. Default: the default route's, looked up at each read. */
  iface?: string;
}

/**
 * Counters from Linux `/proc/net/dev`: two small file reads, no child
 * process, nothing that blocks the event loop (unlike systeminformation).
 * On other systems, or without a default route, reads give undefined and
 * only the SNMP uplink reading decides.
 */
export function createProcCounterSource(options: ProcCounterOptions = {}): CounterSource {
  const proc = options.procDir ?? '/proc';
  return {
    async read() {
      try {
        const iface =
          options.iface ?? parseDefaultRouteInterface(await readFile(join(proc, 'net', 'route'), 'utf8'));
        if (!iface) return undefined;
        const counters = parseProcNetDev(await readFile(join(proc, 'net', 'dev'), 'utf8')).get(iface);
        return counters ? { iface, ...counters } : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/** Traffic seen on an interface over a window. */
export interface TrafficSample {
  iface: string;
  /** Bytes received and sent during the window. */
  rxBytes: number;
  txBytes: number;
  /** The busier direction, in Mbit/s (SI). */
  mbps: number;
}

/**
 * Reads the counters, waits `windowMs` (through `sleep`), reads again.
 * Undefined when either read fails, the interface changed in between, or
 * a counter went backwards (interface reset).
 */
export async function sampleTraffic(
  source: CounterSource,
  windowMs: number,
  sleep: (ms: number) => Promise<void>,
  clock: () => number = () => performance.now(),
): Promise<TrafficSample | undefined> {
  const first = await source.read();
  const started = clock();
  if (!first) return undefined;
  await sleep(windowMs);
  const second = await source.read();
  const elapsedS = (clock() - started) / 1000;
  if (!second || second.iface !== first.iface || elapsedS <= 0) return undefined;
  const rxBytes = second.rxBytes - first.rxBytes;
  const txBytes = second.txBytes - first.txBytes;
  if (rxBytes < 0 || txBytes < 0) return undefined;
  const mbps = (Math.max(rxBytes, txBytes) * 8) / elapsedS / 1e6;
  return { iface: first.iface, rxBytes, txBytes, mbps };
}

/** The school uplink's traffic from an `snmp_network` result. */
export interface UplinkReading {
  /** The busier direction, in Mbit/s. */
  mbps: number;
  at: Date;
}

/** The uplink reading of an `snmp_network` measurement, when it has one. */
export function uplinkReading(m: Measurement): UplinkReading | undefined {
  if (m.measurement !== 'snmp_network') return undefined;
  const inBps = m.fields.uplink_in_bps;
  const outBps = m.fields.uplink_out_bps;
  const rates = [inBps, outBps].filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
  if (rates.length === 0) return undefined;
  return { mbps: Math.max(...rates) / 1e6, at: new Date(m.at) };
}

/** What the busy check saw. */
export interface LoadVerdict {
  busy: boolean;
  /** The highest traffic seen, in Mbit/s; undefined when nothing could be read. */
  observedMbps?: number;
  /** Which reading it came from. */
  source?: 'interface' | 'snmp_uplink';
}

/**
 * Decides whether the line is busy: the busier of this host's interface
 * (sampled now) and the school uplink (the latest fresh SNMP reading) is
 * compared with the threshold. Nothing readable means not busy: a host
 * that cannot tell must still measure.
 */
export function loadVerdict(
  sample: TrafficSample | undefined,
  uplink: UplinkReading | undefined,
  now: Date,
  thresholdMbps: number,
): LoadVerdict {
  const candidates: { mbps: number; source: 'interface' | 'snmp_uplink' }[] = [];
  if (sample) candidates.push({ mbps: sample.mbps, source: 'interface' });
  const age = uplink ? now.getTime() - uplink.at.getTime() : Number.NaN;
  if (uplink && age >= 0 && age <= SNMP_FRESH_MS)
    candidates.push({ mbps: uplink.mbps, source: 'snmp_uplink' });
  if (candidates.length === 0) return { busy: false };
  const top = candidates.reduce((a, b) => (b.mbps > a.mbps ? b : a));
  return { busy: top.mbps > thresholdMbps, observedMbps: top.mbps, source: top.source };
}
