/**
 * Plan benchmark (issues 8 and 16): the multiple-choice knapsack solver on
 * 650 schools × 6 options (target: optimal in under 1 s) and on
 * 100,000 schools × 6 options (target: within 0.5% of the LP bound in
 * under 60 s), printed beside the greedy ranking and the LP bound of the
 * same instance, and brute force on a small one.
 *
 * Instances are seeded and shaped like the generated options: costs from
 * a free configuration fix to a 40,000 EUR bundle, benefit rising with
 * cost with diminishing returns and noise (correlated instances are the
 * hard kind for knapsack solvers).
 *
 * The whole plan (options, thresholds, lifetime costs, optimiser, every
 * school's row and the summary) is timed over 640 seeded schools shaped
 * like the demo data, under both objectives, and the scenario analysis
 * (13 plans) over the same schools: the API answers both on request.
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import {
  bruteForceMckp,
  buildPlan,
  DEFAULT_PLAN_ECONOMICS,
  DEFAULT_SCORING_CONFIG,
  loadCostCatalog,
  runScenarios,
  solveMckp,
  type McSchool,
  type PlanSchool,
} from '@skolnet/collector';
import { fmt, printTable } from './support.js';

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function instance(schools: number, options: number, seed: number): { schools: McSchool[]; budget: number } {
  const rnd = prng(seed);
  let maxCost = 0;
  const out: McSchool[] = Array.from({ length: schools }, (_, i) => {
    const pupils = rnd() < 0.7 ? 50 + Math.floor(rnd() * 200) : 400 + Math.floor(rnd() * 800);
    const opts = Array.from({ length: options }, (_, j) => {
      const cost = j === 0 ? 0 : Math.round(500 + rnd() * 8000 * j);
      const gain = j === 0 ? rnd() * 3 : Math.min(80, 8 * Math.sqrt(cost / 1000) * (0.6 + 0.8 * rnd()));
      return { id: `o${j}`, cost, benefit: Math.round(pupils * gain * 100) / 100 };
    });
    maxCost += Math.max(...opts.map((o) => o.cost));
    return { id: `s${i}`, group: `m${i % 43}`, options: opts };
  });
  return { schools: out, budget: Math.round(maxCost * 0.3) };
}

function timed<T>(fn: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = fn();
  return { value, ms: performance.now() - t0 };
}

/** 640 schools shaped like `npm run demo:seed`'s (synthetic): technologies, measured shares, outages, rooms, SNMP facts. */
function demoSchools(count: number, seed: number): PlanSchool[] {
  const rnd = prng(seed);
  const between = (a: number, b: number): number => a + (b - a) * rnd();
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const city = rnd() < 0.35;
    const pupils = Math.round(
      city ? between(150, 1200) : rnd() < 0.75 ? between(50, 250) : between(250, 600),
    );
    const technology = city
      ? rnd() < 0.85
        ? 'fibre'
        : 'dsl'
      : pick(['fibre', 'fibre', 'dsl', 'dsl', 'mobile']);
    const tier = pick({ fibre: [100, 100, 300, 500, 1000], dsl: [30, 30, 100], mobile: [100] }[technology]!);
    const down = tier * between(technology === 'mobile' ? 0.15 : 0.4, 0.92);
    const rooms = Math.ceil(pupils / 22) + 3;
    const coverage = rnd() < 0.2 ? between(0, 0.4) : between(0.4, 1);
    const days = rnd() < 0.02 ? Math.floor(rnd() * 3) : 5;
    return {
      id: `s${i}`,
      name: `Bench school ${i}`,
      municipality: `m${i % 43}`,
      pupils,
      synthetic: true,
      throughput_school_days: days,
      figures: {
        download_mbps: down,
        download_samples: days * 2,
        upload_mbps: down * 0.5,
        upload_samples: days * 2,
        availability_share: rnd() < 0.07 ? between(0.05, 0.95) : 1,
        availability_samples: 70,
        rtt_median_ms: technology === 'fibre' ? between(6, 25) : between(20, 160),
        rtt_p95_ms: technology === 'fibre' ? between(10, 40) : between(40, 250),
        rtt_samples: 70,
        jitter_ms: between(1, 20),
        jitter_samples: 70,
        loss_pct: technology === 'fibre' ? 0 : between(0, 2),
        loss_samples: 70,
        school_days: days,
        lesson_hours: days * 7,
      },
      inventory: {
        line: {
          technology,
          down_mbps: tier,
          ...(technology === 'fibre' ? {} : { fibre_distance_m: Math.round(between(80, 3000)) }),
        },
        teaching_rooms: rooms,
        wifi_coverage_share: Math.round(coverage * 100) / 100,
        uncovered_rooms: Math.round(rooms * (1 - coverage)),
        internal: {
          switches_total: Math.ceil(rooms / 12),
          switches_100m: rnd() < 0.35 ? 1 : 0,
          switches_without_poe: rnd() < 0.4 ? 1 : 0,
          aps_24ghz_only: rnd() < 0.25 ? 2 : 0,
          overlapping_channels: rnd() < 0.25,
        },
        ...(rnd() < 0.05 ? { limiting_segment: 'lan' } : {}),
      },
      support: {
        pupils_vulnerable: Math.round(pupils * between(0.03, 0.3)),
        pupils_support_plan: Math.round(pupils * between(0.02, 0.1)),
      },
    };
  });
}

describe('plan', () => {
  it('builds the whole plan of 640 schools under each objective, and its scenario analysis', () => {
    const schools = demoSchools(640, 5);
    const catalog = loadCostCatalog();
    const rows: string[][] = [];
    for (const objective of ['cost_effectiveness', 'score_delta'] as const) {
      const input = {
        schools,
        catalog,
        scoring: DEFAULT_SCORING_CONFIG,
        budget_eur: 18_090_300,
        economics: { ...DEFAULT_PLAN_ECONOMICS, objective },
      };
      buildPlan(input);
      const runs = Array.from({ length: 3 }, () => timed(() => buildPlan(input)));
      const ms = runs.map((r) => r.ms).sort((a, b) => a - b)[1] ?? 0;
      const plan = runs[0]!.value;
      expect(plan.schools).toHaveLength(640);
      rows.push([
        `640 schools, ${objective}`,
        fmt(ms, 1),
        fmt(plan.selected.length),
        fmt(plan.summary.floor.schools_after),
        fmt(plan.summary.target.schools_after),
        plan.status,
      ]);
    }
    const scen = timed(() =>
      runScenarios({ schools, catalog, scoring: DEFAULT_SCORING_CONFIG, budget_eur: 18_090_300 }),
    );
    rows.push([
      `640 schools, ${scen.value.scenarios.length} scenarios`,
      fmt(scen.ms, 1),
      `${scen.value.robust} robust`,
      `${scen.value.sensitive} sensitive`,
      `${scen.value.never} never`,
      '',
    ]);
    printTable(
      'whole plan (median of 3) and scenario analysis, budget 18,090,300 EUR',
      ['run', 'ms', 'funded', 'floor after', 'target after', 'status'],
      rows,
    );
  });

  it('solves 650 × 6 to optimality and 100,000 × 6 within 0.5% of the LP bound', () => {
    const rows: string[][] = [];
    const small = instance(7, 6, 1);
    const brute = timed(() => bruteForceMckp(small.schools, { budget: small.budget }));
    const smallSolved = timed(() => solveMckp(small.schools, { budget: small.budget }));
    expect(smallSolved.value.total_benefit).toBeCloseTo(brute.value?.benefit ?? 0, 6);
    rows.push([
      '7 × 6 brute force (reference)',
      fmt(brute.ms, 1),
      fmt(brute.value?.benefit ?? 0, 2),
      '',
      '',
      'exhaustive',
    ]);
    rows.push([
      '7 × 6 branch and bound',
      fmt(smallSolved.ms, 1),
      fmt(smallSolved.value.total_benefit, 2),
      fmt(smallSolved.value.upper_bound, 2),
      '0',
      smallSolved.value.status,
    ]);

    for (const [n, seed] of [
      [650, 2],
      [100_000, 3],
    ] as const) {
      const inst = instance(n, 6, seed);
      const solved = timed(() => solveMckp(inst.schools, { budget: inst.budget }));
      const s = solved.value;
      const gapPct = (100 * (s.upper_bound - s.total_benefit)) / s.upper_bound;
      const greedyGap = (100 * (s.upper_bound - s.greedy_benefit)) / s.upper_bound;
      rows.push([
        `${fmt(n)} × 6 greedy by benefit/EUR (reference)`,
        '',
        fmt(s.greedy_benefit, 0),
        fmt(s.upper_bound, 0),
        greedyGap.toFixed(4),
        '',
      ]);
      rows.push([
        `${fmt(n)} × 6 branch and bound`,
        fmt(solved.ms, 1),
        fmt(s.total_benefit, 0),
        fmt(s.upper_bound, 0),
        gapPct.toFixed(4),
        `${s.status}, core ${s.core_schools}, ${s.nodes} nodes`,
      ]);
      if (n === 650) expect(s.status).toBe('optimal');
      expect(gapPct).toBeLessThan(0.5);
    }
    printTable(
      'multiple-choice knapsack (budget 30% of the most expensive options)',
      ['instance', 'ms', 'benefit', 'LP bound', 'gap %', 'status'],
      rows,
    );
  });
});
