import { describe, expect, it } from 'vitest';
import { bruteForceMckp, solveMckp, type McSchool } from './mckp.js';

/** Seeded PRNG so every run checks the same instances. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomInstance(rnd: () => number, schools: number, options: number, groups = 1): McSchool[] {
  return Array.from({ length: schools }, (_, i) => ({
    id: `s${i}`,
    group: `g${i % groups}`,
    options: Array.from({ length: 1 + Math.floor(rnd() * options) }, (_, j) => {
      const cost = Math.floor(rnd() * 100);
      // Correlated benefit (harder) with noise, some zero-cost options.
      return {
        id: `o${j}`,
        cost: rnd() < 0.1 ? 0 : cost,
        benefit: Math.round((cost * (0.5 + rnd()) + rnd() * 30) * 100) / 100,
        installs: rnd() < 0.3 ? 0 : 1,
      };
    }),
  }));
}

function valueOf(schools: readonly McSchool[], choice: readonly number[]): { cost: number; benefit: number } {
  let cost = 0;
  let benefit = 0;
  choice.forEach((j, i) => {
    const o = schools[i]?.options[j];
    if (o) {
      cost += o.cost;
      benefit += o.benefit;
    }
  });
  return { cost, benefit };
}

describe('solveMckp', () => {
  it('solves a hand-checked instance and reports the LP bound', () => {
    const schools: McSchool[] = [
      {
        id: 'a',
        options: [
          { id: 'a1', cost: 10, benefit: 30 },
          { id: 'a2', cost: 20, benefit: 40 },
        ],
      },
      { id: 'b', options: [{ id: 'b1', cost: 15, benefit: 30 }] },
    ];
    const s = solveMckp(schools, { budget: 25 });
    // a1 + b1 = 25 for 60 beats a2 alone (40).
    expect(s.choice).toEqual([0, 0]);
    expect(s.total_benefit).toBe(60);
    expect(s.status).toBe('optimal');
    // LP: a1 (3/€), b1 (2/€) fill 25 exactly: bound 60.
    expect(s.upper_bound).toBe(60);
    const tight = solveMckp(schools, { budget: 20 });
    // LP: a1 (10, 30) then 10 of b1 at 2/€ = 50; integer: a2 (40) or a1 (30) → 40.
    expect(tight.upper_bound).toBe(50);
    expect(tight.total_benefit).toBe(40);
    expect(tight.lambda).toBe(2);
  });

  it('matches brute force on 300 random small instances (budget only)', () => {
    const rnd = prng(42);
    for (let k = 0; k < 300; k += 1) {
      const schools = randomInstance(rnd, 1 + Math.floor(rnd() * 6), 4);
      const budget = Math.floor(rnd() * 250);
      const exact = bruteForceMckp(schools, { budget });
      const s = solveMckp(schools, { budget });
      expect(s.status).toBe('optimal');
      expect(s.total_benefit).toBeCloseTo(exact?.benefit ?? 0, 6);
      const v = valueOf(schools, s.choice);
      expect(v.cost).toBeLessThanOrEqual(budget);
      expect(v.benefit).toBeCloseTo(s.total_benefit, 6);
      expect(s.upper_bound).toBeGreaterThanOrEqual(s.total_benefit - 1e-6);
    }
  });

  it('matches brute force with group caps, an installation cap and mandatory schools', () => {
    const rnd = prng(7);
    for (let k = 0; k < 300; k += 1) {
      const schools = randomInstance(rnd, 1 + Math.floor(rnd() * 6), 4, 2).map((s) => ({
        ...s,
        mandatory: rnd() < 0.2,
      }));
      const constraints = {
        budget: Math.floor(rnd() * 300),
        groupCaps: { g0: Math.floor(rnd() * 150) },
        maxInstalls: Math.floor(rnd() * 4),
      };
      const exact = bruteForceMckp(schools, constraints);
      const s = solveMckp(schools, constraints);
      if (exact === undefined) {
        expect(s.status).toBe('infeasible');
        continue;
      }
      expect(s.status).toBe('optimal');
      expect(s.total_benefit).toBeCloseTo(exact.benefit, 6);
      const v = valueOf(schools, s.choice);
      expect(v.cost).toBeLessThanOrEqual(constraints.budget);
    }
  });

  it('reports a feasible plan and its gap when the work limit stops the search', () => {
    const rnd = prng(3);
    const schools = randomInstance(rnd, 300, 6);
    const s = solveMckp(schools, { budget: 5000, maxWork: 10 });
    expect(['optimal', 'feasible']).toContain(s.status);
    expect(valueOf(schools, s.choice).cost).toBeLessThanOrEqual(5000);
    expect(s.gap).toBeGreaterThanOrEqual(0);
    expect(s.total_benefit).toBeLessThanOrEqual(s.upper_bound + 1e-6);
  });
});
