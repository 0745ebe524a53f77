import { describe, expect, it } from 'vitest';
import { DEFAULT_SCORING_CONFIG } from '../scoring/score-config.js';
import type { ScoreFigures } from '../scoring/school-score.js';
import { applyTenderPrices, loadCostCatalog } from './catalog.js';
import { DEFAULT_PLAN_ECONOMICS, lifetimeCost, targetMbps, type PlanEconomics } from './economics.js';
import { bruteForceMckp, solveMckp, type McSchool } from './mckp.js';
import { generateOptions, type PlanSchool } from './options.js';
import { buildPlan, planToCsv } from './plan.js';
import { runScenarios, SCENARIOS } from './scenarios.js';

/**
 * Known-answer cases of the economic plan (issue 16; synthetic schools,
 * hand-written). Each names the rule it holds.
 */

const catalog = loadCostCatalog();
const scoring = DEFAULT_SCORING_CONFIG;

const good: ScoreFigures = {
  download_mbps: 85,
  download_samples: 10,
  upload_mbps: 80,
  upload_samples: 10,
  availability_share: 1,
  availability_samples: 200,
  rtt_median_ms: 12,
  rtt_p95_ms: 20,
  rtt_samples: 200,
  jitter_ms: 2,
  jitter_samples: 200,
  loss_pct: 0,
  loss_samples: 200,
  school_days: 5,
  lesson_hours: 40,
};

function school(id: string, over: Partial<PlanSchool> = {}, figures: Partial<ScoreFigures> = {}): PlanSchool {
  return {
    id,
    name: `School ${id}`,
    municipality: 'Test',
    pupils: 60,
    figures: { ...good, ...figures },
    inventory: { line: { technology: 'fibre', down_mbps: 100 }, teaching_rooms: 6, wifi_coverage_share: 1 },
    throughput_school_days: 5,
    ...over,
  };
}

const OUTAGE_KINDS = ['outage_repair', 'failover', 'ups'];

describe('options fix the diagnosed cause', () => {
  it('gives a school with outages on fibre an outage remedy, and the plan funds one', () => {
    const s = school('outage', {}, { availability_share: 0.6 });
    const options = generateOptions(s, catalog, scoring);
    expect(options.map((o) => o.kind)).toEqual(expect.arrayContaining(OUTAGE_KINDS));
    const plan = buildPlan({ schools: [s], catalog, scoring, budget_eur: 10_000 });
    const row = plan.schools[0]!;
    expect(row.status).toBe('funded');
    expect(OUTAGE_KINDS).toContain(options.find((o) => o.id === row.option_id)?.kind);
    expect(row.floor_before).toBe(false);
    expect(row.floor_after).toBe(true);
    // Repair under the operator's service level is the owner's action, listed beside it.
    expect(row.owner_action).toMatch(/operator/);
    // The explanation states the thresholds and the lifetime cost with who pays.
    expect(plan.explanations[0]?.buys).toMatch(
      /^floor no → yes, target no → yes, .*lifetime cost .*owners: /,
    );
  });

  it('does not offer fibre-300 to a fibre-100 school at 45% availability as an availability fix', () => {
    const s = school('f100', { pupils: 200 }, { availability_share: 0.45 });
    const options = generateOptions(s, catalog, scoring, undefined, {
      economics: { ...DEFAULT_PLAN_ECONOMICS, fund_subscription_changes: true },
    });
    const tier = options.find((o) => o.id === 'line-fibre-300');
    expect(tier).toBeDefined();
    // A faster tier on the same line leaves its availability (and so the floor) where it was.
    expect(tier!.floor_after).toBe(false);
    expect(tier!.score_after - tier!.score_before).toBeLessThan(15);
    const plan = buildPlan({
      schools: [s],
      catalog,
      scoring,
      budget_eur: 10_000,
      economics: { ...DEFAULT_PLAN_ECONOMICS, fund_subscription_changes: true },
    });
    const chosen = options.find((o) => o.id === plan.schools[0]!.option_id);
    expect(OUTAGE_KINDS).toContain(chosen?.kind);
  });

  it('offers a LAN-limited school its LAN work first: no line option without the switches', () => {
    const s = school(
      'lan',
      {
        pupils: 150,
        inventory: {
          line: { technology: 'dsl', down_mbps: 100, fibre_distance_m: 300 },
          teaching_rooms: 8,
          wifi_coverage_share: 1,
          limiting_segment: 'lan',
          internal: { switches_total: 1, switches_100m: 1 },
        },
      },
      { download_mbps: 15 },
    );
    const options = generateOptions(s, catalog, scoring);
    const hasSwitch = (o: { parts: { what: string }[] }): boolean =>
      o.parts.some((p) => /switch/.test(p.what));
    const lineParts = /fibre drop|activation/;
    for (const o of options) if (o.parts.some((p) => lineParts.test(p.what))) expect(hasSwitch(o)).toBe(true);
    const switches = options.find((o) => o.id === 'switches')!;
    // The line's own 100 Mbit/s shows once the LAN is fixed: the floor is reached by the LAN work alone.
    expect(switches.floor_after).toBe(true);
    const plan = buildPlan({ schools: [s], catalog, scoring, budget_eur: 30_000 });
    const chosen = options.find((o) => o.id === plan.schools[0]!.option_id)!;
    expect(hasSwitch(chosen)).toBe(true);
  });

  it('caps a copper tier by what the line measures against its nominal rate, operator to confirm', () => {
    // dsl-30 measuring 9: a long loop; dsl-100 on it reaches 30, not 90.
    const s = school(
      'copper',
      { inventory: { line: { technology: 'dsl', down_mbps: 30 } } },
      { download_mbps: 9 },
    );
    const dsl100 = generateOptions(s, catalog, scoring).find(
      (o) => o.id === 'line-dsl-dsl-100' || o.id === 'line-dsl-100',
    );
    expect(dsl100).toMatchObject({ operator_to_confirm: true, owner_action: true });
    // 60 pupils need 60 Mbit/s for the target: 30 does not reach it.
    expect(dsl100!.target_after).toBe(false);
    // A subscription that reaches the target is listed as the owner's action, not bought.
    const fast = school(
      'fast',
      { inventory: { line: { technology: 'fibre', down_mbps: 100 } } },
      { download_mbps: 85 },
    );
    fast.pupils = 250;
    const plan = buildPlan({ schools: [fast], catalog, scoring, budget_eur: 100_000 });
    expect(plan.schools[0]).toMatchObject({ status: 'owner_action', programme_cost_eur: 0 });
    expect(plan.schools[0]!.owner_action).toMatch(/^subscription fibre-300 on the same line/);
  });
});

describe('floors before polish', () => {
  it('funds a 40-pupil unconnected school at score 20 before a 900-pupil school at 93', () => {
    const small = school(
      'small',
      { pupils: 40, inventory: { line: { technology: 'none', fibre_distance_m: 800 } } },
      { download_mbps: 2, upload_mbps: 0.5, availability_share: 0.5, rtt_p95_ms: 300, rtt_median_ms: 150 },
    );
    const big = school(
      'big',
      {
        pupils: 900,
        inventory: {
          line: { technology: 'fibre', down_mbps: 1000 },
          teaching_rooms: 40,
          uncovered_rooms: 8,
          wifi_coverage_share: 0.8,
        },
      },
      { download_mbps: 900, upload_mbps: 880 },
    );
    // Priced as the plan prices them: the budget includes VAT by default.
    const gross = { vat_factor: 1 + catalog.vat.rate };
    const sOpts = generateOptions(small, catalog, scoring, undefined, gross);
    const bOpts = generateOptions(big, catalog, scoring, undefined, gross);
    expect(sOpts[0]!.score_before).toBeLessThanOrEqual(25);
    expect(bOpts[0]!.score_before).toBeGreaterThanOrEqual(90);
    // Money for one of them only.
    const cheapest = (o: typeof sOpts): number =>
      Math.min(...o.filter((x) => x.cost_eur > 0).map((x) => x.cost_eur));
    const budget = Math.max(cheapest(sOpts), cheapest(bOpts));
    expect(budget).toBeLessThan(cheapest(sOpts) + cheapest(bOpts));
    const plan = buildPlan({ schools: [small, big], catalog, scoring, budget_eur: budget });
    const status = new Map(plan.schools.map((r) => [r.school_id, r]));
    expect(status.get('small')).toMatchObject({ status: 'funded', floor_before: false, floor_after: true });
    expect(status.get('big')!.status).toBe('not_funded');
    // The old score-delta objective, still selectable, funds the big school: the floor rule makes the difference.
    const old = buildPlan({
      schools: [small, big],
      catalog,
      scoring,
      budget_eur: budget,
      economics: { ...DEFAULT_PLAN_ECONOMICS, objective: 'score_delta' },
    });
    expect(old.schools.find((r) => r.school_id === 'big')!.status).toBe('funded');
    expect(old.summary.objective).toBe('score_delta');
  });
});

describe('every school in the plan', () => {
  it('gives an unmeasured school a survey line and lists it in CSV', () => {
    const unmeasured = school(
      'unmeasured',
      {
        inventory: { line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 500 } },
        throughput_school_days: 0,
      },
      {
        download_samples: 0,
        upload_samples: 0,
        availability_samples: 0,
        rtt_samples: 0,
        jitter_samples: 0,
        loss_samples: 0,
        school_days: 0,
        lesson_hours: 0,
        download_mbps: undefined,
        upload_mbps: undefined,
        availability_share: undefined,
        rtt_median_ms: undefined,
        rtt_p95_ms: undefined,
        jitter_ms: undefined,
        loss_pct: undefined,
      },
    );
    const noInventory = school('unknown-line', { inventory: undefined });
    const plan = buildPlan({
      schools: [unmeasured, noInventory, school('ok')],
      catalog,
      scoring,
      budget_eur: 50_000,
    });
    const rows = new Map(plan.schools.map((r) => [r.school_id, r]));
    expect(rows.get('unmeasured')).toMatchObject({ status: 'survey', evidence_ok: false });
    expect(rows.get('unmeasured')!.survey_cost_eur).toBeGreaterThan(0);
    expect(rows.get('unmeasured')!.provisional_option).toMatch(/fibre/);
    expect(rows.get('unknown-line')).toMatchObject({ status: 'survey' });
    expect(rows.get('unknown-line')!.why).toMatch(/unknown/);
    expect(plan.summary.lacking_evidence.schools).toEqual(['unmeasured', 'unknown-line']);
    expect(plan.summary.line_unknown).toEqual(['unknown-line']);
    const csv = planToCsv(plan).split('\r\n');
    expect(csv.filter((l) => l.startsWith('unmeasured,'))).toHaveLength(1);
    expect(csv.filter((l) => l.startsWith('ok,'))).toHaveLength(1);
  });

  it('asks for the configured minimum of evidence: 2 school days of throughput are not 3', () => {
    const two = school('two', {}, { availability_share: 0.6 });
    two.throughput_school_days = 2;
    const plan = buildPlan({ schools: [two], catalog, scoring, budget_eur: 10_000 });
    expect(plan.schools[0]!.status).toBe('survey');
    const relaxed = buildPlan({
      schools: [two],
      catalog,
      scoring,
      budget_eur: 10_000,
      economics: { ...DEFAULT_PLAN_ECONOMICS, min_evidence_school_days: 2 },
    });
    expect(relaxed.schools[0]!.status).toBe('funded');
  });
});

describe('costs over the lifetime', () => {
  const e: PlanEconomics = { ...DEFAULT_PLAN_ECONOMICS, discount_rate: 0.05, horizon_years: 15 };
  it('renews a 5-year part twice in 15 years and keeps the residual value of a 25-year one', () => {
    const five = lifetimeCost(
      [{ what: 'x', capex_eur: 1000, lifetime_years: 5, opex_eur_per_year: 0, payer: 'programme' }],
      e,
    );
    // 1000 / 1.05^5 + 1000 / 1.05^10
    expect(five.renewals_pv_eur).toBe(Math.round(1000 / 1.05 ** 5 + 1000 / 1.05 ** 10));
    expect(five.residual_value_pv_eur).toBe(0);
    const long = lifetimeCost(
      [{ what: 'y', capex_eur: 1000, lifetime_years: 25, opex_eur_per_year: 100, payer: 'programme' }],
      e,
    );
    // 10 of 25 years left at year 15.
    expect(long.residual_value_pv_eur).toBe(Math.round((1000 * 10) / 25 / 1.05 ** 15));
    // The owner pays the running cost: 100 a year for 15 years at 5%.
    expect(long.owner_running_pv_eur).toBe(Math.round((100 * (1 - 1.05 ** -15)) / 0.05));
    expect(long.programme_eur).toBe(1000);
  });

  it('sets the target by pupils with a size minimum', () => {
    expect(targetMbps(30, DEFAULT_PLAN_ECONOMICS)).toBe(50);
    expect(targetMbps(250, DEFAULT_PLAN_ECONOMICS)).toBe(250);
    expect(targetMbps(120, DEFAULT_PLAN_ECONOMICS)).toBe(120);
    expect(targetMbps(90, DEFAULT_PLAN_ECONOMICS)).toBe(90);
  });
});

describe('tender prices', () => {
  it('lays tender prices over the catalog and names a wrong key', () => {
    const tendered = applyTenderPrices(catalog, {
      source: 'IUB tender 2026/17, lot 2',
      prices: { 'access_point.unit_eur': 380, 'line_tiers.fibre-300.yearly_eur': 720 },
    });
    expect(tendered.access_point.unit_eur).toBe(380);
    expect(tendered.access_point.source).toMatch(/IUB tender 2026\/17/);
    expect(tendered.line_tiers.find((t) => t.id === 'fibre-300')?.yearly_eur).toBe(720);
    expect(catalog.access_point.unit_eur).toBe(450);
    expect(() =>
      applyTenderPrices(catalog, { source: 'tender X', prices: { 'access_point.unit_usd': 1 } }),
    ).toThrow(/prices\.access_point\.unit_usd/);
    expect(() =>
      applyTenderPrices(catalog, { source: 'tender X', prices: { 'switch.unit_eur': 'cheap' } }),
    ).toThrow(/prices\.switch\.unit_eur.*a number/);
    expect(() => applyTenderPrices(catalog, { prices: {} })).toThrow(/source/);
  });
});

describe('delivery', () => {
  const far = school(
    'far',
    { inventory: { line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 900 } } },
    { download_mbps: 8 },
  );
  it('leaves out works that would finish after the completion date less its buffer (injected clock)', () => {
    const plan = buildPlan({
      schools: [far],
      catalog,
      scoring,
      budget_eur: 100_000,
      delivery: { now: new Date('2026-01-15T00:00:00Z'), completion_date: '2026-06-30', buffer_months: 1 },
    });
    expect(plan.late_options.map((l) => l.option_id)).toContain('fibre-100');
    expect(plan.schools[0]!.option_id).not.toMatch(/fibre/);
    expect(plan.summary.delivery).toMatch(/2026-05-30/);
  });

  it("counts new fibre connections against the operators' capacity until the deadline", () => {
    const slow = (id: string): PlanSchool =>
      school(
        id,
        { inventory: { line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 300 } } },
        { download_mbps: 8 },
      );
    const schools = [slow('a'), slow('b'), slow('c')];
    const fibres = (perMonth?: number): number =>
      buildPlan({
        schools,
        catalog,
        scoring,
        budget_eur: 1_000_000,
        delivery: {
          now: new Date('2026-01-01T00:00:00Z'),
          completion_date: '2027-03-01',
          buffer_months: 0,
          ...(perMonth === undefined ? {} : { fibre_per_month: perMonth }),
        },
      }).schools.filter((r) => /^fibre/.test(r.option_id)).length;
    expect(fibres()).toBe(3);
    // 14 months to the deadline at 0.1 a month: one connection.
    expect(fibres(0.1)).toBe(1);
  });

  it('says so when the completion date has passed instead of leaving everything out', () => {
    const plan = buildPlan({
      schools: [far],
      catalog,
      scoring,
      budget_eur: 100_000,
      delivery: { now: new Date('2026-12-05T00:00:00Z'), completion_date: '2026-06-30', buffer_months: 1 },
    });
    // First words a planner reads: not checked, the date is past, and what to set.
    expect(plan.summary.delivery).toMatch(/^NOT CHECKED: the completion date 2026-06-30 is past/);
    expect(plan.summary.delivery).toContain('ready by 2026-05-30; today is 2026-12-05');
    expect(plan.summary.delivery).toContain('completion-date');
    expect(plan.late_options).toEqual([]);
  });

  it('waits for the thaw: fibre works do not end in a frost month', () => {
    // 9 months from 2026-04-10 ends in January, a frost month: ready in April 2027.
    const plan = buildPlan({
      schools: [far],
      catalog,
      scoring,
      budget_eur: 100_000,
      delivery: { now: new Date('2026-04-10T00:00:00Z'), completion_date: '2027-03-31', buffer_months: 0 },
    });
    expect(plan.late_options.find((l) => l.option_id === 'fibre-100')?.ready).toBe('2027-04-10');
  });
});

describe('the exact optimiser on the new objective', () => {
  it('matches brute force on options the economic objective generates', () => {
    let a = 7;
    const rnd = (): number => {
      a = (a * 1103515245 + 12345) % 2 ** 31;
      return a / 2 ** 31;
    };
    for (let round = 0; round < 20; round += 1) {
      const schools: McSchool[] = Array.from({ length: 6 }, (_, i) => {
        const s = school(
          `r${round}-${i}`,
          {
            pupils: 20 + Math.floor(rnd() * 600),
            inventory: {
              line: {
                technology: rnd() < 0.5 ? 'dsl' : 'fibre',
                down_mbps: rnd() < 0.5 ? 30 : 100,
                fibre_distance_m: 100 + Math.floor(rnd() * 2000),
              },
              teaching_rooms: 10,
              uncovered_rooms: Math.floor(rnd() * 6),
              wifi_coverage_share: 0.5 + rnd() / 2,
              internal: { switches_100m: rnd() < 0.4 ? 1 : 0 },
            },
          },
          { download_mbps: 5 + rnd() * 80, availability_share: 0.9 + rnd() / 10 },
        );
        return {
          id: s.id,
          options: generateOptions(s, catalog, scoring)
            .filter((o) => !o.owner_action)
            .map((o) => ({ id: o.id, cost: o.cost_eur, benefit: o.benefit })),
        };
      });
      const total = schools.reduce((t, s) => t + Math.max(0, ...s.options.map((o) => o.cost)), 0);
      const budget = Math.floor(total * (0.2 + rnd() * 0.5));
      const exact = solveMckp(schools, { budget });
      const brute = bruteForceMckp(schools, { budget });
      expect(exact.total_benefit).toBeCloseTo(brute?.benefit ?? 0, 4);
    }
  });
});

describe('what planners and auditors read', () => {
  const outage = school(
    'outage',
    { pupils: 120, municipality: 'Alūksne', support: { pupils_vulnerable: 30, pupils_support_plan: 10 } },
    { availability_share: 0.6 },
  );
  // At the floor, short of the target on Wi-Fi: its APs are polish, not floor money.
  const fine = school(
    'fine',
    {
      pupils: 700,
      municipality: 'Rīga',
      inventory: {
        line: { technology: 'fibre', down_mbps: 1000 },
        teaching_rooms: 30,
        uncovered_rooms: 6,
        wifi_coverage_share: 0.8,
      },
    },
    { download_mbps: 900 },
  );
  it('counts schools and pupils crossing each threshold and what each pupil reached cost', () => {
    const plan = buildPlan({ schools: [outage, fine], catalog, scoring, budget_eur: 100_000 });
    const aps = plan.schools.find((r) => r.school_id === 'fine')!;
    expect(aps).toMatchObject({
      status: 'funded',
      option_id: 'aps',
      target_before: false,
      target_after: true,
    });
    expect(plan.summary.target.programme_eur_per_pupil).toBe(Math.round(aps.programme_cost_eur / 700));
    const row = plan.schools.find((r) => r.school_id === 'outage')!;
    expect(row.status).toBe('funded');
    const f = plan.summary.floor;
    expect([f.schools_before, f.schools_after, f.pupils_before, f.pupils_after]).toEqual([1, 2, 700, 820]);
    expect(f.vulnerable_reached).toBe(30);
    expect(f.supported_reached).toBe(10);
    expect(f.programme_eur_per_pupil).toBe(Math.round(row.programme_cost_eur / 120));
    expect(f.lifetime_eur_per_pupil).toBe(Math.round(row.lifetime_cost_eur / 120));
    expect(plan.summary.programme_cost_eur).toBe(row.programme_cost_eur + aps.programme_cost_eur);
    // Who pays: the owners' part less the residual value is the lifetime cost less the programme's.
    expect(plan.summary.owner_cost_pv_eur - plan.summary.residual_value_pv_eur).toBe(
      plan.summary.lifetime_cost_eur - plan.summary.programme_cost_eur,
    );
    expect(
      plan.summary.by_municipality.map((g) => [g.group, g.floor_schools_before, g.floor_schools_after]),
    ).toEqual([
      ['Alūksne', 0, 1],
      ['Rīga', 1, 1],
    ]);
    expect(plan.summary.by_size.map((g) => g.group)).toEqual(['101-300 pupils', '601+ pupils']);
    expect(plan.summary.budget).toMatchObject({ includes_vat: true, laptops_spend_eur: null });
    expect(plan.summary.budget.source).toMatch(/network strand/);
  });

  it('reports per school the share of scenarios that fund it', () => {
    // Two outage schools and money for one remedy with 10% to spare: the larger is funded unless prices rise or the budget falls.
    const small = school('small-outage', { pupils: 50 }, { availability_share: 0.6 });
    const base = buildPlan({ schools: [outage, small], catalog, scoring, budget_eur: 1 });
    const oneRemedy = Math.min(
      ...generateOptions(outage, catalog, scoring, undefined, { vat_factor: 1 + catalog.vat.rate })
        .filter((o) => o.benefit > 0 && o.cost_eur > 0)
        .map((o) => o.cost_eur),
    );
    expect(base.schools.every((r) => r.status !== 'funded')).toBe(true);
    const report = runScenarios({ schools: [outage, small], catalog, scoring, budget_eur: oneRemedy * 1.1 });
    expect(report.scenarios).toHaveLength(SCENARIOS.length);
    const share = new Map(report.schools.map((s) => [s.school_id, s]));
    expect(share.get('small-outage')!.funded_share).toBe(0);
    // Weaker effects leave the failover short of 99%: no floor reached, nothing worth funding.
    expect(share.get('outage')!.unfunded_in).toEqual(['prices_high', 'effects_weak', 'budget_low']);
    expect(share.get('outage')!.funded_share).toBeCloseTo((SCENARIOS.length - 3) / SCENARIOS.length, 3);
    expect(report.robust + report.never + report.sensitive).toBe(2);
  });
});

describe('lifetime cost in the choice', () => {
  it('does not buy a fibre drop where a new mobile line reaches the same thresholds for less over its life', () => {
    const noLine = school(
      'no-line',
      { pupils: 80, inventory: { line: { technology: 'none', fibre_distance_m: 1500 } } },
      { download_mbps: 1, availability_share: 0.5 },
    );
    const options = generateOptions(noLine, catalog, scoring);
    const fibre = options.find((o) => o.kind === 'fibre')!;
    const mobile = options.find((o) => o.id === 'new-mobile-100')!;
    expect([fibre.floor_after, fibre.target_after]).toEqual([mobile.floor_after, mobile.target_after]);
    expect(mobile.lifetime.lifetime_cost_eur).toBeLessThan(fibre.lifetime.lifetime_cost_eur);
    // Money for either, and plenty of it.
    const plan = buildPlan({ schools: [noLine], catalog, scoring, budget_eur: 1_000_000 });
    expect(plan.schools[0]).toMatchObject({ status: 'funded', option_id: 'new-mobile-100' });
  });

  it("ranks by outcome per lifetime euro: an owner's subscription counts against an option", () => {
    // Both reach the floor; the new line costs the programme little but the owner a subscription for 15 years.
    const noLine = school(
      'no-line',
      { pupils: 100, inventory: { line: { technology: 'none', fibre_distance_m: 3000 } } },
      { download_mbps: 1, availability_share: 0.5 },
    );
    const lan = school(
      'lan',
      {
        pupils: 60,
        inventory: {
          line: { technology: 'fibre', down_mbps: 100 },
          teaching_rooms: 6,
          wifi_coverage_share: 1,
          limiting_segment: 'lan',
          internal: { switches_total: 1, switches_100m: 1 },
        },
      },
      { download_mbps: 12 },
    );
    const gross = { vat_factor: 1 + catalog.vat.rate };
    const cost = (s: PlanSchool, id: string): number =>
      generateOptions(s, catalog, scoring, undefined, gross).find((o) => o.id === id)!.cost_eur;
    const budget = Math.max(cost(noLine, 'new-mobile-100'), cost(lan, 'switches'));
    expect(budget).toBeLessThan(cost(noLine, 'new-mobile-100') + cost(lan, 'switches'));
    const funded = (w: number): string[] =>
      buildPlan({
        schools: [noLine, lan],
        catalog,
        scoring,
        budget_eur: budget,
        economics: { ...DEFAULT_PLAN_ECONOMICS, owner_cost_weight: w },
      })
        .schools.filter((r) => r.status === 'funded')
        .map((r) => r.school_id);
    expect(funded(1)).toEqual(['lan']);
    // Counting programme euros only, the cheap line for more pupils wins.
    expect(funded(0)).toEqual(['no-line']);
  });
});
