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

/** One upload stream as the collector counted it, on its wall-clock grid. */
export interface ReceiverSeries {
  /** Grid index of the first bucket (bucket i covers [i·step, (i+1)·step) ms). */
  start: number;
  /** Bytes per bucket from `start` on. */
  buckets: readonly number[];
  /** Arrival of the first and last byte, in ms on the collector's clock. */
  first_ms: number;
  last_ms: number;
}

/**
 * The measured window of parallel upload streams counted at the receiver:
 * one warm-up from the earliest first byte, one window to the latest last
 * byte (or `durationMs` after the warm-up, whichever is first), all
 * streams added up on the collector's grid. Cutting a warm-up
 * per stream instead would drop a late stream's first bytes while the
 * others are already being counted, and read low. Also gives the
 * per-second series from the first bucket.
 */
export function alignedReceiverWindow(
  streams: readonly ReceiverSeries[],
  stepMs: number,
  warmupMs: number,
  durationMs = Infinity,
): { window: TransferWindow; series_mbps: number[]; total: number } | undefined {
  if (streams.length === 0 || !(stepMs > 0)) return undefined;
  const first = Math.min(...streams.map((s) => s.first_ms));
  const last = Math.max(...streams.map((s) => s.last_ms));
  const start = Math.min(...streams.map((s) => s.start));
  const sum = new Map<number, number>();
  let total = 0;
  for (const s of streams) {
    s.buckets.forEach((b, i) => {
      sum.set(s.start + i, (sum.get(s.start + i) ?? 0) + b);
      total += b;
    });
  }
  const end = Math.max(...sum.keys());
  const from = Math.ceil((first + warmupMs) / stepMs);
  let window: TransferWindow;
  if (from * stepMs >= last) {
    window = { bytes: total, seconds: (last - first) / 1000, warmup_s: 0 };
  } else {
    // A fixed-length window, as iperf3's: the drain after the sender
    // stopped can end in a retransmission timeout with the line idle, which
    // says nothing about the line.
    const to = Number.isFinite(durationMs) ? from + Math.round(durationMs / stepMs) : Infinity;
    let bytes = 0;
    for (const [i, b] of sum) if (i >= from && i < to) bytes += b;
    const endMs = Math.min(last, to * stepMs);
    window = { bytes, seconds: (endMs - from * stepMs) / 1000, warmup_s: (from * stepMs - first) / 1000 };
  }
  const perSecond = Math.max(1, Math.round(1000 / stepMs));
  const series: number[] = [];
  // Whole seconds only: the last partial second would read low.
  for (let i = start; i + perSecond - 1 < end; i += perSecond) {
    let bytes = 0;
    for (let k = 0; k < perSecond; k += 1) bytes += sum.get(i + k) ?? 0;
    series.push((bytes * 8) / (perSecond * stepMs * 1000));
  }
  if (!(window.seconds > 0)) return undefined;
  return { window, series_mbps: series, total };
}
