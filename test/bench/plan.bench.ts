/**
 * Plan benchmark (issue 8): the multiple-choice knapsack solver on
 * 650 schools × 6 options (target: optimal in under 1 s) and on
 * 100,000 schools × 6 options (target: within 0.5% of the LP bound in
 * under 60 s), printed beside the greedy ranking and the LP bound of the
 * same instance, and brute force on a small one.
 *
 * Instances are seeded and shaped like the generated options: costs from
 * a free configuration fix to a 40,000 EUR bundle, benefit rising with
 * cost with diminishing returns and noise (correlated instances are the
 * hard kind for knapsack solvers).
 */
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { bruteForceMckp, solveMckp, type McSchool } from '@skolnet/collector';
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

describe('plan', () => {
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
