import {
  publishAggregates,
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
