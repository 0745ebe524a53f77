import {
  publishAggregates,
  suppressLinked,
  suppressTable,
  MIN_PUBLISHED_COUNT,
  type Published,
} from './support-aggregates.js';
import type { LaptopRecord, PlanRecord } from './support-records.js';
import {
  COMPENSATION_TYPES,
  CONSULTATION_TYPES,
  PLAN_STATUSES,
  RISK_GROUPS,
  type CompensationType,
  type ConsultationType,
  type PlanStatus,
  type RiskGroup,
  type Semester,
} from './support-rules.js';

/**
 * The semester report of the pupil-support records (docs/pupil-support.md,
 * "Semester report"): counts and sums only, never a pupil, a pseudonym or
 * a name. Pure; the service gathers the records and the home connectivity.
 */

/** A count with a sum beside it (minutes of consultations, cents of compensations). */
export interface CountAndSum {
  count: number;
  sum: number;
}

/** The raw figures of one semester over a set of schools. */
export interface SupportReportCounts {
  /** Plans of the semester by their current status. */
  plans_by_status: Record<PlanStatus, number>;
  /** Plans of the semester with at least one risk of the group (a plan may be in several). */
  plans_by_group: Record<RiskGroup, number>;
  /** Consultations dated in the semester by type; `sum` is minutes. */
  consultations: Record<ConsultationType, CountAndSum>;
  /** Compensations of the semester's plans by type; `sum` is EUR cents. */
  compensations: Record<CompensationType, CountAndSum>;
  /** Laptops issued to a pupil for some day of the semester. */
  laptops_issued: number;
  /** Issued-laptop agents that measured a download in the semester. */
  laptops_measured: number;
  /** Of those, how many reached 20 Mbit/s (median). */
  laptops_connected: number;
}

/** Home connectivity of issued laptops over a period: agents measured and those reaching 20 Mbit/s. */
export interface HomeConnectivityCounts {
  measured: number;
  connected: number;
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const zeroSums = <K extends string>(keys: readonly K[]): Record<K, CountAndSum> =>
  Object.fromEntries(keys.map((k) => [k, { count: 0, sum: 0 }])) as Record<K, CountAndSum>;

/**
 * Counts a semester's figures from its plans (those of other semesters are
 * skipped) and the laptops (issued for at least one of its days, returned
 * ones included).
 */
export function countSupportReport(
  semester: Semester,
  plans: readonly PlanRecord[],
  laptops: readonly LaptopRecord[],
  home: HomeConnectivityCounts,
): SupportReportCounts {
  const out: SupportReportCounts = {
    plans_by_status: zeros(PLAN_STATUSES),
    plans_by_group: zeros(RISK_GROUPS),
    consultations: zeroSums(CONSULTATION_TYPES),
    compensations: zeroSums(COMPENSATION_TYPES),
    laptops_issued: 0,
    laptops_measured: home.measured,
    laptops_connected: home.connected,
  };
  for (const plan of plans) {
    if (plan.semester !== semester.code) continue;
    out.plans_by_status[plan.status] += 1;
    for (const group of new Set(plan.body.risks.map((r) => r.group))) out.plans_by_group[group] += 1;
    for (const c of plan.body.consultations) {
      if (c.date < semester.start || c.date > semester.end) continue;
      out.consultations[c.type].count += 1;
      out.consultations[c.type].sum += c.duration_min;
    }
    for (const c of plan.body.compensations) {
      out.compensations[c.type].count += 1;
      out.compensations[c.type].sum += c.amount_cents;
    }
  }
  out.laptops_issued = laptops.filter(
    (l) =>
      l.pupil_id !== null &&
      l.issued_on !== null &&
      l.issued_on <= semester.end &&
      (l.returned_on === null || l.returned_on >= semester.start),
  ).length;
  return out;
}

/** A published line: a count, and its sum only where the count is published. */
export interface PublishedCountAndSum {
  count: Published;
  sum: Published;
}

/** The report as it is written out: exact, or with small counts suppressed. */
export interface PublishedSupportReport {
  /** Whether counts below {@link MIN_PUBLISHED_COUNT} (and their partners) are null. */
  suppressed: boolean;
  plans_by_status: Record<PlanStatus, Published>;
  plans_total: Published;
  plans_by_group: Record<RiskGroup, Published>;
  consultations: Record<ConsultationType, PublishedCountAndSum>;
  consultations_total: PublishedCountAndSum;
  compensations: Record<CompensationType, PublishedCountAndSum>;
  compensations_total: PublishedCountAndSum;
  laptops_issued: Published;
  /** Share (0-1) of measured issued laptops reaching 20 Mbit/s, or null. */
  home_connectivity_share: number | null;
  home_laptops_measured: Published;
}

const sumOf = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/**
 * The report as written. Exact (`suppress` false) for one school's
 * coordinator, director and IKVD, who read its plans anyway. Suppressed
 * for the national report, which planners may read: by the support
 * aggregates' own rules ({@link suppressTable}, {@link publishAggregates}),
 * each category line a table whose total is published; a sum (minutes,
 * euros) goes with its count, so it is hidden wherever the count is.
 */
export function publishSupportReport(counts: SupportReportCounts, suppress: boolean): PublishedSupportReport {
  const line = <K extends string>(keys: readonly K[], values: Record<K, number>) => {
    const row = keys.map((k) => values[k]);
    const published = suppress ? suppressTable([row])[0]! : row;
    const total = sumOf(row);
    return {
      cells: Object.fromEntries(keys.map((k, i) => [k, published[i]!])) as Record<K, Published>,
      total: suppress && total < MIN_PUBLISHED_COUNT ? null : total,
    };
  };
  const withSums = <K extends string>(keys: readonly K[], values: Record<K, CountAndSum>) => {
    const counts = line(keys, Object.fromEntries(keys.map((k) => [k, values[k].count])) as Record<K, number>);
    const cells = Object.fromEntries(
      keys.map((k) => [k, { count: counts.cells[k], sum: counts.cells[k] === null ? null : values[k].sum }]),
    ) as Record<K, PublishedCountAndSum>;
    const total = {
      count: counts.total,
      sum: counts.total === null ? null : sumOf(keys.map((k) => values[k].sum)),
    };
    return { cells, total };
  };
  const status = line(PLAN_STATUSES, counts.plans_by_status);
  const consultations = withSums(CONSULTATION_TYPES, counts.consultations);
  const compensations = withSums(COMPENSATION_TYPES, counts.compensations);
  // Risk groups, laptops and home connectivity exactly as the aggregates publish them.
  const aggregates = publishAggregates([
    {
      school_id: '',
      active_pupils: 0,
      by_group: counts.plans_by_group,
      laptops_issued: counts.laptops_issued,
      laptops_measured: counts.laptops_measured,
      laptops_connected: counts.laptops_connected,
    },
  ]).schools[0]!;
  return {
    suppressed: suppress,
    plans_by_status: status.cells,
    plans_total: status.total,
    plans_by_group: suppress ? aggregates.pupils_by_risk_group : { ...counts.plans_by_group },
    consultations: consultations.cells,
    consultations_total: consultations.total,
    compensations: compensations.cells,
    compensations_total: compensations.total,
    laptops_issued: suppress ? aggregates.laptops_issued : counts.laptops_issued,
    home_connectivity_share: suppress
      ? aggregates.home_connectivity_share
      : counts.laptops_measured > 0
        ? counts.laptops_connected / counts.laptops_measured
        : null,
    home_laptops_measured: suppress ? aggregates.home_laptops_measured : counts.laptops_measured,
  };
}

/** One school's raw figures for the national view, with where it is. */
export interface SchoolReportCounts {
  school_id: string;
  /** The school's name from the register (schools are public; pupils are not). */
  name: string;
  municipality: string;
  counts: SupportReportCounts;
}

/** The published figures of one line of the national view: a school, a municipality or the country. */
export type NationalViewLine = Omit<PublishedSupportReport, 'suppressed'>;

/** IKVD's national view of one semester: the country, each municipality and each school in it. */
export interface NationalView {
  min_published_count: number;
  national: NationalViewLine;
  municipalities: {
    municipality: string;
    line: NationalViewLine;
    schools: { school_id: string; name: string; line: NationalViewLine }[];
  }[];
}

/** Adds up several counts (a municipality's schools, the country's municipalities). */
function addCounts(all: readonly SupportReportCounts[]): SupportReportCounts {
  const out: SupportReportCounts = {
    plans_by_status: zeros(PLAN_STATUSES),
    plans_by_group: zeros(RISK_GROUPS),
    consultations: zeroSums(CONSULTATION_TYPES),
    compensations: zeroSums(COMPENSATION_TYPES),
    laptops_issued: 0,
    laptops_measured: 0,
    laptops_connected: 0,
  };
  for (const c of all) {
    for (const k of PLAN_STATUSES) out.plans_by_status[k] += c.plans_by_status[k];
    for (const k of RISK_GROUPS) out.plans_by_group[k] += c.plans_by_group[k];
    for (const k of CONSULTATION_TYPES) {
      out.consultations[k].count += c.consultations[k].count;
      out.consultations[k].sum += c.consultations[k].sum;
    }
    for (const k of COMPENSATION_TYPES) {
      out.compensations[k].count += c.compensations[k].count;
      out.compensations[k].sum += c.compensations[k].sum;
    }
    out.laptops_issued += c.laptops_issued;
    out.laptops_measured += c.laptops_measured;
    out.laptops_connected += c.laptops_connected;
  }
  return out;
}

/**
 * The national view (docs/pupil-support.md, "IKVD's national view"):
 * every school's semester figures, each municipality's and the
 * country's, suppressed as the aggregates are ({@link suppressLinked}):
 * counts below {@link MIN_PUBLISHED_COUNT} go, and a partner wherever one
 * would follow from a sum: across a line's categories (the plans' total,
 * the consultations' and compensations' totals), and down each column
 * from the schools to their municipality and from the municipalities to
 * the country. Risk groups have no total across (a plan may be in several).
 * Home connectivity is the laptops reaching 20 Mbit/s and those that do
 * not, tied to the laptops measured; its share is published only where
 * both are. Hours and euros go with their count. Pure.
 */
export function publishNationalView(schools: readonly SchoolReportCounts[]): NationalView {
  const municipalities = [...new Set(schools.map((s) => s.municipality))].sort((a, b) => a.localeCompare(b));
  const groups = municipalities.map((m) => ({
    municipality: m,
    schools: schools.filter((s) => s.municipality === m).sort((a, b) => a.name.localeCompare(b.name)),
  }));
  const muniCounts = groups.map((g) => addCounts(g.schools.map((s) => s.counts)));
  // Rows: the country, then each municipality followed by its schools.
  const rows: SupportReportCounts[] = [addCounts(muniCounts)];
  const muniRow: number[] = [];
  const schoolRows: number[][] = [];
  groups.forEach((g, m) => {
    muniRow.push(rows.length);
    rows.push(muniCounts[m]!);
    schoolRows.push(g.schools.map((s) => rows.push(s.counts) - 1));
  });
  // Which rows each column's sums tie: a municipality with its schools, the country with its municipalities.
  const columnSums: number[][] = [[0, ...muniRow], ...muniRow.map((r, m) => [r, ...schoolRows[m]!])];

  /** Suppresses a family of columns (one value per row each), with a total column when `total` is set. */
  const family = (columns: ((c: SupportReportCounts) => number)[], total: boolean): Published[][] => {
    const width = columns.length + (total ? 1 : 0);
    const values = rows.flatMap((c) => {
      const cells = columns.map((f) => f(c));
      return total ? [...cells, cells.reduce((a, b) => a + b, 0)] : cells;
    });
    const lines: number[][] = [];
    if (total) rows.forEach((_, r) => lines.push(Array.from({ length: width }, (_, k) => r * width + k)));
    for (let k = 0; k < width; k += 1)
      for (const sum of columnSums) lines.push(sum.map((r) => r * width + k));
    const hidden = suppressLinked(values, lines);
    return rows.map((_, r) =>
      Array.from({ length: width }, (_, k) => (hidden[r * width + k] ? null : values[r * width + k]!)),
    );
  };
  const keyed = <K extends string>(keys: readonly K[], cells: Published[]) =>
    Object.fromEntries(keys.map((k, i) => [k, cells[i]!])) as Record<K, Published>;

  const status = family(
    PLAN_STATUSES.map((k) => (c) => c.plans_by_status[k]),
    true,
  );
  const risk = family(
    RISK_GROUPS.map((k) => (c) => c.plans_by_group[k]),
    false,
  );
  const consult = family(
    CONSULTATION_TYPES.map((k) => (c) => c.consultations[k].count),
    true,
  );
  const compens = family(
    COMPENSATION_TYPES.map((k) => (c) => c.compensations[k].count),
    true,
  );
  const laptops = family([(c) => c.laptops_issued], false);
  const home = family([(c) => c.laptops_connected, (c) => c.laptops_measured - c.laptops_connected], true);

  const withSums = <K extends string>(
    keys: readonly K[],
    cells: Published[],
    sums: Record<K, CountAndSum>,
  ): { cells: Record<K, PublishedCountAndSum>; total: PublishedCountAndSum } => ({
    cells: Object.fromEntries(
      keys.map((k, i) => [k, { count: cells[i]!, sum: cells[i] === null ? null : sums[k].sum }]),
    ) as Record<K, PublishedCountAndSum>,
    total: {
      count: cells[keys.length]!,
      sum: cells[keys.length] === null ? null : sumOf(keys.map((k) => sums[k].sum)),
    },
  });
  const line = (r: number): NationalViewLine => {
    const c = rows[r]!;
    const s = status[r]!;
    const cons = withSums(CONSULTATION_TYPES, consult[r]!, c.consultations);
    const comp = withSums(COMPENSATION_TYPES, compens[r]!, c.compensations);
    const [connected = null, notConnected = null, measured = null] = home[r]!;
    const both = connected !== null && notConnected !== null && measured !== null;
    return {
      plans_by_status: keyed(PLAN_STATUSES, s),
      plans_total: s[PLAN_STATUSES.length]!,
      plans_by_group: keyed(RISK_GROUPS, risk[r]!),
      consultations: cons.cells,
      consultations_total: cons.total,
      compensations: comp.cells,
      compensations_total: comp.total,
      laptops_issued: laptops[r]![0]!,
      home_connectivity_share: both && measured > 0 ? connected / measured : null,
      home_laptops_measured: both ? measured : null,
    };
  };
  return {
    min_published_count: MIN_PUBLISHED_COUNT,
    national: line(0),
    municipalities: groups.map((g, m) => ({
      municipality: g.municipality,
      line: line(muniRow[m]!),
      schools: g.schools.map((s, i) => ({
        school_id: s.school_id,
        name: s.name,
        line: line(schoolRows[m]![i]!),
      })),
    })),
  };
}
