import { RISK_GROUPS, type RiskGroup } from './support-rules.js';

/**
 * Per-school aggregates of the pupil-support records, the only form in
 * which they leave the support module (for planners and the plan). Pure.
 *
 * Small counts identify children: every count below {@link MIN_PUBLISHED_COUNT}
 * is suppressed (published as null), and so is a further count wherever a
 * suppressed one could otherwise be worked out by subtraction from a total
 * (complementary suppression).
 */

/**
 * Smallest count published: counts of 0-4 are suppressed. Five is the
 * threshold the issue sets, and the usual rule of official statistics on
 * people (counts under 5 are disclosive).
 */
export const MIN_PUBLISHED_COUNT = 5;

/**
 * Download rate an issued laptop must reach to count as connected at home,
 * Mbit/s: the programme's target for a pupil's home connection (issue 18,
 * "home connectivity").
 */
export const HOME_CONNECTIVITY_MBPS = 20;

/** The raw counts of one school, before suppression. */
export interface SchoolSupportCounts {
  school_id: string;
  /** Pupils with an active plan this semester. */
  active_pupils: number;
  /** Pupils with an active plan, by the risk groups of their plan (a pupil may be in several). */
  by_group: Record<RiskGroup, number>;
  /** Laptops issued and not returned. */
  laptops_issued: number;
  /** Issued laptops whose agent measured a download in the window. */
  laptops_measured: number;
  /** Of those, how many reach {@link HOME_CONNECTIVITY_MBPS} (median over the window). */
  laptops_connected: number;
}

/** A count as published: the number, or null when suppressed. */
export type Published = number | null;

/** One school's aggregates as planners see them. */
export interface SchoolSupportAggregates {
  school_id: string;
  pupils_active_plan: Published;
  pupils_by_risk_group: Record<RiskGroup, Published>;
  laptops_issued: Published;
  /**
   * Share (0-1) of measured issued laptops reaching 20 Mbit/s; null when
   * either the laptops reaching it or those not reaching it are fewer than
   * five, since the share and the count measured would give both away.
   */
  home_connectivity_share: number | null;
  /** Issued laptops measured; published only together with the share. */
  home_laptops_measured: Published;
}

/** The aggregates of every school and their totals. */
export interface SupportAggregatesReport {
  min_published_count: number;
  schools: SchoolSupportAggregates[];
  totals: {
    pupils_active_plan: Published;
    pupils_by_risk_group: Record<RiskGroup, Published>;
    laptops_issued: Published;
  };
}

const small = (n: number): boolean => n < MIN_PUBLISHED_COUNT;

/**
 * Suppresses a table whose row and column totals are published: cells
 * below the threshold go; then, until nothing changes, any row or column
 * with exactly one suppressed cell loses its smallest other cell too, so
 * no suppressed cell is its line's total minus the rest. Rows of one cell
 * have no line to protect within them.
 */
export function suppressTable(table: readonly (readonly number[])[]): Published[][] {
  const hidden = table.map((row) => row.map(small));
  const protect = (cells: { r: number; c: number }[]): boolean => {
    if (cells.length < 2 || cells.filter(({ r, c }) => hidden[r]![c]).length !== 1) return false;
    let pick: { r: number; c: number } | undefined;
    for (const cell of cells) {
      if (hidden[cell.r]![cell.c]) continue;
      if (!pick || table[cell.r]![cell.c]! < table[pick.r]![pick.c]!) pick = cell;
    }
    hidden[pick!.r]![pick!.c] = true;
    return true;
  };
  const rows = table.length;
  const cols = table[0]?.length ?? 0;
  for (let changed = true; changed;) {
    changed = false;
    for (let r = 0; r < rows; r += 1) {
      changed = protect(Array.from({ length: cols }, (_, c) => ({ r, c }))) || changed;
    }
    for (let c = 0; c < cols; c += 1) {
      changed = protect(Array.from({ length: rows }, (_, r) => ({ r, c }))) || changed;
    }
  }
  return table.map((row, r) => row.map((n, c) => (hidden[r]![c] ? null : n)));
}

/**
 * Publishes every school's counts and the totals over all of them: the
 * risk groups as a table of schools × groups (each school's groups and
 * each group's schools protected), the pupils with a plan and the laptops
 * as columns over the schools (a national total is published), home
 * connectivity only where both the connected and the not connected
 * laptops number five or more.
 */
export function publishAggregates(counts: readonly SchoolSupportCounts[]): SupportAggregatesReport {
  const groups = suppressTable(counts.map((c) => RISK_GROUPS.map((g) => c.by_group[g])));
  const active = suppressTable(counts.map((c) => [c.active_pupils]));
  const laptops = suppressTable(counts.map((c) => [c.laptops_issued]));
  const schools = counts.map((c, i): SchoolSupportAggregates => {
    const connectedOk = !small(c.laptops_connected) && !small(c.laptops_measured - c.laptops_connected);
    return {
      school_id: c.school_id,
      pupils_active_plan: active[i]![0]!,
      pupils_by_risk_group: Object.fromEntries(RISK_GROUPS.map((g, k) => [g, groups[i]![k]!])) as Record<
        RiskGroup,
        Published
      >,
      laptops_issued: laptops[i]![0]!,
      home_connectivity_share: connectedOk ? c.laptops_connected / c.laptops_measured : null,
      home_laptops_measured: connectedOk ? c.laptops_measured : null,
    };
  });
  const sum = (f: (c: SchoolSupportCounts) => number): Published => {
    const total = counts.reduce((acc, c) => acc + f(c), 0);
    return small(total) ? null : total;
  };
  return {
    min_published_count: MIN_PUBLISHED_COUNT,
    schools,
    totals: {
      pupils_active_plan: sum((c) => c.active_pupils),
      pupils_by_risk_group: Object.fromEntries(
        RISK_GROUPS.map((g) => [g, sum((c) => c.by_group[g])]),
      ) as Record<RiskGroup, Published>,
      laptops_issued: sum((c) => c.laptops_issued),
    },
  };
}

/** The median of download rates, Mbit/s; undefined for none. */
export function medianMbps(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Suppresses counts tied by sums, for tables with subtotals (schools within
 * municipalities within the country). `lines` lists, per sum, the indices
 * of the cells it ties together: a total and its parts, whichever is
 * which, since knowing all but one of them gives the last away. Cells below
 * {@link MIN_PUBLISHED_COUNT} go; then, until nothing changes, a line with
 * exactly one suppressed cell loses its smallest published cell too.
 * Returns which cells are suppressed.
 */
export function suppressLinked(values: readonly number[], lines: readonly (readonly number[])[]): boolean[] {
  const hidden = values.map(small);
  for (let changed = true; changed;) {
    changed = false;
    for (const line of lines) {
      if (line.length < 2 || line.filter((i) => hidden[i]).length !== 1) continue;
      let pick: number | undefined;
      for (const i of line) {
        if (!hidden[i] && (pick === undefined || values[i]! < values[pick]!)) pick = i;
      }
      hidden[pick!] = true;
      changed = true;
    }
  }
  return hidden;
}
