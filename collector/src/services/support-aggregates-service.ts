import type { Store } from '../storage/store.js';
import {
  HOME_CONNECTIVITY_MBPS,
  medianMbps,
  publishAggregates,
  type SchoolSupportCounts,
  type SupportAggregatesReport,
} from '../support/support-aggregates.js';
import { ACTIVE_STATUSES, RISK_GROUPS, semesterOf, type RiskGroup } from '../support/support-rules.js';

/** Days of measurements a laptop's home connectivity is judged over: a month of a pupil's use. */
export const HOME_CONNECTIVITY_WINDOW_DAYS = 30;

/** Measurements that carry a download rate (`download_mbps`, agent/src/probes/*\/README.md). */
const DOWNLOAD_MEASUREMENTS = ['throughput', 'ndt7'] as const;

/**
 * The raw per-school counts of the support records, for the schools that
 * have any (a pupil, a plan or a laptop): pupils with an active plan in
 * the semester of `now` (each pupil once, and once per risk group of the
 * plan), laptops issued and not returned, and of the agents enrolled with
 * the `issued_laptop` role, how many measured a download in the last
 * {@link HOME_CONNECTIVITY_WINDOW_DAYS} days and how many of those reach
 * {@link HOME_CONNECTIVITY_MBPS} (median). Raw counts never leave the
 * collector: {@link supportAggregates} publishes them.
 */
export async function collectSupportCounts(store: Store, now: Date): Promise<SchoolSupportCounts[]> {
  const today = now.toISOString().slice(0, 10);
  const semester = semesterOf(today).code;
  const support = store.support;
  const plans = (await support.listPlans()).filter(
    (p) => p.semester === semester && ACTIVE_STATUSES.includes(p.status),
  );
  const laptops = await support.listLaptops();
  const schoolIds = new Set<string>([
    ...(await support.schoolsWithPupils()),
    ...plans.map((p) => p.school_id),
    ...laptops.map((l) => l.school_id),
  ]);
  const since = new Date(now.getTime() - HOME_CONNECTIVITY_WINDOW_DAYS * 86_400_000);
  const out: SchoolSupportCounts[] = [];
  for (const schoolId of [...schoolIds].sort()) {
    const own = plans.filter((p) => p.school_id === schoolId);
    const pupilsIn = (group?: RiskGroup): number =>
      new Set(own.filter((p) => !group || p.body.risks.some((r) => r.group === group)).map((p) => p.pupil_id))
        .size;
    const issued = laptops.filter(
      (l) =>
        l.school_id === schoolId &&
        l.pupil_id !== null &&
        l.issued_on !== null &&
        l.issued_on <= today &&
        (l.returned_on === null || l.returned_on > today),
    ).length;
    const { measured, connected } = await homeConnectivity(store, schoolId, since);
    out.push({
      school_id: schoolId,
      active_pupils: pupilsIn(),
      by_group: Object.fromEntries(RISK_GROUPS.map((g) => [g, pupilsIn(g)])) as Record<RiskGroup, number>,
      laptops_issued: issued,
      laptops_measured: measured,
      laptops_connected: connected,
    });
  }
  return out;
}

/**
 * Home connectivity of one school's issued laptops between `since` and
 * `until` (default the read horizon): of the agents enrolled with the `issued_laptop` role (not
 * revoked), how many measured a successful download then, and how many of
 * those reach {@link HOME_CONNECTIVITY_MBPS} on their median. Counts only.
 */
export async function homeConnectivity(
  store: Store,
  schoolId: string,
  since: Date,
  until?: Date,
): Promise<{ measured: number; connected: number }> {
  const agents = (await store.listAgents(schoolId))
    .filter((a) => a.role === 'issued_laptop' && a.revoked_at === null)
    .map((a) => a.id);
  let measured = 0;
  let connected = 0;
  if (agents.length === 0) return { measured, connected };
  const results = await store.issuedLaptopResults(schoolId, since, DOWNLOAD_MEASUREMENTS, until);
  for (const agentId of agents) {
    const rates = results
      .filter((r) => r.agent_id === agentId && r.fields.result === 'success')
      .map((r) => Number(r.fields.download_mbps))
      .filter((v) => Number.isFinite(v) && v >= 0);
    const median = medianMbps(rates);
    if (median === undefined) continue;
    measured += 1;
    if (median >= HOME_CONNECTIVITY_MBPS) connected += 1;
  }
  return { measured, connected };
}

/**
 * The published (suppressed) aggregates of every school with support
 * records, or of the schools `include` keeps (a municipality's, for its
 * planner): the suppression is worked out over the schools published, so
 * the totals are theirs and no suppressed count follows from them.
 */
export async function supportAggregates(
  store: Store,
  now: Date,
  include?: (schoolId: string) => boolean,
): Promise<SupportAggregatesReport> {
  const counts = await collectSupportCounts(store, now);
  return publishAggregates(include ? counts.filter((c) => include(c.school_id)) : counts);
}
