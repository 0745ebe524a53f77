/**
 * Multiple-choice knapsack: choose at most one option per school (exactly
 * one for a mandatory school) to maximise total benefit within a budget,
 * optionally under per-group spending caps and a cap on installations.
 *
 * The method (docs/methodology.md, "The optimiser"):
 * 1. Per school, drop dominated options (costlier and no better) and build
 *    the upper convex hull of (cost, benefit); its segments are the
 *    school's increments, in falling benefit per euro.
 * 2. LP relaxation: all increments sorted by benefit per euro, filled
 *    greedily with the last one taken fractionally. Its value is the LP
 *    upper bound and its last ratio λ the price of a euro.
 * 3. Incumbent: the same order without the fractional part, then a pass
 *    that moves schools to a better option while money remains.
 * 4. Reduced-cost fixing: with the Lagrangian bound at λ, an option whose
 *    forced choice cannot beat the incumbent is removed; schools left with
 *    one option are fixed.
 * 5. Depth-first branch and bound over the remaining ("core") schools with
 *    the Lagrangian bound and, when that does not prune, the LP bound of
 *    the subproblem.
 *
 * With the budget alone, a finished search proves optimality. Group caps
 * and the installation cap are checked on every branch but ignored by the
 * bounds (which stay valid, only looser), so a finished search is still
 * exact; a search stopped by the work limit returns the best solution
 * found with `optimal: false` and the gap to the LP bound.
 */

/** One option of a school. */
export interface McOption {
  id: string;
  /** Cost in whole euros (any unit works if consistent; integers avoid rounding drift). */
  cost: number;
  benefit: number;
  /** Installations the option needs (for the installer-capacity cap); default 0. */
  installs?: number;
}

/** A school and its options. */
export interface McSchool {
  id: string;
  /** Group for {@link McConstraints.groupCaps} (the municipality). */
  group?: string;
  options: readonly McOption[];
  /** When true the school must take one of its options (a minimum-score rule). */
  mandatory?: boolean;
}

/** Budget and optional side constraints. */
export interface McConstraints {
  budget: number;
  /** Most that may be spent per group. */
  groupCaps?: Readonly<Record<string, number>>;
  /** Most installations in total. */
  maxInstalls?: number;
  /**
   * Work limit of the branch and bound, in bound evaluations weighted by
   * their size; deterministic, unlike a time limit. Default 200 million.
   */
  maxWork?: number;
}

/** One hull segment: moving school `school` from option `from` to `to`. */
export interface McIncrement {
  school: number;
  /** Option index, -1 for "nothing". */
  from: number;
  to: number;
  cost: number;
  benefit: number;
  /** Benefit per unit of cost. */
  ratio: number;
}

/** Outcome of {@link solveMckp}. */
export interface McSolution {
  /** `optimal`: proven; `feasible`: best found when the work limit stopped the search; `infeasible`: mandatory schools do not fit. */
  status: 'optimal' | 'feasible' | 'infeasible';
  /** Chosen option index per school, -1 for none. */
  choice: number[];
  total_cost: number;
  total_benefit: number;
  /** LP relaxation value (budget only): no plan can do better. */
  upper_bound: number;
  /** (upper_bound - total_benefit) / upper_bound, 0 when the bound is 0. */
  gap: number;
  /** The benefit per unit of cost at the LP cut-off (the next euro's worth). */
  lambda: number;
  /** The greedy ranking: every increment in order of benefit per cost. */
  increments: McIncrement[];
  /** Index in `increments` of the first increment the budget could not fully fund, or -1. */
  cutoff: number;
  /** The greedy solution's value before branch and bound. */
  greedy_benefit: number;
  /** Branch-and-bound nodes visited. */
  nodes: number;
  /** Schools left to the search after reduced-cost fixing. */
  core_schools: number;
}

interface Cand {
  opt: number;
  c: number;
  b: number;
  k: number;
}

const DEFAULT_MAX_WORK = 200_000_000;

/** Undominated candidates of a school, cost ascending (benefit strictly rising when `useInstalls` is false). */
function candidates(school: McSchool, budget: number, useInstalls: boolean): Cand[] {
  const all: Cand[] = school.mandatory ? [] : [{ opt: -1, c: 0, b: 0, k: 0 }];
  school.options.forEach((o, i) => {
    if (o.cost <= budget && (school.mandatory || o.benefit > 0)) {
      all.push({ opt: i, c: o.cost, b: o.benefit, k: o.installs ?? 0 });
    }
  });
  all.sort((x, y) => x.c - y.c || y.b - x.b || x.k - y.k);
  const kept: Cand[] = [];
  for (const cand of all) {
    const dominated = kept.some((q) => q.b >= cand.b && (!useInstalls || q.k <= cand.k));
    if (!dominated) kept.push(cand);
  }
  return kept;
}

/** Upper convex hull over candidates (cost ascending), as indices into `cands`. */
function hull(cands: readonly Cand[]): number[] {
  const h: number[] = [];
  for (let j = 0; j < cands.length; j += 1) {
    const p = cands[j] as Cand;
    if (h.length > 0 && p.b <= (cands[h[h.length - 1] as number] as Cand).b) continue;
    while (h.length >= 2) {
      const a = cands[h[h.length - 2] as number] as Cand;
      const m = cands[h[h.length - 1] as number] as Cand;
      // Pop the middle point when it lies on or below the chord from a to p.
      if ((m.b - a.b) * (p.c - a.c) <= (p.b - a.b) * (m.c - a.c)) h.pop();
      else break;
    }
    h.push(j);
  }
  return h;
}

interface HullInc {
  school: number;
  /** Position of `to` in the school's hull. */
  step: number;
  from: Cand;
  to: Cand;
  ratio: number;
}

function hullIncrements(cands: readonly Cand[][], schoolIndex: (i: number) => number): HullInc[] {
  const incs: HullInc[] = [];
  cands.forEach((cs, i) => {
    const h = hull(cs);
    for (let s = 1; s < h.length; s += 1) {
      const from = cs[h[s - 1] as number] as Cand;
      const to = cs[h[s] as number] as Cand;
      incs.push({ school: schoolIndex(i), step: s, from, to, ratio: (to.b - from.b) / (to.c - from.c) });
    }
  });
  incs.sort((x, y) => y.ratio - x.ratio || x.school - y.school || x.step - y.step);
  return incs;
}

/** LP value of filling `incs` (sorted) with `capacity`, given every school starts at its hull's first point. */
function lpFill(
  incs: readonly HullInc[],
  capacity: number,
): { value: number; lambda: number; split: number } {
  let rem = capacity;
  let value = 0;
  for (let i = 0; i < incs.length; i += 1) {
    const inc = incs[i] as HullInc;
    const dc = inc.to.c - inc.from.c;
    if (dc <= rem) {
      rem -= dc;
      value += inc.to.b - inc.from.b;
    } else {
      return { value: value + rem * inc.ratio, lambda: inc.ratio, split: i };
    }
  }
  return { value, lambda: 0, split: -1 };
}

/** Solves the multiple-choice knapsack exactly (see the module comment for when "exactly" holds). */
export function solveMckp(schools: readonly McSchool[], constraints: McConstraints): McSolution {
  const budget = constraints.budget;
  const caps = constraints.groupCaps ?? {};
  const hasCaps = Object.keys(caps).length > 0;
  const maxInstalls = constraints.maxInstalls ?? Infinity;
  const useInstalls = Number.isFinite(maxInstalls);
  const maxWork = constraints.maxWork ?? DEFAULT_MAX_WORK;
  const n = schools.length;
  const groups = schools.map((s) => s.group ?? '');
  const capOf = (g: string): number => caps[g] ?? Infinity;

  const cands = schools.map((s) => candidates(s, budget, useInstalls));
  const empty = (): McSolution => ({
    status: 'infeasible',
    choice: new Array<number>(n).fill(-1),
    total_cost: 0,
    total_benefit: 0,
    upper_bound: 0,
    gap: 0,
    lambda: 0,
    increments: [],
    cutoff: -1,
    greedy_benefit: 0,
    nodes: 0,
    core_schools: 0,
  });
  if (cands.some((cs) => cs.length === 0)) return empty();
  const baseCost = cands.reduce((sum, cs) => sum + (cs[0] as Cand).c, 0);
  const baseBenefit = cands.reduce((sum, cs) => sum + (cs[0] as Cand).b, 0);
  if (baseCost > budget) return empty();

  // LP relaxation (budget only).
  const incs = hullIncrements(cands, (i) => i);
  const lp = lpFill(incs, budget - baseCost);
  const upperBound = baseBenefit + lp.value;
  const lambda = lp.lambda;

  // Greedy incumbent in the LP order, respecting every constraint.
  const cur: Cand[] = cands.map((cs) => cs[0] as Cand);
  const spend = new Map<string, number>();
  let installs = 0;
  let cost = baseCost;
  for (let i = 0; i < n; i += 1) {
    const g = groups[i] as string;
    spend.set(g, (spend.get(g) ?? 0) + (cur[i] as Cand).c);
    installs += (cur[i] as Cand).k;
  }
  const fits = (i: number, to: Cand): boolean => {
    const from = cur[i] as Cand;
    const g = groups[i] as string;
    return (
      cost - from.c + to.c <= budget &&
      (!hasCaps || (spend.get(g) ?? 0) - from.c + to.c <= capOf(g)) &&
      installs - from.k + to.k <= maxInstalls
    );
  };
  const move = (i: number, to: Cand): void => {
    const from = cur[i] as Cand;
    const g = groups[i] as string;
    cost += to.c - from.c;
    spend.set(g, (spend.get(g) ?? 0) - from.c + to.c);
    installs += to.k - from.k;
    cur[i] = to;
  };
  for (const inc of incs) {
    if (cur[inc.school] === inc.from && fits(inc.school, inc.to)) move(inc.school, inc.to);
  }
  // Improvement: move any school to its best option that still fits; repeat while it helps.
  for (let pass = 0; pass < 3; pass += 1) {
    let improved = false;
    for (let i = 0; i < n; i += 1) {
      let best: Cand | undefined;
      let bestB = (cur[i] as Cand).b;
      for (const cand of cands[i] as Cand[]) {
        if (cand.b > bestB && fits(i, cand)) {
          best = cand;
          bestB = cand.b;
        }
      }
      if (best) {
        move(i, best);
        improved = true;
      }
    }
    if (!improved) break;
  }
  // Mandatory schools' cheapest options alone may break a cap: then there is no incumbent yet.
  const greedyValid =
    cost <= budget && installs <= maxInstalls && [...spend].every(([g, s]) => s <= capOf(g));
  let bestChoice = cur.map((c) => c.opt);
  let bestValue = greedyValid ? cur.reduce((sum, c) => sum + c.b, 0) : -Infinity;
  let bestCost = cost;
  const greedyBenefit = greedyValid ? bestValue : 0;
  const tol = (v: number): number => (Number.isFinite(v) ? 1e-9 * Math.max(1, Math.abs(v)) : 0);

  // Reduced-cost fixing with the Lagrangian bound at λ.
  const reduced = (cand: Cand): number => cand.b - lambda * cand.c;
  const maxReduced = cands.map((cs) => Math.max(...cs.map(reduced)));
  const lagrangian = lambda * budget + maxReduced.reduce((a, b) => a + b, 0);
  const remaining = cands.map((cs, i) =>
    cs.filter((cand) => lagrangian + reduced(cand) - (maxReduced[i] as number) > bestValue + tol(bestValue)),
  );

  let nodes = 0;
  let finished = true;
  let coreCount = 0;
  if (remaining.every((r) => r.length > 0)) {
    const fixedChoice = new Array<number>(n).fill(-1);
    let fixedCost = 0;
    let fixedBenefit = 0;
    let fixedInstalls = 0;
    const fixedSpend = new Map<string, number>();
    const core: number[] = [];
    remaining.forEach((r, i) => {
      if (r.length === 1) {
        const only = r[0] as Cand;
        fixedChoice[i] = only.opt;
        fixedCost += only.c;
        fixedBenefit += only.b;
        fixedInstalls += only.k;
        const g = groups[i] as string;
        fixedSpend.set(g, (fixedSpend.get(g) ?? 0) + only.c);
      } else {
        core.push(i);
      }
    });
    coreCount = core.length;
    const feasibleFixed =
      fixedCost <= budget && fixedInstalls <= maxInstalls && [...fixedSpend].every(([g, s]) => s <= capOf(g));
    if (feasibleFixed) {
      // Widest cost range first: those choices move the remaining budget most.
      core.sort((x, y) => {
        const span = (i: number): number => {
          const r = remaining[i] as Cand[];
          return (r[r.length - 1] as Cand).c - (r[0] as Cand).c;
        };
        return span(y) - span(x) || x - y;
      });
      const m = core.length;
      const opts = core.map((i) => [...(remaining[i] as Cand[])].sort((a, b) => reduced(b) - reduced(a)));
      const sufMax = new Float64Array(m + 1);
      const sufMinC = new Float64Array(m + 1);
      const sufBaseB = new Float64Array(m + 1);
      const sufBaseC = new Float64Array(m + 1);
      for (let d = m - 1; d >= 0; d -= 1) {
        const r = remaining[core[d] as number] as Cand[];
        sufMax[d] = (sufMax[d + 1] as number) + Math.max(...r.map(reduced));
        sufMinC[d] = (sufMinC[d + 1] as number) + (r[0] as Cand).c;
        sufBaseB[d] = (sufBaseB[d + 1] as number) + (r[0] as Cand).b;
        sufBaseC[d] = (sufBaseC[d + 1] as number) + (r[0] as Cand).c;
      }
      // Hull increments of the core over their remaining options, tagged with search depth.
      const coreIncs = hullIncrements(
        core.map((i) => remaining[i] as Cand[]),
        (d) => d,
      );
      const capacity = budget - fixedCost;
      const lpFrom = (d: number, used: number): number => {
        let rem = capacity - used - (sufBaseC[d] as number);
        if (rem < 0) return -Infinity;
        let value = sufBaseB[d] as number;
        for (const inc of coreIncs) {
          if (inc.school < d) continue;
          const dc = inc.to.c - inc.from.c;
          if (dc <= rem) {
            rem -= dc;
            value += inc.to.b - inc.from.b;
          } else {
            return value + rem * inc.ratio;
          }
        }
        return value;
      };

      const tryIdx = new Int32Array(m).fill(-1);
      const chosen: (Cand | undefined)[] = new Array<Cand | undefined>(m);
      const spendNow = new Map(fixedSpend);
      let used = 0;
      let value = 0;
      let inst = fixedInstalls;
      let work = 0;
      let d = 0;
      let entering = true;
      for (;;) {
        if (d === m) {
          const total = fixedBenefit + value;
          if (total > bestValue + tol(bestValue)) {
            bestValue = total;
            bestCost = fixedCost + used;
            bestChoice = [...fixedChoice];
            core.forEach((i, k) => (bestChoice[i] = (chosen[k] as Cand).opt));
          }
          d -= 1;
          entering = false;
        } else if (entering) {
          nodes += 1;
          work += 1;
          const target = bestValue + tol(bestValue) - fixedBenefit - value;
          let prune = lambda * (capacity - used) + (sufMax[d] as number) <= target;
          if (!prune) {
            work += coreIncs.length;
            prune = lpFrom(d, used) <= target;
          }
          if (work > maxWork) {
            finished = false;
            break;
          }
          if (prune) {
            d -= 1;
            entering = false;
          } else {
            tryIdx[d] = -1;
            entering = false;
          }
          continue;
        }
        if (d < 0) break;
        // Undo the choice at depth d, if any, then try the next option.
        const prev = chosen[d];
        const school = core[d] as number;
        const g = groups[school] as string;
        if (prev) {
          used -= prev.c;
          value -= prev.b;
          inst -= prev.k;
          spendNow.set(g, (spendNow.get(g) ?? 0) - prev.c);
          chosen[d] = undefined;
        }
        const list = opts[d] as Cand[];
        let next = (tryIdx[d] as number) + 1;
        for (; next < list.length; next += 1) {
          const cand = list[next] as Cand;
          if (
            used + cand.c + (sufMinC[d + 1] as number) <= capacity &&
            inst + cand.k <= maxInstalls &&
            (!hasCaps || (spendNow.get(g) ?? 0) + cand.c <= capOf(g))
          ) {
            break;
          }
        }
        if (next >= list.length) {
          d -= 1;
          continue;
        }
        tryIdx[d] = next;
        const cand = list[next] as Cand;
        chosen[d] = cand;
        used += cand.c;
        value += cand.b;
        inst += cand.k;
        spendNow.set(g, (spendNow.get(g) ?? 0) + cand.c);
        d += 1;
        entering = true;
      }
    }
  }

  const increments: McIncrement[] = incs.map((inc) => ({
    school: inc.school,
    from: inc.from.opt,
    to: inc.to.opt,
    cost: inc.to.c - inc.from.c,
    benefit: inc.to.b - inc.from.b,
    ratio: inc.ratio,
  }));
  if (bestValue === -Infinity) return { ...empty(), upper_bound: upperBound, nodes, core_schools: coreCount };
  return {
    status: finished ? 'optimal' : 'feasible',
    choice: bestChoice,
    total_cost: bestCost,
    total_benefit: bestValue,
    upper_bound: upperBound,
    gap: upperBound > 0 ? Math.max(0, (upperBound - bestValue) / upperBound) : 0,
    lambda,
    increments,
    cutoff: lp.split,
    greedy_benefit: greedyBenefit,
    nodes,
    core_schools: coreCount,
  };
}

/** Exhaustive search for small instances; the reference the tests check {@link solveMckp} against. */
export function bruteForceMckp(
  schools: readonly McSchool[],
  constraints: McConstraints,
): { benefit: number; choice: number[] } | undefined {
  const caps = constraints.groupCaps ?? {};
  const maxInstalls = constraints.maxInstalls ?? Infinity;
  let best: { benefit: number; choice: number[] } | undefined;
  const choice: number[] = [];
  const spend = new Map<string, number>();
  const rec = (i: number, cost: number, benefit: number, inst: number): void => {
    if (cost > constraints.budget || inst > maxInstalls) return;
    for (const [g, s] of spend) if (s > (caps[g] ?? Infinity)) return;
    if (i === schools.length) {
      if (!best || benefit > best.benefit) best = { benefit, choice: [...choice] };
      return;
    }
    const s = schools[i] as McSchool;
    const g = s.group ?? '';
    if (!s.mandatory) {
      choice.push(-1);
      rec(i + 1, cost, benefit, inst);
      choice.pop();
    }
    s.options.forEach((o, j) => {
      choice.push(j);
      spend.set(g, (spend.get(g) ?? 0) + o.cost);
      rec(i + 1, cost + o.cost, benefit + o.benefit, inst + (o.installs ?? 0));
      spend.set(g, (spend.get(g) ?? 0) - o.cost);
      choice.pop();
    });
  };
  rec(0, 0, 0, 0);
  return best;
}
