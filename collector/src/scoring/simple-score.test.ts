import { describe, expect, it } from 'vitest';
import { bandOf, interpolate, median, scoreSchool, type ScoringResult } from './simple-score.js';

const download = (mbps: number, extra: Record<string, string> = {}): ScoringResult => ({
  measurement: 'throughput',
  fields: { download_mbps: mbps, ...extra },
  tags: {},
});
const latency = (
  rttMs: number | undefined,
  lossPct: number,
  target = 'collector',
  result = 'success',
): ScoringResult => ({
  measurement: 'latency',
  fields: { ...(rttMs === undefined ? {} : { rtt_avg_ms: rttMs }), loss_pct: lossPct, result },
  tags: { target },
});

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([70, 30, 50])).toBe(50);
    expect(median([100, 10, 40, 20])).toBe(30);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('interpolate', () => {
  const points = [
    [0, 0],
    [0.1, 40],
    [1, 100],
  ] as const;
  it('is exact at the points, linear between, flat outside', () => {
    expect(interpolate(points, 0)).toBe(0);
    expect(interpolate(points, 0.05)).toBeCloseTo(20, 10);
    expect(interpolate(points, 0.1)).toBe(40);
    expect(interpolate(points, 0.55)).toBeCloseTo(70, 10);
    expect(interpolate(points, 5)).toBe(100);
    expect(interpolate(points, -1)).toBe(0);
  });
});

describe('bandOf', () => {
  it('cuts at 80 and 50', () => {
    expect(bandOf(80)).toBe('good');
    expect(bandOf(79.9)).toBe('moderate');
    expect(bandOf(50)).toBe('moderate');
    expect(bandOf(49.9)).toBe('priority');
    expect(bandOf(null)).toBe('insufficient_data');
  });
});

describe('scoreSchool', () => {
  it('combines the three components with weights 0.6/0.2/0.2', () => {
    // Download: median 50 Mbit/s / 100 pupils = 0.5 per pupil → 40 + 60 × (0.4 / 0.9) = 66.67 → 66.7.
    // Latency: median 160 ms → 100 × (300 − 160) / 280 = 50.
    // Loss: median 0.5% → 100 − 50 × 0.5 = 75.
    // Total: 0.6 × 66.7 + 0.2 × 50 + 0.2 × 75 = 40.02 + 10 + 15 = 65.02 → 65.0.
    const s = scoreSchool({
      pupils: 100,
      results: [
        download(30),
        download(70),
        download(50),
        latency(100, 0),
        latency(160, 0.5),
        latency(200, 2),
      ],
    });
    expect(s.components.download).toMatchObject({
      score: 66.7,
      median_mbps: 50,
      per_pupil_mbps: 0.5,
      samples: 3,
      capped: false,
    });
    expect(s.components.latency).toMatchObject({ score: 50, median_ms: 160, samples: 3 });
    expect(s.components.loss).toMatchObject({ score: 75, median_pct: 0.5, samples: 3 });
    expect(s.components.download?.weight).toBeCloseTo(0.6, 10);
    expect(s.components.latency?.weight).toBeCloseTo(0.2, 10);
    expect(s.score).toBe(65);
    expect(s.band).toBe('moderate');
  });

  it('caps the download component below the 20 Mbit/s school minimum', () => {
    // 15 Mbit/s for 10 pupils is 1.5 per pupil (→ 100), but the school is below 20 Mbit/s → capped at 40.
    const s = scoreSchool({ pupils: 10, results: [download(15)] });
    expect(s.components.download).toMatchObject({ score: 40, capped: true, weight: 1 });
    expect(s.components.latency).toBeNull();
    expect(s.score).toBe(40);
    expect(s.band).toBe('priority');
  });

  it('does not flag the cap when the score is already below it', () => {
    // 5 Mbit/s for 1000 pupils: 0.005 per pupil → 2.
    const s = scoreSchool({ pupils: 1000, results: [download(5)] });
    expect(s.components.download).toMatchObject({ score: 2, capped: false });
  });

  it('renormalises the weights over the components present', () => {
    // Download 200 Mbit/s / 200 pupils = 1 → 100; latency 20 ms → 100; no loss field → only two components.
    const s = scoreSchool({
      pupils: 200,
      results: [
        download(200),
        { measurement: 'latency', fields: { rtt_avg_ms: 20 }, tags: { target: 'collector' } },
      ],
    });
    expect(s.components.loss).toBeNull();
    expect(s.components.download?.weight).toBeCloseTo(0.75, 10);
    expect(s.components.latency?.weight).toBeCloseTo(0.25, 10);
    expect(s.score).toBe(100);
    expect(s.band).toBe('good');
  });

  it('weights a poor latency by its renormalised share', () => {
    // Download 100 (1 Mbit/s per pupil), latency 300 ms → 0: 0.75 × 100 + 0.25 × 0 = 75.
    const s = scoreSchool({
      pupils: 100,
      results: [
        download(100),
        { measurement: 'latency', fields: { rtt_avg_ms: 300 }, tags: { target: 'collector' } },
      ],
    });
    expect(s.score).toBe(75);
    expect(s.band).toBe('moderate');
  });

  it('has no score without a throughput result, but still shows the other components', () => {
    const s = scoreSchool({ pupils: 100, results: [latency(20, 0)] });
    expect(s.score).toBeNull();
    expect(s.band).toBe('insufficient_data');
    expect(s.components.latency).toMatchObject({ score: 100 });
  });

  it('ignores failed throughput tests, other latency targets and other measurements', () => {
    const s = scoreSchool({
      pupils: 100,
      results: [
        download(0, { result: 'timeout' }),
        download(100),
        latency(2, 0, 'gateway'),
        latency(90, 1),
        { measurement: 'dns', fields: { rtt_avg_ms: 1 }, tags: { target: 'collector' } },
      ],
    });
    expect(s.components.download).toMatchObject({ samples: 1, score: 100 });
    // 90 ms → 100 × (300 − 90) / 280 = 75.
    expect(s.components.latency).toMatchObject({ samples: 1, score: 75 });
    expect(s.components.loss).toMatchObject({ samples: 1, score: 50 });
    // 0.6 × 100 + 0.2 × 75 + 0.2 × 50 = 85.
    expect(s.score).toBe(85);
  });

  it('counts the loss of a timed-out latency probe but not its round-trip time', () => {
    // Median loss of [0, 100, 100] is 100 → 0; rtt only from the successful probe: 20 ms → 100.
    const s = scoreSchool({
      pupils: 10,
      results: [
        download(100),
        latency(20, 0),
        latency(undefined, 100, 'collector', 'timeout'),
        latency(undefined, 100, 'collector', 'timeout'),
      ],
    });
    expect(s.components.loss).toMatchObject({ median_pct: 100, score: 0, samples: 3 });
    expect(s.components.latency).toMatchObject({ samples: 1, score: 100 });
    // 0.6 × 100 + 0.2 × 100 + 0.2 × 0 = 80.
    expect(s.score).toBe(80);
    expect(s.band).toBe('good');
  });

  it('treats a school without pupils as one pupil', () => {
    const s = scoreSchool({ pupils: 0, results: [download(25)] });
    expect(s.components.download).toMatchObject({ per_pupil_mbps: 25, score: 100 });
  });

  it('scores loss between 1% and 5% on the second line', () => {
    // 3% → 50 − 50 × (2 / 4) = 25.
    const s = scoreSchool({ pupils: 100, results: [download(100), latency(20, 3)] });
    expect(s.components.loss?.score).toBe(25);
  });
});
