import type { Store } from '../storage/store.js';
import {
  countSupportReport,
  publishSupportReport,
  type PublishedSupportReport,
} from '../support/support-report.js';
import type { Semester } from '../support/support-rules.js';
import { homeConnectivity } from './support-aggregates-service.js';

/**
 * The semester report of one school (exact: for its coordinator, director
 * and IKVD) or of every school (suppressed: aggregates a planner may read).
 * Home connectivity is judged over the semester's days up to `now`.
 */
export async function supportReport(
  store: Store,
  semester: Semester,
  now: Date,
  schoolId?: string,
): Promise<PublishedSupportReport> {
  const plans = await store.support.listPlans(schoolId === undefined ? undefined : [schoolId]);
  const laptops = await store.support.listLaptops(schoolId);
  const since = new Date(`${semester.start}T00:00:00.000Z`);
  // The semester's last day whole, but nothing measured after now.
  const end = new Date(Date.parse(`${semester.end}T00:00:00.000Z`) + 86_400_000 - 1);
  const until = end < now ? end : now;
  const schools =
    schoolId === undefined
      ? [...new Set([...plans.map((p) => p.school_id), ...laptops.map((l) => l.school_id)])].sort()
      : [schoolId];
  let measured = 0;
  let connected = 0;
  if (since <= until) {
    for (const id of schools) {
      const home = await homeConnectivity(store, id, since, until);
      measured += home.measured;
      connected += home.connected;
    }
  }
  const counts = countSupportReport(semester, plans, laptops, { measured, connected });
  return publishSupportReport(counts, schoolId === undefined);
}
