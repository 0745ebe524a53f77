import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG } from '../scoring/score-config.js';
import type { ScoreFigures } from '../scoring/school-score.js';
import { loadCostCatalog } from './catalog.js';
import { DEFAULT_PLAN_ECONOMICS } from './economics.js';
import { generateOptions, type PlanSchool } from './options.js';
import { buildPlan, parsePlanInstance, planToCsv, solveInstance } from './plan.js';

const figures: ScoreFigures = {
  download_mbps: 20,
  download_samples: 10,
  upload_mbps: 3,
  upload_samples: 10,
  availability_share: 1,
  availability_samples: 100,
  rtt_median_ms: 40,
  rtt_p95_ms: 60,
  rtt_samples: 100,
  jitter_ms: 5,
  jitter_samples: 100,
  loss_pct: 0.2,
  loss_samples: 100,
  school_days: 5,
  lesson_hours: 40,
};

const school = (id: string, municipality: string, over: Partial<PlanSchool> = {}): PlanSchool => ({
  id,
  name: `School ${id}`,
  municipality,
  pupils: 200,
  figures,
  inventory: {
    line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 500 },
    teaching_rooms: 12,
    uncovered_rooms: 6,
    wifi_coverage_share: 0.5,
    internal: {
      switches_total: 2,
      switches_100m: 1,
      switches_without_poe: 1,
      duplex_mismatches: 1,
      overlapping_channels: true,
    },
  },
  ...over,
});

describe('options', () => {
  const catalog = loadCostCatalog();
  it('generates line, fibre, AP, switch, config and bundle options, priced part by part from the catalog', () => {
    const options = generateOptions(school('a', 'Sigulda'), catalog, DEFAULT_SCORING_CONFIG);
    const byId = new Map(options.map((o) => [o.id, o]));
    expect([...byId.keys()]).toEqual(['config', 'line-dsl-100', 'fibre-300', 'aps', 'switches', 'full']);
    const config = byId.get('config');
    // The school's staff do the configuration: no programme money, their time priced at the catalog's rate.
    expect(config).toMatchObject({ cost_eur: 0, installs: 0 });
    expect(config!.capex_eur).toBe(catalog.labour.hourly_eur * catalog.labour.config_fix_hours);
    expect(config!.score_after).toBeGreaterThan(config!.score_before);
    const pm = 1 + catalog.delivery_costs.project_management_share + catalog.delivery_costs.contingency_share;
    const programme = (eur: number): number => Math.round(eur * pm);
    // Fibre drop 4000 + 35 × 500 m, activation 100, router/firewall 900, rack 400: each with PM and contingency.
    expect(byId.get('fibre-300')?.cost_eur).toBe(
      programme(4000 + 35 * 500) + programme(100) + programme(900) + programme(400),
    );
    // 6 rooms × (450 + 150 + 250) hardware, 6 licences × 100.
    expect(byId.get('aps')?.cost_eur).toBe(programme(6 * 850) + programme(600));
    // Hardware 7 years, licence 5, each annualised on its own (the configuration work rides along).
    expect(
      byId
        .get('aps')
        ?.parts.slice(0, 2)
        .map((p) => p.lifetime_years),
    ).toEqual([7, 5]);
    // One switch is both 100 Mbit/s and without PoE: 1 × (1400 + 200).
    expect(byId.get('switches')?.cost_eur).toBe(programme(1_600));
    const full = byId.get('full')!;
    expect(full.cost_eur).toBe(
      byId.get('fibre-300')!.cost_eur + byId.get('aps')!.cost_eur + byId.get('switches')!.cost_eur,
    );
    expect(full.score_after).toBeGreaterThan(byId.get('aps')!.score_after);
    // A same-line subscription change is the owner's, costs the programme nothing.
    expect(byId.get('line-dsl-100')).toMatchObject({
      owner_action: true,
      cost_eur: 0,
      operator_to_confirm: true,
    });
    // Score-delta objective: benefit = pupils × gain (no support aggregates: weight 1).
    const delta = generateOptions(school('a', 'Sigulda'), catalog, DEFAULT_SCORING_CONFIG, undefined, {
      economics: { ...DEFAULT_PLAN_ECONOMICS, objective: 'score_delta' },
    }).find((o) => o.id === 'full')!;
    expect(delta.benefit).toBeCloseTo(200 * (delta.score_after - delta.score_before), 1);
  });

  it('weights the benefit up for pupils in vulnerable groups and with support plans', () => {
    const delta = { economics: { ...DEFAULT_PLAN_ECONOMICS, objective: 'score_delta' as const } };
    const plain = generateOptions(school('a', 'X'), catalog, DEFAULT_SCORING_CONFIG, undefined, delta)[1]!;
    const supported = generateOptions(
      school('a', 'X', { support: { pupils_vulnerable: 100, pupils_support_plan: 40 } }),
      catalog,
      DEFAULT_SCORING_CONFIG,
      undefined,
      delta,
    )[1]!;
    // 1 + 1 × 0.5 + 0.5 × 0.2 = 1.6
    expect(supported.benefit).toBeCloseTo(plain.benefit * 1.6, 1);
  });
});

describe('buildPlan', () => {
  const catalog = loadCostCatalog();
  const schools = [school('a', 'A'), school('b', 'A', { pupils: 80 }), school('c', 'B', { pupils: 600 })];
  it('selects within the budget, explains every school and reports the LP bound', () => {
    const plan = buildPlan({ schools, catalog, scoring: DEFAULT_SCORING_CONFIG, budget_eur: 30_000 });
    expect(plan.optimal).toBe(true);
    expect(plan.total_cost_eur).toBeLessThanOrEqual(30_000);
    expect(plan.upper_bound).toBeGreaterThanOrEqual(plan.total_benefit);
    expect(plan.explanations).toHaveLength(3);
    for (const e of plan.explanations) {
      expect(e.why.length).toBeGreaterThan(10);
      expect(e.next_euro).toMatch(/next euro/);
    }
    expect(planToCsv(plan).split('\r\n')[0]).toMatch(/^school_id,school_name/);
  });

  it('honours a municipality cap', () => {
    const plan = buildPlan({
      schools,
      catalog,
      scoring: DEFAULT_SCORING_CONFIG,
      budget_eur: 100_000,
      constraints: { municipality_cap_eur: 10_000 },
    });
    const spent = new Map<string, number>();
    for (const s of plan.selected) spent.set(s.municipality, (spent.get(s.municipality) ?? 0) + s.cost_eur);
    for (const v of spent.values()) expect(v).toBeLessThanOrEqual(10_000);
  });
});

describe('instance files', () => {
  it('solves the documented instance format', () => {
    const instance = parsePlanInstance({
      schools: [
        {
          id: 'a',
          options: [
            { id: 'x', cost_eur: 10, benefit: 30 },
            { id: 'y', cost_eur: 20, benefit: 40 },
          ],
        },
        { id: 'b', options: [{ id: 'z', cost_eur: 15, benefit: 30 }] },
      ],
    });
    const out = solveInstance(instance, 25);
    expect(out).toMatchObject({ total_cost_eur: 25, total_benefit: 60, upper_bound: 60, optimal: true });
    expect(out.selected.map((s) => s.option_id)).toEqual(['x', 'z']);
    expect(() =>
      parsePlanInstance({ schools: [{ id: 'a', options: [{ id: 'x', cost_eur: -1, benefit: 1 }] }] }),
    ).toThrow(/schools\[0\]\.options\[0\]\.cost_eur/);
  });

  it.each([
    ['Infinity installs (1e400 in JSON)', '{"id":"x","cost_eur":1,"benefit":1,"installs":1e400}', /installs/],
    ['negative installs', '{"id":"x","cost_eur":1,"benefit":1,"installs":-3}', /installs/],
    ['Infinity cost', '{"id":"x","cost_eur":1e400,"benefit":1}', /cost_eur/],
  ])('refuses an instance with %s, naming the key', (_what, option, key) => {
    const text = `{"schools":[{"id":"a","options":[${option}]}]}`;
    expect(() => parsePlanInstance(JSON.parse(text))).toThrow(key);
  });

  it('refuses a misspelt key instead of ignoring it, and says what it got', () => {
    // "instals" unnoticed would leave the option outside the installer capacity.
    const misspelt = { schools: [{ id: 'a', options: [{ id: 'x', cost_eur: 1, benefit: 1, instals: 9 }] }] };
    expect(() => parsePlanInstance(misspelt)).toThrow(
      'instance: schools[0].options[0].instals: expected one of id, cost_eur, benefit, installs, got "instals"',
    );
    const negative = { schools: [{ id: 'a', options: [{ id: 'x', cost_eur: -1, benefit: 1 }] }] };
    expect(() => parsePlanInstance(negative)).toThrow(
      'instance: schools[0].options[0].cost_eur: expected a number >= 0, got -1',
    );
  });
});
