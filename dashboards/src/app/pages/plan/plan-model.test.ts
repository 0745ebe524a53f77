import { describe, expect, it } from 'vitest';
import type { PlanResult, PlanSelection } from '../../api/types.js';
import { exportQuery, planQuery, spendByMunicipality, summarizeGreedy } from './plan-model.js';

const selection = (over: Partial<PlanSelection>): PlanSelection => ({
  school_id: 'a',
  option_id: 'a:fibre',
  cost_eur: 1000,
  benefit: 10,
  school_name: 'A',
  municipality: 'Rīga',
  pupils: 100,
  kind: 'fibre',
  label: 'fibre',
  label_parts: [{ code: 'new_fibre', params: { distance_m: 500, down_mbps: 300, up_mbps: 300 } }],
  score_before: 40,
  score_after: 80,
  ...over,
});

describe('planQuery', () => {
  it('keeps the known inputs that are non-negative numbers and drops everything else', () => {
    const q = planQuery(
      new URLSearchParams('budget=500000&min_score=-3&months=x&format=csv&installs_per_month=4'),
    );
    expect(q.toString()).toBe('budget=500000&installs_per_month=4');
  });
});

describe('spendByMunicipality', () => {
  it('adds up schools, pupils, euros and benefit per municipality, largest spend first', () => {
    const out = spendByMunicipality([
      selection({ school_id: 'a', cost_eur: 1000, benefit: 5 }),
      selection({ school_id: 'b', municipality: 'Cēsu novads', cost_eur: 5000, pupils: 30 }),
      selection({ school_id: 'c', cost_eur: 500, benefit: 2, pupils: 50 }),
    ]);
    expect(out).toEqual([
      { name: 'Cēsu novads', schools: 1, pupils: 30, cost_eur: 5000, benefit: 10 },
      { name: 'Rīga', schools: 2, pupils: 150, cost_eur: 1500, benefit: 7 },
    ]);
  });
});

describe('summarizeGreedy', () => {
  it('finds the cut-off between the last funded and the first unfunded step', () => {
    const step = (rank: number, funded: boolean, school = `s${rank}`) => ({
      rank,
      school_id: school,
      from_option: null,
      to_option: `${school}:x`,
      cost_eur: 100 * rank,
      benefit: 10,
      benefit_per_eur: 10 / (100 * rank),
      cumulative_cost_eur: 0,
      funded,
    });
    const plan = {
      greedy_benefit: 30,
      greedy: [step(3, false), step(1, true), step(2, true, 's1'), step(4, false)],
    } as unknown as PlanResult;
    const g = summarizeGreedy(plan);
    expect(g).toMatchObject({ cost_eur: 300, benefit: 30, schools: 1 });
    expect(g.lastFunded?.rank).toBe(2);
    expect(g.firstUnfunded?.rank).toBe(3);
  });
});

describe('exportQuery', () => {
  const plan = new URLSearchParams({ budget: '500000', min_score: '40' });

  it('asks for semicolons (Latvian Excel) on the Latvian page, commas on the English one', () => {
    expect(Object.fromEntries(exportQuery(plan, 'csv', 'lv'))).toEqual({
      budget: '500000',
      min_score: '40',
      format: 'csv',
      delimiter: 'semicolon',
    });
    expect(exportQuery(plan, 'csv', 'en').has('delimiter')).toBe(false);
    expect(exportQuery(plan.toString(), 'csv', 'en').get('budget')).toBe('500000');
  });

  it('gives the xlsx the page language and leaves JSON alone', () => {
    expect(exportQuery(plan, 'xlsx', 'en').get('lang')).toBe('en');
    expect(exportQuery(plan, 'xlsx', 'lv').has('delimiter')).toBe(false);
    expect(Object.fromEntries(exportQuery(plan, 'json', 'lv'))).toEqual({
      budget: '500000',
      min_score: '40',
      format: 'json',
    });
  });
});
