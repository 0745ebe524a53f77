import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MIN_PUBLISHED_COUNT,
  medianMbps,
  publishAggregates,
  suppressTable,
  type SchoolSupportCounts,
} from './support-aggregates.js';

const school = (id: string, over: Partial<SchoolSupportCounts> = {}): SchoolSupportCounts => ({
  school_id: id,
  active_pupils: 20,
  by_group: { learning_school: 10, economic: 8, family: 6, social_health: 7 },
  laptops_issued: 12,
  laptops_measured: 12,
  laptops_connected: 6,
  ...over,
});

describe('support aggregates', () => {
  it('publishes counts of five or more and suppresses smaller ones', () => {
    const report = publishAggregates([
      school('a'),
      school('b', { active_pupils: 4, laptops_issued: 5 }),
      school('c', { active_pupils: 30, laptops_issued: 30 }),
    ]);
    expect(report.min_published_count).toBe(MIN_PUBLISHED_COUNT);
    expect(report.schools.map((s) => s.pupils_active_plan)).toEqual([null, null, 30]);
    expect(report.schools.map((s) => s.laptops_issued)).toEqual([12, 5, 30]);
    expect(report.totals.pupils_active_plan).toBe(54);
  });

  it('suppresses a partner so a suppressed count cannot be recovered from a total', () => {
    // School b's 3 would be the total (54) minus 20 and 31: so a's 20, the smallest other, goes too.
    const report = publishAggregates([
      school('a'),
      school('b', { active_pupils: 3 }),
      school('c', { active_pupils: 31 }),
    ]);
    expect(report.schools.map((s) => s.pupils_active_plan)).toEqual([null, null, 31]);
    // Within one school's risk groups: the 2 goes, and the smallest other (6) with it.
    const groups = publishAggregates([
      school('a', { by_group: { learning_school: 10, economic: 2, family: 6, social_health: 7 } }),
      school('b'),
    ]).schools[0]!.pupils_by_risk_group;
    expect(groups).toEqual({ learning_school: 10, economic: null, family: null, social_health: 7 });
  });

  it('never leaves a line with exactly one suppressed cell, nor a small count shown (any table)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(40), { minLength: 4, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
        (table) => {
          const out = suppressTable(table);
          table.forEach((row, r) =>
            row.forEach((n, c) => {
              if (n < MIN_PUBLISHED_COUNT) expect(out[r]![c]).toBeNull();
              if (out[r]![c] !== null) expect(out[r]![c]).toBe(n);
            }),
          );
          const lines = [
            ...out,
            ...(table.length > 1 ? [0, 1, 2, 3].map((c) => out.map((row) => row[c]!)) : []),
          ];
          for (const line of lines) expect(line.filter((v) => v === null).length).not.toBe(1);
        },
      ),
    );
  });

  it('gives home connectivity only when both the connected and the other laptops number five or more', () => {
    const [ok, few, all] = publishAggregates([
      school('a', { laptops_measured: 12, laptops_connected: 6 }),
      school('b', { laptops_measured: 8, laptops_connected: 6 }),
      school('c', { laptops_measured: 9, laptops_connected: 9 }),
    ]).schools;
    expect(ok).toMatchObject({ home_connectivity_share: 0.5, home_laptops_measured: 12 });
    expect(few).toMatchObject({ home_connectivity_share: null, home_laptops_measured: null });
    expect(all).toMatchObject({ home_connectivity_share: null, home_laptops_measured: null });
  });

  it('takes the median download', () => {
    expect(medianMbps([])).toBeUndefined();
    expect(medianMbps([30, 5, 18])).toBe(18);
    expect(medianMbps([10, 30, 5, 25])).toBe(17.5);
  });
});
