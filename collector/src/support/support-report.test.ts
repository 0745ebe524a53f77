import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MIN_PUBLISHED_COUNT } from './support-aggregates.js';
import type { LaptopRecord, PlanRecord } from './support-records.js';
import {
  countSupportReport,
  publishNationalView,
  publishSupportReport,
  type SupportReportCounts,
} from './support-report.js';
import { PLAN_STATUSES, parseSemester, type PlanStatus } from './support-rules.js';

// Synthetic records: only the fields the report counts are meaningful.
const SEMESTER = parseSemester('2025/2026-1')!;

const plan = (
  id: string,
  status: PlanStatus,
  semester: string,
  extra: Partial<PlanRecord['body']> = {},
): PlanRecord => ({
  id,
  pupil_id: `p-${id}`,
  school_id: 's1',
  semester,
  status,
  founder: 'municipality',
  body: {
    application: null,
    prepared_on: '2025-09-02',
    agreement_on: null,
    approval_round: 0,
    approvals: [],
    stop_reason: null,
    risks: [],
    measures: [],
    consultations: [],
    compensations: [],
    ...extra,
  },
  spent_cents: 0,
  version: 1,
  created_at: '2025-09-02T00:00:00.000Z',
  updated_at: '2025-09-02T00:00:00.000Z',
});

const consultation = (id: string, date: string, minutes: number) => ({
  id,
  type: 'psychologist' as const,
  date,
  duration_min: minutes,
  pedagogue: 'P',
  remote: false,
  form_ref: null,
  confirmed_on: null,
});

const laptop = (
  id: string,
  issued: string | null,
  returned: string | null,
  pupil: string | null = 'p',
): LaptopRecord => ({
  id,
  school_id: 's1',
  serial: id,
  model: 'M',
  pupil_id: pupil,
  issued_on: issued,
  returned_on: returned,
  condition: 'labs',
  created_at: '',
  updated_at: '',
});

describe('semester report counts', () => {
  const plans = [
    plan('a', 'Apstiprināts', SEMESTER.code, {
      risks: [
        { id: 'r1', group: 'economic', justification: 'j' },
        { id: 'r2', group: 'economic', justification: 'j' },
        { id: 'r3', group: 'family', justification: 'j' },
      ],
      consultations: [consultation('c1', '2025-10-01', 45), consultation('c2', '2026-01-05', 40)],
      compensations: [
        {
          id: 'k1',
          type: 'meals',
          month: '2025-10',
          amount_cents: 1250,
          document_ref: 'd',
          attached_by: 'coordinator',
        },
      ],
    }),
    plan('b', 'Projekts', SEMESTER.code, { consultations: [consultation('c3', '2025-11-01', 30)] }),
    plan('c', 'Apstiprināts', '2025/2026-2', { consultations: [consultation('c4', '2026-02-01', 600)] }),
  ];
  const laptops = [
    laptop('l1', '2025-08-01', null), // issued before, kept through the semester
    laptop('l2', '2025-08-01', '2025-09-15'), // returned during it
    laptop('l3', '2025-08-01', '2025-08-31'), // returned before
    laptop('l4', '2026-01-10', null), // issued after
    laptop('l5', null, null, null), // in storage
  ];

  it('counts the semester’s plans, their risk groups once per plan, consultations of its days and laptops issued for any of its days', () => {
    const counts = countSupportReport(SEMESTER, plans, laptops, { measured: 7, connected: 5 });
    expect(counts.plans_by_status).toMatchObject({ Apstiprināts: 1, Projekts: 1, Neaktīvs: 0 });
    expect(counts.plans_by_group).toEqual({ learning_school: 0, economic: 1, family: 1, social_health: 0 });
    expect(counts.consultations.psychologist).toEqual({ count: 2, sum: 75 });
    expect(counts.compensations.meals).toEqual({ count: 1, sum: 1250 });
    expect(counts.laptops_issued).toBe(2);
    const exact = publishSupportReport(counts, false);
    expect(exact.consultations_total).toEqual({ count: 2, sum: 75 });
    expect(exact.home_connectivity_share).toBeCloseTo(5 / 7);
  });

  it('suppresses small counts with their sums, and home connectivity unless five each way', () => {
    const many = Array.from({ length: 6 }, (_, i) =>
      plan(`m${i}`, i < 5 ? 'Īstenošanā' : 'Apturēts', SEMESTER.code, {
        consultations: [consultation(`x${i}`, '2025-10-02', 60)],
      }),
    );
    const counts = countSupportReport(SEMESTER, [...plans, ...many], laptops, { measured: 7, connected: 5 });
    const published = publishSupportReport(counts, true);
    // Five in progress published; stopped (1) alone would follow from the total, so the smallest other goes too.
    expect(published.plans_by_status.Īstenošanā).toBe(5);
    expect(published.plans_total).toBe(8);
    expect(Object.values(published.plans_by_status).filter((v) => v === null).length).toBeGreaterThanOrEqual(
      2,
    );
    expect(published.consultations.psychologist).toEqual({ count: 8, sum: 435 });
    expect(published.compensations.meals).toEqual({ count: null, sum: null });
    expect(published.compensations_total).toEqual({ count: null, sum: null });
    expect(published.laptops_issued).toBeNull();
    // Two laptops below 20 Mbit/s: the share would give them away.
    expect(published.home_connectivity_share).toBeNull();
    expect(published.home_laptops_measured).toBeNull();
  });
});

describe('national view', () => {
  /** A school's counts: `status` plans in Projekts and Apstiprināts, laptops, home connectivity. */
  const counts = (
    draft: number,
    approved: number,
    laptops = 0,
    connected = 0,
    notConnected = 0,
  ): SupportReportCounts => {
    const c = countSupportReport(SEMESTER, [], [], {
      measured: connected + notConnected,
      connected,
    });
    c.plans_by_status.Projekts = draft;
    c.plans_by_status.Apstiprināts = approved;
    c.plans_by_group.economic = approved;
    c.consultations.psychologist = { count: draft, sum: draft * 45 };
    c.laptops_issued = laptops;
    return c;
  };

  it('publishes every school, municipality and the country, and their home connectivity only from five each way', () => {
    const view = publishNationalView([
      { school_id: 'a', name: 'A skola', municipality: 'Cēsu novads', counts: counts(6, 7, 12, 6, 6) },
      { school_id: 'b', name: 'B skola', municipality: 'Cēsu novads', counts: counts(8, 9, 12, 6, 6) },
      { school_id: 'e', name: 'E skola', municipality: 'Cēsu novads', counts: counts(5, 5, 8, 6, 2) },
      { school_id: 'f', name: 'F skola', municipality: 'Cēsu novads', counts: counts(5, 5, 9, 6, 3) },
      { school_id: 'c', name: 'C skola', municipality: 'Valmieras novads', counts: counts(10, 11, 9) },
      { school_id: 'd', name: 'D skola', municipality: 'Valmieras novads', counts: counts(12, 13, 8) },
    ]);
    expect(view.national.plans_total).toBe(96);
    expect(view.municipalities.map((m) => [m.municipality, m.line.plans_total])).toEqual([
      ['Cēsu novads', 50],
      ['Valmieras novads', 46],
    ]);
    const [a, b, e, f] = view.municipalities[0]!.schools;
    expect(a!.line).toMatchObject({ home_connectivity_share: 0.5, home_laptops_measured: 12 });
    expect(b!.line).toMatchObject({ home_connectivity_share: 0.5, home_laptops_measured: 12 });
    // Two and three laptops below 20 Mbit/s: those shares would give them away.
    expect(e!.line).toMatchObject({ home_connectivity_share: null, home_laptops_measured: null });
    expect(f!.line).toMatchObject({ home_connectivity_share: null, home_laptops_measured: null });
    expect(view.municipalities[0]!.line).toMatchObject({
      home_connectivity_share: 24 / 41,
      home_laptops_measured: 41,
    });
    // Valmiera's laptops were never measured: no share, and the country's would equal Cēsu's.
    expect(view.municipalities[1]!.line.home_connectivity_share).toBeNull();
    expect(a!.line.consultations.psychologist).toEqual({ count: 6, sum: 270 });
  });

  it('never leaves one suppressed count that a sum across, or down to a municipality or the country, gives away', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            municipality: fc.constantFrom('Cēsu novads', 'Valmieras novads', 'Rīga'),
            draft: fc.nat(12),
            approved: fc.nat(12),
            laptops: fc.nat(12),
          }),
          { minLength: 1, maxLength: 9 },
        ),
        (schools) => {
          const view = publishNationalView(
            schools.map((s, i) => ({
              school_id: `s${i}`,
              name: `Skola ${i}`,
              municipality: s.municipality,
              counts: counts(s.draft, s.approved, s.laptops),
            })),
          );
          type Line = (typeof view)['national'];
          const columns: ((l: Line) => number | null)[] = [
            ...PLAN_STATUSES.map((k) => (l: Line) => l.plans_by_status[k]),
            (l) => l.plans_total,
            (l) => l.plans_by_group.economic,
            (l) => l.consultations.psychologist.count,
            (l) => l.consultations.psychologist.sum,
            (l) => l.laptops_issued,
          ];
          const lines: Line[][] = [
            [view.national, ...view.municipalities.map((m) => m.line)],
            ...view.municipalities.map((m) => [m.line, ...m.schools.map((s) => s.line)]),
          ];
          for (const f of columns) {
            for (const line of lines) expect(line.map(f).filter((v) => v === null).length).not.toBe(1);
          }
          for (const line of lines.flat()) {
            const across = [...PLAN_STATUSES.map((k) => line.plans_by_status[k]), line.plans_total];
            expect(across.filter((v) => v === null).length).not.toBe(1);
            for (const v of [...across, line.laptops_issued, line.plans_by_group.economic]) {
              if (v !== null) expect(v).toBeGreaterThanOrEqual(MIN_PUBLISHED_COUNT);
            }
          }
        },
      ),
    );
  });
});
