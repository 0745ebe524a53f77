/**
 * IKVD's national view as the API answers it (`GET /api/v1/support/national`,
 * collector/src/support/support-report.ts `publishNationalView`): counts
 * only, null where suppressed; no pupil in it.
 */

import { COMPENSATION_TYPES, CONSULTATION_TYPES, PLAN_STATUSES, RISK_GROUPS } from '../support/types.js';

/** A count as published: null when suppressed. */
export type Published = number | null;

/** A count with its sum (minutes of consultations, cents of compensations). */
export interface CountAndSum {
  count: Published;
  sum: Published;
}

export { COMPENSATION_TYPES, CONSULTATION_TYPES, PLAN_STATUSES, RISK_GROUPS };

/** The figures of a school, a municipality or the country. */
export interface NationalLine {
  plans_by_status: Record<(typeof PLAN_STATUSES)[number], Published>;
  plans_total: Published;
  plans_by_group: Record<(typeof RISK_GROUPS)[number], Published>;
  consultations: Record<(typeof CONSULTATION_TYPES)[number], CountAndSum>;
  consultations_total: CountAndSum;
  compensations: Record<(typeof COMPENSATION_TYPES)[number], CountAndSum>;
  compensations_total: CountAndSum;
  laptops_issued: Published;
  home_connectivity_share: number | null;
  home_laptops_measured: Published;
}

/** The whole view of one semester. */
export interface NationalView {
  semester: string;
  min_published_count: number;
  national: NationalLine;
  municipalities: {
    municipality: string;
    line: NationalLine;
    schools: { school_id: string; name: string; line: NationalLine }[];
  }[];
}

/** One row of the page's table: the country, a municipality or a school. */
export interface ViewRow {
  key: string;
  level: 'national' | 'municipality' | 'school';
  name: string;
  line: NationalLine;
}

/** The rows in reading order: the country, then each municipality followed by its schools. */
export function rowsOf(view: NationalView): ViewRow[] {
  const rows: ViewRow[] = [{ key: 'national', level: 'national', name: '', line: view.national }];
  for (const m of view.municipalities) {
    rows.push({ key: `m:${m.municipality}`, level: 'municipality', name: m.municipality, line: m.line });
    for (const s of m.schools)
      rows.push({ key: `s:${s.school_id}`, level: 'school', name: s.name, line: s.line });
  }
  return rows;
}

/** The semester before `code` (`2025/2026-1` → `2024/2025-2`). */
export function previousSemester(code: string): string {
  const m = /^(\d{4})\/(\d{4})-([12])$/.exec(code);
  if (!m) return code;
  const first = Number(m[1]);
  return m[3] === '2' ? `${first}/${first + 1}-1` : `${first - 1}/${first}-2`;
}
