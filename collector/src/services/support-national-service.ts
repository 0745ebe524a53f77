import type { Store } from '../storage/store.js';
import {
  countSupportReport,
  publishNationalView,
  type NationalView,
  type SchoolReportCounts,
} from '../support/support-report.js';
import type { Semester } from '../support/support-rules.js';
import { homeConnectivity } from './support-aggregates-service.js';

/**
 * IKVD's national view of one semester (docs/pupil-support.md): every
 * school with plans of the semester or issued laptops, counted as its
 * semester report counts them, with each municipality's and the country's
 * sums, suppressed by {@link publishNationalView}. Home connectivity is
 * judged over the semester's days up to `now`. No pupil, name, personal
 * code or pseudonym is read into it beyond the counts.
 */
export async function supportNationalView(
  store: Store,
  semester: Semester,
  now: Date,
): Promise<NationalView & { semester: string }> {
  const plans = (await store.support.listPlans()).filter((p) => p.semester === semester.code);
  const laptops = await store.support.listLaptops();
  const since = new Date(`${semester.start}T00:00:00.000Z`);
  // The semester's last day whole, but nothing measured after now.
  const end = new Date(Date.parse(`${semester.end}T00:00:00.000Z`) + 86_400_000 - 1);
  const until = end < now ? end : now;
  const ids = new Set([...plans.map((p) => p.school_id), ...laptops.map((l) => l.school_id)]);
  const schools: SchoolReportCounts[] = [];
  for (const row of await store.listSchools()) {
    if (!ids.has(row.id)) continue;
    const home =
      since <= until ? await homeConnectivity(store, row.id, since, until) : { measured: 0, connected: 0 };
    schools.push({
      school_id: row.id,
      name: row.name,
      municipality: row.municipality,
      counts: countSupportReport(
        semester,
        plans.filter((p) => p.school_id === row.id),
        laptops.filter((l) => l.school_id === row.id),
        home,
      ),
    });
  }
  return { semester: semester.code, ...publishNationalView(schools) };
}
