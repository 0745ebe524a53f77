import { describe, expect, it } from 'vitest';
import { median, percentile } from '@skolnet/shared';
import {
  bandOf,
  extractFigures,
  extractFiguresFromRollups,
  interpolate,
  localTime,
  scoreFigures,
  scoreSchool,
  type ScoreFigures,
  type ScoringResult,
  type ScoringRollup,
} from './school-score.js';
import { DEFAULT_SCORING_CONFIG, parseScoringConfig } from './score-config.js';
import { rankingSensitivity } from './sensitivity.js';
import { rollUp } from '../testing/scoring-fixtures.js';

const empty: ScoreFigures = {
  download_samples: 0,
  upload_samples: 0,
  availability_samples: 0,
  rtt_samples: 0,
  jitter_samples: 0,
  loss_samples: 0,
  school_days: 0,
  lesson_hours: 0,
};

describe('helpers', () => {
  it('median, percentile and interpolation', () => {
    expect(median([70, 30, 50])).toBe(50);
    expect(median([100, 10, 40, 20])).toBe(30);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 100], 95)).toBe(19);
    expect(
      interpolate(
        [
          [0, 0],
          [0.1, 40],
          [1, 100],
        ],
        0.55,
      ),
    ).toBeCloseTo(70);
    expect(
      interpolate(
        [
          [20, 100],
          [300, 0],
        ],
        5,
      ),
    ).toBe(100);
    expect(bandOf(80)).toBe('good');
    expect(bandOf(79.9)).toBe('moderate');
    expect(bandOf(49.9)).toBe('priority');
    expect(bandOf(null)).toBe('insufficient_data');
  });

  it('counts school days and lesson hours in Riga time', () => {
    // 2026-03-10 is a Tuesday; 06:30 UTC is 08:30 in Riga (UTC+2 in March).
    expect(localTime(new Date('2026-03-10T06:30:00Z'), 'Europe/Riga')).toEqual({
      date: '2026-03-10',
      weekday: 2,
      hour: 8,
    });
  });
});

describe('scoreFigures: hand-computed cases', () => {
  it('the worked example of docs/methodology.md', () => {
    // 100 pupils; download 50 → 0.5/pupil → 40 + 60 × 0.4/0.9 = 66.7; upload 10 → 0.1/pupil →
    // 40 + 60 × 0.075/0.225 = 60, but one class's video upload (24 Mbit/s) caps it at
    // 100 × 10/24 = 41.7 (skolnet-score-3); availability 0.995 → 60 + 40 × 0.005/0.009 = 82.2;
    // p95 160 ms → 50; jitter 10 ms → 100 - 50 × 5/25 = 90; loss 0.5% → 75; Wi-Fi 0.8 →
    // 25 + 55 × 0.3/0.4 = 66.25 → 66.3; internal: gigabit share 0.5 → 50, duplex 0 → 100 ⇒ 75.
    const figures: ScoreFigures = {
      ...empty,
      download_mbps: 50,
      download_samples: 10,
      upload_mbps: 10,
      upload_samples: 10,
      availability_share: 0.995,
      availability_samples: 200,
      rtt_median_ms: 100,
      rtt_p95_ms: 160,
      rtt_samples: 200,
      jitter_ms: 10,
      jitter_samples: 200,
      loss_pct: 0.5,
      loss_samples: 200,
      wifi_coverage_share: 0.8,
      internal: { switches_total: 2, switches_100m: 1, duplex_mismatches: 0 },
      school_days: 5,
      lesson_hours: 40,
    };
    const s = scoreFigures(figures, 100);
    expect(s.components.download?.score).toBe(66.7);
    expect(s.components.upload).toMatchObject({ score: 41.7, capped: true });
    expect(s.components.availability?.score).toBe(82.2);
    expect(s.components.latency?.score).toBe(50);
    expect(s.components.jitter?.score).toBe(90);
    expect(s.components.loss?.score).toBe(75);
    expect(s.components.wifi?.score).toBe(66.3);
    expect(s.components.internal?.score).toBe(75);
    // 0.3×66.7 + 0.1×41.7 + 0.1×82.2 + 0.1×50 + 0.05×90 + 0.1×75 + 0.15×66.3 + 0.1×75 = 66.845
    expect(s.score).toBe(66.8);
    expect(s.band).toBe('moderate');
    expect(s.confidence).toMatchObject({ level: 'high', school_days: 5, lesson_hours: 40, missing: [] });
  });

  it('caps the download below the school minimum of 20 Mbit/s', () => {
    // 15 Mbit/s for 10 pupils is 1.5 each (→ 100) but below 20 Mbit/s: 40 × 15/20 = 30.
    const s = scoreFigures({ ...empty, download_mbps: 15, download_samples: 1 }, 10);
    expect(s.components.download).toMatchObject({ score: 30, capped: true, weight: 1 });
    expect(s.score).toBe(30);
    expect(s.confidence.level).toBe('low');
    expect(s.confidence.missing).toContain('wifi');
  });

  it('renormalises weights over the components with data', () => {
    // download 66.7 (0.3), latency 50 (0.1), loss 75 (0.1): (20.01 + 5 + 7.5) / 0.5 = 65.02.
    const s = scoreFigures(
      {
        ...empty,
        download_mbps: 50,
        download_samples: 1,
        rtt_p95_ms: 160,
        rtt_samples: 1,
        loss_pct: 0.5,
        loss_samples: 1,
      },
      100,
    );
    expect(s.score).toBe(65);
    expect(s.components.download?.weight).toBeCloseTo(0.6);
  });

  it('applies the hard caps: no line, almost no Wi-Fi', () => {
    const noWifi = scoreFigures(
      { ...empty, download_mbps: 1000, download_samples: 1, wifi_coverage_share: 0.1 },
      100,
    );
    expect(noWifi.caps_applied).toEqual(['no_wifi']);
    expect(noWifi.score).toBe(45);
    // Down in 80% of lesson hours and no throughput result at all: download counts as 0, capped at 20.
    const noLine = scoreFigures(
      { ...empty, availability_share: 0.2, availability_samples: 50, loss_pct: 100, loss_samples: 50 },
      100,
    );
    expect(noLine.score).toBe(0);
    expect(noLine.band).toBe('priority');
  });

  it('gives insufficient data, not a number, below the configured minimum', () => {
    expect(scoreFigures({ ...empty, rtt_p95_ms: 20, rtt_samples: 5 }, 100)).toMatchObject({
      score: null,
      band: 'insufficient_data',
      confidence: { level: 'none' },
    });
    const strict = parseScoringConfig({ minimum_data: { school_days: 3 } });
    expect(
      scoreFigures({ ...empty, download_mbps: 500, download_samples: 2, school_days: 2 }, 100, strict).score,
    ).toBeNull();
    expect(
      scoreFigures({ ...empty, download_mbps: 500, download_samples: 2, school_days: 3 }, 100, strict).score,
    ).toBe(100);
  });
});

describe('extractFigures and scoreSchool', () => {
  const at = (iso: string): string => iso;
  it('reads medians, p95, availability in school hours and data coverage', () => {
    const results: ScoringResult[] = [
      {
        measurement: 'throughput',
        fields: { download_mbps: 30, upload_mbps: 5 },
        tags: {},
        at: at('2026-03-10T07:00:00Z'),
      },
      {
        measurement: 'throughput',
        fields: { download_mbps: 70, upload_mbps: 9 },
        tags: {},
        at: at('2026-03-11T07:00:00Z'),
      },
      { measurement: 'throughput', fields: { result: 'timeout' }, tags: {}, at: at('2026-03-11T08:00:00Z') },
      {
        measurement: 'latency',
        fields: { rtt_avg_ms: 20, jitter_ms: 2, loss_pct: 0, result: 'success' },
        tags: { target: 'collector' },
        at: at('2026-03-10T07:10:00Z'),
      },
      {
        measurement: 'latency',
        fields: { loss_pct: 100, result: 'timeout' },
        tags: { target: 'collector' },
        at: at('2026-03-10T07:20:00Z'),
      },
      {
        measurement: 'latency',
        fields: { rtt_avg_ms: 1, loss_pct: 0 },
        tags: { target: 'gateway' },
        at: at('2026-03-10T07:30:00Z'),
      },
      // Saturday: counts towards no school day.
      {
        measurement: 'latency',
        fields: { rtt_avg_ms: 40, jitter_ms: 4, loss_pct: 0, result: 'success' },
        tags: { target: 'collector' },
        at: at('2026-03-14T07:00:00Z'),
      },
    ];
    const f = extractFigures(results);
    expect(f).toMatchObject({
      download_mbps: 50,
      download_samples: 2,
      upload_mbps: 7,
      // Round trips in lesson hours only (skolnet-score-3): the Saturday probe's 40 ms does not count.
      rtt_median_ms: 20,
      rtt_p95_ms: 20,
      rtt_hours: 'lesson',
      // Lesson hours: one probe lost nothing, one lost all (no sent counts, so each weighs one):
      // 50% pooled; the Saturday probe is outside lessons. (The median of all three was 0.)
      loss_pct: 50,
      loss_hours: 'lesson',
      availability_share: 0.5,
      availability_samples: 2,
      school_days: 2,
      // 10 March 09:xx, 11 March 09:xx and 10:xx (the failed throughput run still shows the agent was there).
      lesson_hours: 3,
    });
    const s = scoreSchool({ pupils: 100, results, wifi_coverage_share: 1 });
    expect(s.components.wifi?.score).toBe(100);
    // Two probes are too few for availability (12).
    expect(s.components.availability).toBeNull();
  });
});

describe('extractFiguresFromRollups', () => {
  const probe = (at: string, rtt: number, loss = 0): ScoringResult => ({
    measurement: 'latency',
    fields:
      loss === 100
        ? { result: 'timeout', loss_pct: 100 }
        : { result: 'success', rtt_avg_ms: rtt, jitter_ms: rtt / 10, loss_pct: loss },
    tags: { target: 'collector' },
    at,
  });

  it('equals the raw figures when every hour holds one result of a series', () => {
    // The raw known-answer case above, without its failed throughput run (see the next case).
    const results: ScoringResult[] = [
      {
        measurement: 'throughput',
        fields: { download_mbps: 30, upload_mbps: 5 },
        tags: {},
        at: '2026-03-10T07:00:00Z',
      },
      {
        measurement: 'throughput',
        fields: { download_mbps: 70, upload_mbps: 9 },
        tags: {},
        at: '2026-03-11T07:00:00Z',
      },
      probe('2026-03-10T07:10:00Z', 20),
      probe('2026-03-10T07:20:00Z', 0, 100),
      {
        measurement: 'latency',
        fields: { rtt_avg_ms: 1, loss_pct: 0 },
        tags: { target: 'gateway' },
        at: '2026-03-10T07:30:00Z',
      },
      probe('2026-03-14T07:00:00Z', 40),
      // A week of hourly school-time probes with varying loss and round trips.
      ...Array.from({ length: 40 }, (_, i) =>
        probe(
          new Date(
            Date.parse('2026-03-16T06:00:00Z') + (i % 8) * 3_600_000 + Math.floor(i / 8) * 86_400_000,
          ).toISOString(),
          15 + ((i * 37) % 90),
          i % 9 === 0 ? 100 : (i % 4) * 0.5,
        ),
      ),
    ];
    const raw = extractFigures(results);
    expect(extractFiguresFromRollups(rollUp(results))).toEqual(raw);
    expect(raw).toMatchObject({ download_mbps: 50, availability_samples: 42, school_days: 7 });
    expect(scoreSchool({ pupils: 100, rollups: rollUp(results) })).toEqual(
      scoreSchool({ pupils: 100, results }),
    );
  });

  it('differs by construction where an hour holds several results, as docs/methodology.md explains', () => {
    // Hour 07: 18 probes at 10 ms and 2 at 200 ms; hour 08: 20 probes at 10 ms.
    const base = Date.parse('2026-03-10T07:00:00Z');
    const results = Array.from({ length: 40 }, (_, i) =>
      probe(new Date(base + i * 3 * 60_000).toISOString(), i === 3 || i === 7 ? 200 : 10),
    );
    // Raw: 38 of 40 probes at 10 ms, so the nearest-rank p95 (38th) is 10 ms.
    expect(extractFigures(results).rtt_p95_ms).toBe(10);
    // Rollups: hour 07's own p95 is 200 ms (2 of 20 above 5%), and the window's p95 of the
    // hours' p95s, each weighted by its 20 probes, is that hour's: 200 ms.
    const f = extractFiguresFromRollups(rollUp(results));
    expect(f.rtt_p95_ms).toBe(200);
    // The medians of the hours' medians: 10 ms in both, as raw.
    expect(f.rtt_median_ms).toBe(10);
    expect(f.rtt_samples).toBe(40);
    // Both hours count as lesson hours of one school day, as raw.
    expect(f).toMatchObject({
      school_days: 1,
      lesson_hours: 2,
      availability_share: 1,
      availability_samples: 40,
    });
  });

  it('counts a failed run without any number towards no lesson hour', () => {
    const failed: ScoringResult = {
      measurement: 'throughput',
      fields: { result: 'timeout' },
      tags: {},
      at: '2026-03-11T08:00:00Z',
    };
    expect(extractFigures([failed]).lesson_hours).toBe(1);
    expect(extractFiguresFromRollups(rollUp([failed])).lesson_hours).toBe(0);
  });

  it('counts replies in an hour from its loss statistics, exactly when outcomes are apart', () => {
    const mixed: ScoringRollup = {
      measurement: 'latency',
      target: 'collector',
      outcome: '',
      hour: '2026-03-10T07:00:00.000Z',
      field: 'loss_pct',
      // 20 probes, an unknown mix of replies and total loss: at least the 10 up to the median replied.
      count: 20,
      min: 0,
      max: 100,
      p50: 0,
      p95: 100,
    };
    expect(extractFiguresFromRollups([mixed])).toMatchObject({
      availability_samples: 20,
      availability_share: 0.5,
    });
  });
});

describe('scoring config', () => {
  it('overrides keys and names the bad one', () => {
    const c = parseScoringConfig({ components: { download: { weight: 0.5 } } });
    expect(c.components.download.weight).toBe(0.5);
    expect(c.components.upload.weight).toBe(DEFAULT_SCORING_CONFIG.components.upload.weight);
    expect(() => parseScoringConfig({ components: { downlaod: {} } })).toThrow(/components\.downlaod/);
    expect(() => parseScoringConfig({ components: { loss: { weight: 'x' } } })).toThrow(
      /components\.loss\.weight: expected a number/,
    );
    expect(() =>
      parseScoringConfig({
        components: {
          loss: {
            points: [
              [1, 50],
              [0, 100],
            ],
          },
        },
      }),
    ).toThrow(/components\.loss\.points\[1\]/);
    expect(() => parseScoringConfig({ time_zone: 'Mars/Olympus' })).toThrow(/time_zone/);
  });
});

describe('sensitivity', () => {
  it('reports rank movement for every weight at ±50%', () => {
    const schools = Array.from({ length: 20 }, (_, i) => ({
      id: `s${i}`,
      pupils: 100 + i * 10,
      figures: {
        ...empty,
        download_mbps: 20 + i * 7,
        download_samples: 3,
        rtt_p95_ms: 200 - i * 9,
        rtt_samples: 3,
        loss_pct: (i % 4) * 0.5,
        loss_samples: 3,
      },
    }));
    const report = rankingSensitivity(schools, DEFAULT_SCORING_CONFIG);
    expect(report.schools).toBe(20);
    expect(report.rows).toHaveLength(16);
    for (const row of report.rows) {
      expect(row.spearman).toBeLessThanOrEqual(1);
      expect(row.spearman).toBeGreaterThan(0);
    }
    // Wi-Fi has no data here: its weight cannot move the ranking.
    expect(report.rows.find((r) => r.component === 'wifi')?.max_rank_shift).toBe(0);
  });
});
