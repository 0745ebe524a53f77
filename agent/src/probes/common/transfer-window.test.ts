import { describe, expect, it } from 'vitest';
import {
  alignedReceiverWindow,
  bucketsToMbps,
  formatSeries,
  measuredWindow,
  seriesMbps,
} from './transfer-window.js';

/** 1 MB every 100 ms from t = 1000 ms: 80 Mbit/s flat, marks every 100 ms. */
const flat = Array.from({ length: 51 }, (_, i) => ({ t_ms: 1000 + i * 100, bytes: i * 1_000_000 }));

describe('measuredWindow', () => {
  it('leaves the warm-up out and times the rest', () => {
    expect(measuredWindow(flat, 1000, 2000)).toEqual({ bytes: 30_000_000, seconds: 3, warmup_s: 2 });
  });

  it('leaves a slow start out of the figure', () => {
    // The first second carries only 1 MB, then 10 MB/s: the window reads the steady rate.
    const ramp = [
      { t_ms: 0, bytes: 0 },
      { t_ms: 1000, bytes: 1_000_000 },
      { t_ms: 2000, bytes: 11_000_000 },
      { t_ms: 3000, bytes: 21_000_000 },
    ];
    expect(measuredWindow(ramp, 0, 1000)).toEqual({ bytes: 20_000_000, seconds: 2, warmup_s: 1 });
  });

  it('falls back to the whole transfer when it ended inside the warm-up', () => {
    expect(measuredWindow(flat.slice(0, 6), 1000, 2000)).toEqual({
      bytes: 5_000_000,
      seconds: 0.5,
      warmup_s: 0,
    });
  });

  it('gives nothing for a transfer without duration', () => {
    expect(measuredWindow([], 0, 0)).toBeUndefined();
    expect(measuredWindow([{ t_ms: 5, bytes: 10 }], 5, 0)).toBeUndefined();
  });
});

describe('series', () => {
  it('turns marks into one rate per whole second', () => {
    expect(seriesMbps(flat, 1000).map((v) => Math.round(v))).toEqual([80, 80, 80, 80, 80]);
  });

  it('turns collector buckets into Mbit/s and formats compactly', () => {
    expect(bucketsToMbps([1_250_000, 2_500_000], 1000)).toEqual([10, 20]);
    expect(formatSeries([93.14, 94, 0.05])).toBe('93.1,94,0.1');
  });
});

describe('alignedReceiverWindow', () => {
  // 1 MB per 250 ms bucket per stream = 32 Mbit/s each, grid step 250 ms.
  const stream = (start: number, n: number) => ({
    start,
    buckets: Array.from({ length: n }, () => 1_000_000),
    first_ms: start * 250,
    last_ms: (start + n) * 250,
  });

  it('adds streams on one grid and cuts one warm-up for all', () => {
    const r = alignedReceiverWindow([stream(0, 20), stream(0, 20)], 250, 1000);
    expect(r?.window).toEqual({ bytes: 32_000_000, seconds: 4, warmup_s: 1 });
    expect(r?.total).toBe(40_000_000);
    expect(r?.series_mbps.map(Math.round)).toEqual([64, 64, 64, 64]);
  });

  it("counts a late stream's first bytes when the others are already in the window", () => {
    // The second stream starts 1 s late: its first second is inside the common window.
    const r = alignedReceiverWindow([stream(0, 20), stream(4, 16)], 250, 1000);
    expect(r?.window).toEqual({ bytes: 32_000_000, seconds: 4, warmup_s: 1 });
  });

  it('ends a fixed-length window before a slow drain', () => {
    // 2 s warm-up + 2 s measured, then a drain the window leaves out.
    const r = alignedReceiverWindow([stream(0, 40)], 250, 2000, 2000);
    expect(r?.window).toEqual({ bytes: 8_000_000, seconds: 2, warmup_s: 2 });
  });

  it('falls back to the whole transfer when it ended inside the warm-up', () => {
    expect(alignedReceiverWindow([stream(0, 2)], 250, 1000)?.window).toEqual({
      bytes: 2_000_000,
      seconds: 0.5,
      warmup_s: 0,
    });
  });
});
