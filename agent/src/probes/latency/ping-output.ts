import type { Fields } from '@skolnet/shared/core';
import { percentile, round } from '@skolnet/shared/core';
import { wilsonInterval } from '../common/statistics.js';

/** One echo reply as the system ping printed it. */
export interface PingReply {
  /** ICMP sequence number, when the platform prints one (Windows does not). */
  seq: number | null;
  /** Round-trip time, in ms. */
  rtt_ms: number;
}

/** What a run of the system ping said, before any judgement. */
export interface ParsedPing {
  /** Echo requests sent, from the statistics line; `null` when there is none. */
  transmitted: number | null;
  /** Replies with a round-trip time, duplicates left out, in arrival order. */
  replies: PingReply[];
  /** Error lines (name resolution, ICMP unreachable, permission), first line of each. */
  errors: string[];
}

/** How a ping run went: the `result` field of a `latency` measurement. */
export type PingResult = 'success' | 'timeout' | 'error';

// Windows prints `time<1ms` for sub-millisecond replies. The midpoint keeps
// a LAN gateway's average honest instead of rounding it to 0 or 1.
const WINDOWS_SUB_MS_RTT_MS = 0.5;

// Reply lines. Linux and macOS: `64 bytes from 127.0.0.1: icmp_seq=1 ttl=64 time=0.046 ms`;
// Windows: `Reply from 192.168.1.1: bytes=32 time=2ms TTL=64` or `time<1ms`.
// The Linux statistics line has `time 1833ms` (a space, no `=`), so it never matches.
const REPLY = /\btime([=<])\s*(\d+(?:\.\d+)?)\s*ms\b/;
const SEQ = /\bicmp_seq=(\d+)/;
// `10 packets transmitted, 10 received` (Linux), `... 10 packets received` (macOS).
const UNIX_STATS = /(\d+) packets transmitted, (\d+) (?:packets )?received/;
// `    Packets: Sent = 4, Received = 3, Lost = 1 (25% loss),` (Windows, English).
const WINDOWS_STATS = /Packets: Sent = (\d+), Received = (\d+)/;
const ERROR_LINES = [
  // iputils and BSD ping report their own failures as `ping: <what>`.
  /^ping: (.+)$/,
  // Windows, when the name does not resolve.
  /^(Ping request could not find host .+)$/,
  // ICMP errors from a router on the way, all platforms.
  /(Destination (?:host|net|port) unreachable|Time to live exceeded|TTL expired in transit)/i,
];

/**
 * Parses the text (stdout, then stderr) of the system `ping` on Linux
 * (iputils), macOS and English Windows. Per-reply times are kept so jitter
 * can be computed the same way on every platform.
 */
export function parsePingOutput(text: string): ParsedPing {
  let transmitted: number | null = null;
  const replies: PingReply[] = [];
  const errors: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const stats = UNIX_STATS.exec(line) ?? WINDOWS_STATS.exec(line);
    if (stats) {
      transmitted = Number(stats[1]);
      continue;
    }
    const reply = REPLY.exec(line);
    if (reply && !line.includes('(DUP!)')) {
      const seq = SEQ.exec(line);
      const rtt = reply[1] === '<' ? WINDOWS_SUB_MS_RTT_MS : Number(reply[2]);
      replies.push({ seq: seq ? Number(seq[1]) : null, rtt_ms: rtt });
      continue;
    }
    for (const pattern of ERROR_LINES) {
      const m = pattern.exec(line);
      if (m?.[1] !== undefined) {
        errors.push(m[1]);
        break;
      }
    }
  }
  return { transmitted, replies, errors };
}

/**
 * Jitter as the mean absolute difference of consecutive round-trip times,
 * in ms: the interarrival-jitter idea of RFC 3550 §6.4.1 without its 1/16
 * smoothing, which suits a short burst of samples better than a running
 * estimate. Replies are taken in sequence order; a lost one is skipped.
 * `undefined` with fewer than two replies.
 */
export function jitterMs(replies: readonly PingReply[]): number | undefined {
  if (replies.length < 2) return undefined;
  const ordered = replies.every((r) => r.seq !== null)
    ? [...replies].sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0))
    : replies;
  let sum = 0;
  for (let i = 1; i < ordered.length; i += 1) {
    sum += Math.abs((ordered[i]?.rtt_ms ?? 0) - (ordered[i - 1]?.rtt_ms ?? 0));
  }
  return sum / (ordered.length - 1);
}

/**
 * Turns a parsed ping run into the fields of a `latency` measurement:
 * `success` when any reply came, `timeout` when all were lost, `error`
 * when ping could not send at all (unknown host, no statistics).
 *
 * @param exitCode ping's exit code, quoted when the output explains nothing
 */
export function summarizePing(parsed: ParsedPing, exitCode: number | null = null): Fields {
  const firstError = parsed.errors[0];
  if (parsed.transmitted === null || parsed.transmitted === 0) {
    const message =
      firstError ?? `ping printed no statistics (exit code ${exitCode === null ? 'none' : exitCode})`;
    return { result: 'error', error: message };
  }
  const sent = parsed.transmitted;
  const received = Math.min(parsed.replies.length, sent);
  if (received === 0) {
    const fields: Fields = { result: 'timeout', sent, received, ...lossFields(sent, received) };
    if (firstError !== undefined) fields.error = firstError;
    return fields;
  }
  return { result: 'success', ...rttFields(parsed.replies), ...lossFields(sent, received), sent, received };
}

/**
 * Round-trip fields of a set of replies: min, mean, max, p50, p95 (nearest
 * rank) and jitter, in ms. Shared by ICMP and the TCP fallback.
 */
export function rttFields(replies: readonly PingReply[]): Fields {
  const rtts = replies.map((r) => r.rtt_ms);
  if (rtts.length === 0) return {};
  const fields: Fields = {
    rtt_min_ms: round(Math.min(...rtts), 3),
    rtt_avg_ms: round(rtts.reduce((a, b) => a + b, 0) / rtts.length, 3),
    rtt_max_ms: round(Math.max(...rtts), 3),
    rtt_p50_ms: round(percentile(rtts, 50) ?? 0, 3),
    rtt_p95_ms: round(percentile(rtts, 95) ?? 0, 3),
  };
  const jitter = jitterMs(replies);
  if (jitter !== undefined) fields.jitter_ms = round(jitter, 3);
  return fields;
}

/**
 * Loss and its 95 % Wilson interval, in percent. The interval says how sure
 * the figure is: 0 lost out of 10 is "0 %, could be up to 28 %", which a
 * bare `loss_pct` hides.
 */
export function lossFields(sent: number, received: number): Fields {
  const lost = sent - received;
  const ci = wilsonInterval(lost, sent);
  return {
    loss_pct: round((lost / sent) * 100, 1),
    // Rounded outwards, so rounding never narrows the interval.
    loss_ci_low_pct: Math.floor(ci.low * 10_000) / 100,
    loss_ci_high_pct: Math.ceil(ci.high * 10_000) / 100,
  };
}

/** Ping settings that become command-line arguments. */
export interface PingSettings {
  /** Echo requests to send. */
  count: number;
  /** Time between requests, in seconds (not settable on Windows, which always waits 1 s). */
  intervalS: number;
  /** How long to wait for each reply, in seconds. */
  timeoutS: number;
}

/**
 * Arguments for the system ping on `platform`. `-n` everywhere but Windows
 * keeps ping from doing reverse DNS, which would add lookups and delay.
 */
export function pingArguments(platform: NodeJS.Platform, host: string, s: PingSettings): string[] {
  switch (platform) {
    case 'win32':
      // Windows: -n count, -w per-reply timeout in ms; interval is fixed at 1 s.
      return ['-n', String(s.count), '-w', String(Math.round(s.timeoutS * 1000)), host];
    default: {
      // BSD ping (macOS, FreeBSD) takes -W in ms; iputils in seconds, and
      // whole seconds, because releases before 2021 reject fractions.
      const bsd = platform === 'darwin' || platform === 'freebsd';
      const wait = bsd ? Math.round(s.timeoutS * 1000) : Math.max(1, Math.round(s.timeoutS));
      return ['-n', '-c', String(s.count), '-i', String(s.intervalS), '-W', String(wait), host];
    }
  }
}
