import { nearestRank, type Fields, type Tags } from '@skolnet/shared';
import type { HourlyRollup } from './store.js';

/** Length of a rollup bucket, ms. */
export const ROLLUP_HOUR_MS = 3_600_000;

/**
 * Start of the UTC hour containing `at`, as RFC 3339 text with milliseconds
 * (`Date#toISOString`), the form results' `at` is stored in, so hours and
 * result times compare as text.
 */
export function hourOf(at: Date | string): string {
  const ms = typeof at === 'string' ? Date.parse(at) : at.getTime();
  return new Date(Math.floor(ms / ROLLUP_HOUR_MS) * ROLLUP_HOUR_MS).toISOString();
}

/** The hour after `hour` (as {@link hourOf} writes it). */
export function nextHour(hour: string): string {
  return new Date(Date.parse(hour) + ROLLUP_HOUR_MS).toISOString();
}

/** The statistics of one hour of one series, without the bucket's school, measurement and hour. */
export type SeriesRollup = Omit<HourlyRollup, 'school_id' | 'measurement' | 'hour'>;

/**
 * The rollups of one hour of one school and measurement from its raw
 * results: one per `target` tag, outcome (`result` field) and finite
 * numeric field. p50 and p95 are the scoring's nearest-rank percentile.
 */
export function summariseHour(results: Iterable<{ fields: Fields; tags: Tags }>): SeriesRollup[] {
  // Keyed by plain concatenation: a NUL never appears in a tag or field
  // name, and a background pass summarises every stored row, so the key
  // is built millions of times.
  const series = new Map<string, { target: string; outcome: string; field: string; values: number[] }>();
  for (const { fields, tags } of results) {
    const target = typeof tags['target'] === 'string' ? tags['target'] : '';
    const outcome = typeof fields['result'] === 'string' ? fields['result'] : '';
    for (const field in fields) {
      const value = fields[field];
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const key = `${target}\u0000${outcome}\u0000${field}`;
      let s = series.get(key);
      if (!s) {
        s = { target, outcome, field, values: [] };
        series.set(key, s);
      }
      s.values.push(value);
    }
  }
  const out: SeriesRollup[] = [];
  for (const { target, outcome, field, values } of series.values()) {
    // One numeric sort serves min, max and both percentiles; the ranks are
    // the shared nearest rank (`nearestRank` of @skolnet/shared), as the scoring's `percentile`.
    const sorted = Float64Array.from(values).sort();
    const n = sorted.length;
    let sum = 0;
    for (const v of values) sum += v;
    out.push({
      target,
      outcome,
      field,
      count: n,
      min: sorted[0]!,
      max: sorted[n - 1]!,
      mean: sum / n,
      p50: sorted[nearestRank(50, n) - 1]!,
      p95: sorted[nearestRank(95, n) - 1]!,
    });
  }
  return out;
}
