import { describe, expect, it } from 'vitest';
import type { LaptopRecord, PlanRecord } from './support-records.js';
import { countSupportReport, publishSupportReport } from './support-report.js';
import { parseSemester, type PlanStatus } from './support-rules.js';

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
