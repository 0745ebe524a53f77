import { describe, expect, it } from 'vitest';
import { bucketsToMbps, formatSeries, measuredWindow, seriesMbps } from './transfer-window.js';

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
    expect(measuredWindow(flat.slice(0, 6), 1000, 2000)).toEqual({ bytes: 5_000_000, seconds: 0.5, warmup_s: 0 });
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
