import { hourOf, summariseHour } from '../storage/rollups.js';
import type { ScoreFigures, ScoringResult, ScoringRollup } from '../scoring/school-score.js';

/**
 * Synthetic inputs the score's known-answer tests share: a school week in
 * Riga, a school perfect but for its line, throughput runs, and the store's
 * hourly rollups computed the way the store computes them. Test-only.
 */

/** One hour, in ms. */
export const HOUR_MS = 3_600_000;
/** One day, in ms. */
export const DAY_MS = 24 * HOUR_MS;
/** Monday 9 March 2026, 08:00 in Riga (EET, UTC+2): the first lesson hour of a school week. */
export const MONDAY_0800 = Date.parse('2026-03-09T06:00:00Z');
/** An instant (ms) as the RFC 3339 text results carry. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** Figures of a school that is perfect in everything but its download and upload (default 1 Gbit/s up). */
export function perfectBut(downloadMbps: number, uploadMbps = 1000): ScoreFigures {
  return {
    download_mbps: downloadMbps,
    download_samples: 15,
    upload_mbps: uploadMbps,
    upload_samples: 15,
    availability_share: 1,
    availability_samples: 500,
    rtt_median_ms: 5,
    rtt_p95_ms: 10,
    rtt_samples: 500,
    jitter_ms: 1,
    jitter_samples: 500,
    loss_pct: 0,
    loss_samples: 500,
    wifi_coverage_share: 1,
    internal: { switches_total: 2, switches_100m: 0, duplex_mismatches: 0 },
    school_days: 5,
    lesson_hours: 40,
    evidence_school_days: 5,
  };
}

/** A successful throughput run at `at` (ms): `downloadMbps` down, a quarter of it up. */
export function throughputRun(at: number, downloadMbps: number): ScoringResult {
  return {
    measurement: 'throughput',
    tags: {},
    fields: { result: 'success', download_mbps: downloadMbps, upload_mbps: downloadMbps / 4 },
    at: iso(at),
  };
}

/** The store's hourly rollups of `results` (summariseHour per measurement and hour). */
export function rollUp(results: readonly ScoringResult[]): ScoringRollup[] {
  const buckets = new Map<string, ScoringResult[]>();
  for (const r of results) {
    const key = `${r.measurement} ${hourOf(r.at as string)}`;
    buckets.set(key, [...(buckets.get(key) ?? []), r]);
  }
  return [...buckets].flatMap(([key, rs]) => {
    const [measurement, hour] = key.split(' ') as [string, string];
    return summariseHour(rs).map((r) => ({ ...r, measurement, hour }));
  });
}
