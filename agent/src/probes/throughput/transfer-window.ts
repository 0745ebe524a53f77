/**
 * Pure arithmetic over a transfer's byte counter sampled in time: the rate
 * over the measured window (after the warm-up) and the per-second series.
 * Kept apart from the sockets so the figures can be tested exactly.
 */

/** The byte counter of a transfer at one moment. */
export interface CounterMark {
  /** `performance.now()` time, in ms. */
  t_ms: number;
  /** Bytes counted so far. */
  bytes: number;
}

/** Bytes and seconds of the measured window. */
export interface TransferWindow {
  /** Bytes counted inside the window. */
  bytes: number;
  /** Window length, in seconds. */
  seconds: number;
  /** Warm-up actually left out before the window, in seconds (0 when the transfer ended first). */
  warmup_s: number;
}

/**
 * The measured window of a transfer: from the first mark at or after
 * `firstByteMs + warmupMs` to the last mark. When the transfer ended
 * before the warm-up was over (a byte cap on a fast line), the whole
 * transfer from the first byte is the window, so a figure still comes out.
 *
 * @param marks counter marks in time order; the last is the end of the transfer
 */
export function measuredWindow(
  marks: readonly CounterMark[],
  firstByteMs: number,
  warmupMs: number,
): TransferWindow | undefined {
  const last = marks[marks.length - 1];
  if (last === undefined) return undefined;
  const from = marks.find((m) => m.t_ms >= firstByteMs + warmupMs && m !== last);
  if (from === undefined || last.t_ms - from.t_ms <= 0) {
    const seconds = (last.t_ms - firstByteMs) / 1000;
    return seconds > 0 ? { bytes: last.bytes, seconds, warmup_s: 0 } : undefined;
  }
  return {
    bytes: last.bytes - from.bytes,
    seconds: (last.t_ms - from.t_ms) / 1000,
    warmup_s: (from.t_ms - firstByteMs) / 1000,
  };
}

/**
 * Mbit/s in consecutive steps of `stepMs` from `startMs`, from the marks
 * nearest each step boundary (each step's rate uses the real times of the
 * marks, so timer jitter shifts a boundary but never skews a rate). A
 * trailing partial step is left out.
 */
export function seriesMbps(marks: readonly CounterMark[], startMs: number, stepMs = 1000): number[] {
  const last = marks[marks.length - 1];
  if (last === undefined) return [];
  const nearest = (t: number): CounterMark | undefined => {
    let best: CounterMark | undefined;
    for (const m of marks) if (best === undefined || Math.abs(m.t_ms - t) < Math.abs(best.t_ms - t)) best = m;
    return best;
  };
  const out: number[] = [];
  for (let k = 1; startMs + k * stepMs <= last.t_ms + stepMs / 10; k += 1) {
    const a = k === 1 ? { t_ms: startMs, bytes: 0 } : nearest(startMs + (k - 1) * stepMs);
    const b = nearest(startMs + k * stepMs);
    if (a === undefined || b === undefined || b.t_ms <= a.t_ms) continue;
    out.push(((b.bytes - a.bytes) * 8) / ((b.t_ms - a.t_ms) / 1000) / 1e6);
  }
  return out;
}

/** Series of per-step byte counts (as the collector reports them) turned into Mbit/s. */
export function bucketsToMbps(buckets: readonly number[], stepMs: number): number[] {
  return buckets.map((b) => (b * 8) / (stepMs / 1000) / 1e6);
}

/** A series as a compact string field (`"93.1,94.0,…"`): result fields hold no arrays. */
export function formatSeries(values: readonly number[], decimals = 1): string {
  const f = 10 ** decimals;
  return values.map((v) => String(Math.round(v * f) / f)).join(',');
}
