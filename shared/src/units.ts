/**
 * Unit helpers. skolnet reports rates in megabits per second with SI
 * prefixes (1 Mbit/s = 1,000,000 bit/s), as ISPs, iperf3 and ndt7 do.
 */

/** Bits per byte. */
export const BITS_PER_BYTE = 8;

/** Converts a byte count over a duration in seconds to Mbit/s (SI). */
export function bytesToMbps(bytes: number, seconds: number): number {
  if (!(seconds > 0)) return 0;
  return (bytes * BITS_PER_BYTE) / seconds / 1e6;
}

/** Rounds to a fixed number of decimals, for figures people read. */
export function round(value: number, decimals = 2): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** Parses a duration like `500ms`, `10s`, `5m`, `2h`, `1d` into milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) return undefined;
  const value = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[unit] ?? 1000;
  return value * factor;
}
