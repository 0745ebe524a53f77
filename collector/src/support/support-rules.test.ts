import { describe, expect, it } from 'vitest';
import {
  PLAN_STATUSES,
  STATUS_TRANSITIONS,
  SUPPORT_RULES,
  addDays,
  approvalChain,
  approve,
  changeStatus,
  returnFromApproval,
  checkCompensation,
  checkDeletion,
  checkDocumentOrder,
  checkPlan,
  checkPlanContents,
  checkRemoteConsultation,
  checkTargetGroup,
  isIsoDate,
  nextApprover,
  parseSemester,
  semesterOf,
  type CompensationContext,
  type ConsultationFacts,
  type PlanDocuments,
  type PlanFacts,
  type PlanState,
  type RemoteOrderFacts,
  type Violation,
} from './support-rules.js';
import { checkPersonalCode } from './personal-code.js';

const codes = (violations: readonly Violation[]): string[] => violations.map((v) => v.code);

describe('violation catalogue', () => {
  it('gives every code the SKOLNET_SUPPORT_ prefix and text in both languages', () => {
    for (const [code, rule] of Object.entries(SUPPORT_RULES)) {
      expect(code).toMatch(/^SKOLNET_SUPPORT_[A-Z0-9_]+$/);
      expect(rule.lv.length).toBeGreaterThan(10);
      expect(rule.en.length).toBeGreaterThan(10);
      expect(rule.lv).not.toBe(rule.en);
    }
  });
});

describe('dates and semesters', () => {
  it('reads real days only', () => {
    expect(isIsoDate('2025-02-28')).toBe(true);
    expect(isIsoDate('2025-02-29')).toBe(false);
    expect(isIsoDate('2025-2-1')).toBe(false);
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });
  it('spans the first semester over autumn and the second over spring and summer', () => {
    expect(parseSemester('2025/2026-1')).toEqual({
      code: '2025/2026-1',
      start: '2025-09-01',
      end: '2025-12-31',
    });
    expect(parseSemester('2025/2026-2')).toEqual({
      code: '2025/2026-2',
      start: '2026-01-01',
      end: '2026-08-31',
    });
    expect(parseSemester('2025/2027-1')).toBeUndefined();
    expect(parseSemester('2025-1')).toBeUndefined();
    expect(semesterOf('2025-10-10').code).toBe('2025/2026-1');
    expect(semesterOf('2026-03-10').code).toBe('2025/2026-2');
  });
});

describe('statuses and the approval chain', () => {
  const draft = (founder: PlanState['founder']): PlanState => ({
    status: 'Projekts',
    founder,
    approval_round: 0,
    approvals: [],
  });
  const ok = <T>(o: { ok: true; value: T } | { ok: false; violations: Violation[] }): T => {
    if (!o.ok) throw new Error(`refused: ${codes(o.violations).join(', ')}`);
    return o.value;
  };

  it('lets a municipal school’s plan through director, municipal coordinator, then IKVD', () => {
    expect(approvalChain('municipality')).toEqual(['director', 'municipal_coordinator', 'ikvd']);
    let plan = ok(changeStatus(draft('municipality'), 'Saskaņošanā'));
    expect(nextApprover(plan)).toBe('director');
    plan = ok(approve(plan, 'director', '2025-09-05'));
    expect(plan.status).toBe('Saskaņošanā');
    plan = ok(approve(plan, 'municipal_coordinator', '2025-09-06'));
    plan = ok(approve(plan, 'ikvd', '2025-09-07'));
    expect(plan.status).toBe('Apstiprināts');
    expect(nextApprover(plan)).toBeUndefined();
  });

  it('lets a state vocational school’s plan through director then IKVD', () => {
    let plan = ok(changeStatus(draft('state'), 'Saskaņošanā'));
    plan = ok(approve(plan, 'director', '2025-09-05'));
    expect(nextApprover(plan)).toBe('ikvd');
    plan = ok(approve(plan, 'ikvd', '2025-09-07'));
    expect(plan.status).toBe('Apstiprināts');
  });

  it('refuses an approval out of turn, and one of a plan not in approval', () => {
    const plan = ok(changeStatus(draft('municipality'), 'Saskaņošanā'));
    const early = approve(plan, 'ikvd', '2025-09-05');
    expect(early.ok).toBe(false);
    expect(!early.ok && codes(early.violations)).toEqual(['SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN']);
    const notInApproval = approve(draft('municipality'), 'director', '2025-09-05');
    expect(!notInApproval.ok && codes(notInApproval.violations)).toEqual(['SKOLNET_SUPPORT_NOT_IN_APPROVAL']);
    // A state school has no municipal step.
    const state = ok(approve(ok(changeStatus(draft('state'), 'Saskaņošanā')), 'director', '2025-09-05'));
    const municipal = approve(state, 'municipal_coordinator', '2025-09-06');
    expect(!municipal.ok && codes(municipal.violations)).toEqual(['SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN']);
  });

  it('sends a revision of an approved plan through every approval again', () => {
    let plan = ok(changeStatus(draft('municipality'), 'Saskaņošanā'));
    for (const a of approvalChain('municipality')) plan = ok(approve(plan, a, '2025-09-05'));
    plan = ok(changeStatus(plan, 'Īstenošanā'));
    plan = ok(changeStatus(plan, 'Pārskatīšanā'));
    plan = ok(changeStatus(plan, 'Saskaņošanā'));
    // The first round's three approvals do not count for the second.
    expect(nextApprover(plan)).toBe('director');
    expect(approve(plan, 'ikvd', '2025-10-01').ok).toBe(false);
    plan = ok(approve(plan, 'director', '2025-10-01'));
    plan = ok(approve(plan, 'municipal_coordinator', '2025-10-02'));
    expect(plan.status).toBe('Saskaņošanā');
    plan = ok(approve(plan, 'ikvd', '2025-10-03'));
    expect(plan.status).toBe('Apstiprināts');
    expect(plan.approvals).toHaveLength(6);
  });

  it('never approves by a status change, and refuses transitions not in the table', () => {
    const inApproval = ok(changeStatus(draft('state'), 'Saskaņošanā'));
    const direct = changeStatus(inApproval, 'Apstiprināts');
    expect(!direct.ok && codes(direct.violations)).toEqual(['SKOLNET_SUPPORT_APPROVED_BY_CHAIN_ONLY']);
    for (const from of PLAN_STATUSES) {
      for (const to of PLAN_STATUSES) {
        if (STATUS_TRANSITIONS[from].includes(to) || to === 'Apstiprināts') continue;
        const r = changeStatus({ ...draft('state'), status: from }, to, { reason: 'x' });
        expect(r.ok, `${from} → ${to}`).toBe(false);
      }
    }
    const final = changeStatus({ ...draft('state'), status: 'Neaktīvs' }, 'Projekts');
    expect(!final.ok && codes(final.violations)).toEqual(['SKOLNET_SUPPORT_STATUS_TRANSITION']);
  });

  it('returns a plan from approval to its draft, or to its revision once it had been approved', () => {
    const first = ok(changeStatus(draft('state'), 'Saskaņošanā'));
    expect(ok(changeStatus(first, 'Projekts')).status).toBe('Projekts');
    expect(changeStatus(first, 'Pārskatīšanā').ok).toBe(false);
    let plan = first;
    for (const a of approvalChain('state')) plan = ok(approve(plan, a, '2025-09-05'));
    plan = ok(changeStatus(ok(changeStatus(plan, 'Pārskatīšanā')), 'Saskaņošanā'));
    expect(changeStatus(plan, 'Projekts').ok).toBe(false);
    expect(ok(changeStatus(plan, 'Pārskatīšanā')).status).toBe('Pārskatīšanā');
  });

  it('returns a plan never approved to its draft, however many approvals its earlier rounds had', () => {
    // Round 1: the director approves, the municipal coordinator returns it.
    let plan = ok(approve(ok(changeStatus(draft('municipality'), 'Saskaņošanā')), 'director', '2025-09-05'));
    plan = ok(returnFromApproval(plan, 'municipal_coordinator', 'trūkst mērķu'));
    expect(plan.status).toBe('Projekts');
    // Round 2: still never approved, so a return goes to the draft again, not to a revision.
    plan = ok(approve(ok(changeStatus(plan, 'Saskaņošanā')), 'director', '2025-09-08'));
    expect(ok(changeStatus(plan, 'Projekts')).status).toBe('Projekts');
    expect(changeStatus(plan, 'Pārskatīšanā').ok).toBe(false);
    expect(ok(returnFromApproval(plan, 'municipal_coordinator', 'vēl trūkst')).status).toBe('Projekts');
  });

  it('lets only the approver whose turn it is return a plan, and only with a reason', () => {
    const plan = ok(
      approve(ok(changeStatus(draft('municipality'), 'Saskaņošanā')), 'director', '2025-09-05'),
    );
    const early = returnFromApproval(plan, 'ikvd', 'x');
    expect(!early.ok && codes(early.violations)).toEqual(['SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN']);
    const blank = returnFromApproval(plan, 'municipal_coordinator', '  ');
    expect(!blank.ok && codes(blank.violations)).toEqual(['SKOLNET_SUPPORT_RETURN_WITHOUT_REASON']);
    const notInApproval = returnFromApproval(draft('state'), 'director', 'x');
    expect(!notInApproval.ok && codes(notInApproval.violations)).toEqual(['SKOLNET_SUPPORT_NOT_IN_APPROVAL']);
    const returned = ok(returnFromApproval(plan, 'municipal_coordinator', 'x'));
    // The next submission is a new round: the director's approval of this one no longer counts.
    const again = ok(changeStatus(returned, 'Saskaņošanā'));
    expect(again.approval_round).toBe(plan.approval_round + 1);
    expect(nextApprover(again)).toBe('director');
  });
});

describe('rule 1: documents in order', () => {
  const consultation = (over: Partial<ConsultationFacts> = {}): ConsultationFacts => ({
    id: 'c1',
    date: '2025-09-20',
    type: 'psychologist',
    pedagogue: 'Anna Bērziņa',
    remote: false,
    confirmed_on: '2025-09-20',
    ...over,
  });
  const docs = (over: Partial<PlanDocuments> = {}): PlanDocuments => ({
    application_on: '2025-09-01',
    prepared_on: '2025-09-03',
    approvals: [{ approver: 'director', on: '2025-09-05', round: 1 }],
    agreement_on: '2025-09-08',
    consultations: [consultation()],
    ...over,
  });

  it('keeps: application, plan, director’s approval, agreement, consultation, form in order (same day allowed)', () => {
    expect(checkDocumentOrder(docs())).toEqual([]);
    expect(checkDocumentOrder(docs({ agreement_on: '2025-09-05', prepared_on: '2025-09-01' }))).toEqual([]);
    const sameDay = consultation({ date: '2025-09-08', confirmed_on: '2025-09-08' });
    expect(checkDocumentOrder(docs({ consultations: [sameDay] }))).toEqual([]);
  });
  it('breaks: no application, or a plan prepared before it', () => {
    expect(codes(checkDocumentOrder(docs({ application_on: null })))).toEqual([
      'SKOLNET_SUPPORT_APPLICATION_MISSING',
    ]);
    expect(codes(checkDocumentOrder(docs({ prepared_on: '2025-08-30' })))).toEqual([
      'SKOLNET_SUPPORT_PLAN_BEFORE_APPLICATION',
    ]);
  });
  it('breaks: an agreement before the director’s approval, or without one', () => {
    expect(codes(checkDocumentOrder(docs({ agreement_on: '2025-09-04' })))).toEqual([
      'SKOLNET_SUPPORT_AGREEMENT_BEFORE_APPROVAL',
    ]);
    expect(codes(checkDocumentOrder(docs({ approvals: [] })))).toEqual([
      'SKOLNET_SUPPORT_AGREEMENT_BEFORE_APPROVAL',
    ]);
  });
  it('breaks: a consultation before the agreement, or without one', () => {
    const early = checkDocumentOrder(
      docs({ consultations: [consultation({ date: '2025-09-07', confirmed_on: null })] }),
    );
    expect(early).toEqual([
      expect.objectContaining({ code: 'SKOLNET_SUPPORT_CONSULTATION_BEFORE_AGREEMENT', record_id: 'c1' }),
    ]);
    expect(codes(checkDocumentOrder(docs({ agreement_on: null })))).toEqual([
      'SKOLNET_SUPPORT_CONSULTATION_BEFORE_AGREEMENT',
    ]);
  });
  it('breaks: a form confirmed before its consultation', () => {
    expect(
      codes(checkDocumentOrder(docs({ consultations: [consultation({ confirmed_on: '2025-09-19' })] }))),
    ).toEqual(['SKOLNET_SUPPORT_FORM_BEFORE_CONSULTATION']);
  });
});

describe('rule 2: compensations need an attestation', () => {
  const ctx = (over: Partial<CompensationContext> = {}): CompensationContext => ({
    municipality: 'Cēsu novads',
    semester: parseSemester('2025/2026-1')!,
    prepared_on: '2025-09-03',
    risk_groups: ['economic', 'family'],
    attestations: [
      {
        id: 'a1',
        municipality: 'Cēsu novads',
        obtained_on: '2025-09-02',
        valid_from: '2025-09-01',
        valid_to: '2025-12-31',
      },
    ],
    ...over,
  });
  it('keeps: the municipality’s attestation obtained before the plan, valid for the whole semester', () => {
    expect(checkCompensation(ctx())).toEqual([]);
    expect(checkCompensation(ctx({ prepared_on: '2025-09-02' }))).toEqual([]);
  });
  it('breaks: no attestation, or only another municipality’s', () => {
    expect(codes(checkCompensation(ctx({ attestations: [] })))).toEqual([
      'SKOLNET_SUPPORT_ATTESTATION_MISSING',
    ]);
    expect(codes(checkCompensation(ctx({ municipality: 'Valmieras novads' })))).toEqual([
      'SKOLNET_SUPPORT_ATTESTATION_MISSING',
    ]);
  });
  it('breaks: an attestation obtained after the plan was prepared', () => {
    expect(codes(checkCompensation(ctx({ prepared_on: '2025-09-01' }), 'k1'))).toEqual([
      'SKOLNET_SUPPORT_ATTESTATION_AFTER_PLAN',
    ]);
  });
  it('breaks: an attestation that ends before the semester does, or starts after it began', () => {
    const short = ctx().attestations.map((a) => ({ ...a, valid_to: '2025-11-30' }));
    expect(codes(checkCompensation(ctx({ attestations: short })))).toEqual([
      'SKOLNET_SUPPORT_ATTESTATION_NOT_WHOLE_SEMESTER',
    ]);
    const late = ctx().attestations.map((a) => ({ ...a, valid_from: '2025-09-02' }));
    expect(codes(checkCompensation(ctx({ attestations: late })))).toEqual([
      'SKOLNET_SUPPORT_ATTESTATION_NOT_WHOLE_SEMESTER',
    ]);
  });
  it('breaks: a compensation on a plan without an economic risk', () => {
    expect(codes(checkCompensation(ctx({ risk_groups: ['family'] })))).toEqual([
      'SKOLNET_SUPPORT_COMPENSATION_NOT_ECONOMIC',
    ]);
  });
});

describe('rule 3: remote consultations', () => {
  const remote = (over: Partial<ConsultationFacts> = {}): ConsultationFacts => ({
    id: 'c9',
    date: '2025-10-10',
    type: 'pedagogue',
    pedagogue: 'Jānis Kalniņš',
    remote: true,
    confirmed_on: '2025-10-11',
    ...over,
  });
  const order: RemoteOrderFacts = {
    id: 'o1',
    valid_from: '2025-10-01',
    valid_to: '2025-10-31',
    pupils: ['p-1', 'p-2'],
    pedagogues: ['Jānis  Kalniņš'],
  };
  it('keeps: an order covering the day with pupil and pedagogue, confirmed by the next day', () => {
    expect(checkRemoteConsultation(remote(), 'p-1', [order], '2025-11-01')).toEqual([]);
    expect(checkRemoteConsultation(remote({ confirmed_on: null }), 'p-1', [order], '2025-10-11')).toEqual([]);
    // In-person consultations need no order.
    expect(checkRemoteConsultation(remote({ remote: false }), 'p-1', [], '2025-11-01')).toEqual([]);
  });
  it('breaks: no order covering the day', () => {
    expect(
      codes(
        checkRemoteConsultation(
          remote({ date: '2025-11-01', confirmed_on: '2025-11-01' }),
          'p-1',
          [order],
          '2025-11-05',
        ),
      ),
    ).toEqual(['SKOLNET_SUPPORT_REMOTE_NO_ORDER']);
  });
  it('breaks: an order without the pupil, or without the pedagogue', () => {
    expect(codes(checkRemoteConsultation(remote(), 'p-3', [order], '2025-11-01'))).toEqual([
      'SKOLNET_SUPPORT_REMOTE_PUPIL_NOT_IN_ORDER',
    ]);
    expect(
      codes(checkRemoteConsultation(remote({ pedagogue: 'Ilze Ozola' }), 'p-1', [order], '2025-11-01')),
    ).toEqual(['SKOLNET_SUPPORT_REMOTE_PEDAGOGUE_NOT_IN_ORDER']);
  });
  it('breaks: a confirmation two days later, or none once the next day is over', () => {
    expect(
      codes(checkRemoteConsultation(remote({ confirmed_on: '2025-10-12' }), 'p-1', [order], '2025-11-01')),
    ).toEqual(['SKOLNET_SUPPORT_CONFIRMATION_LATE']);
    expect(
      codes(checkRemoteConsultation(remote({ confirmed_on: null }), 'p-1', [order], '2025-10-12')),
    ).toEqual(['SKOLNET_SUPPORT_CONFIRMATION_MISSING']);
  });
});

describe('rule 4: stopping, deleting, measures linked to risks', () => {
  const running: PlanState = { status: 'Īstenošanā', founder: 'state', approval_round: 1, approvals: [] };
  it('keeps: a stop with a reason', () => {
    const r = changeStatus(running, 'Apturēts', { reason: 'izglītojamais pārcēlies uz citu skolu' });
    expect(r.ok && r.value.status).toBe('Apturēts');
  });
  it('breaks: a stop without a reason, or with only spaces', () => {
    for (const reason of [undefined, '', '   ']) {
      const r = changeStatus(running, 'Apturēts', { reason });
      expect(!r.ok && codes(r.violations)).toEqual(['SKOLNET_SUPPORT_STOP_WITHOUT_REASON']);
    }
  });
  it('keeps a deletion with nothing spent and breaks one with money spent', () => {
    expect(checkDeletion(0)).toEqual([]);
    expect(codes(checkDeletion(0.01))).toEqual(['SKOLNET_SUPPORT_DELETE_AFTER_SPENDING']);
  });
  it('keeps measures linked to the plan’s risks; breaks one with no link or a link to another plan’s risk', () => {
    const risks = [{ id: 'r1', group: 'economic' as const, justification: 'ģimenei nav ienākumu' }];
    expect(checkPlanContents(risks, [{ id: 'm1', risk_ids: ['r1'] }])).toEqual([]);
    expect(codes(checkPlanContents(risks, [{ id: 'm1', risk_ids: [] }]))).toEqual([
      'SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK',
    ]);
    expect(codes(checkPlanContents(risks, [{ id: 'm1', risk_ids: ['r-other'] }]))).toEqual([
      'SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK',
    ]);
  });
  it('breaks a risk without its justification', () => {
    expect(codes(checkPlanContents([{ id: 'r1', group: 'family', justification: ' ' }], []))).toEqual([
      'SKOLNET_SUPPORT_RISK_WITHOUT_JUSTIFICATION',
    ]);
  });
});

describe('rule 5: target group', () => {
  const config = { grades_1_4_from: '2024-09-01' };
  const autumn2025 = parseSemester('2025/2026-1')!;
  const autumn2023 = parseSemester('2023/2024-1')!;
  it('keeps grades 1-12 (1-4 from the start date) and courses 1-4', () => {
    for (const grade of [1, 4, 5, 12])
      expect(checkTargetGroup('general', grade, autumn2025, config)).toEqual([]);
    for (const grade of [5, 12]) expect(checkTargetGroup('general', grade, autumn2023, config)).toEqual([]);
    for (const course of [1, 4])
      expect(checkTargetGroup('vocational', course, autumn2023, config)).toEqual([]);
  });
  it('breaks grade 0 or 13, grades 1-4 before the start date, course 5', () => {
    expect(codes(checkTargetGroup('general', 0, autumn2025, config))).toEqual([
      'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE',
    ]);
    expect(codes(checkTargetGroup('general', 13, autumn2025, config))).toEqual([
      'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE',
    ]);
    expect(codes(checkTargetGroup('general', 2.5, autumn2025, config))).toEqual([
      'SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE',
    ]);
    expect(codes(checkTargetGroup('general', 4, autumn2023, config))).toEqual([
      'SKOLNET_SUPPORT_GRADE_NOT_YET_IN_PROJECT',
    ]);
    expect(codes(checkTargetGroup('vocational', 5, autumn2025, config))).toEqual([
      'SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE',
    ]);
    expect(codes(checkTargetGroup('vocational', 0, autumn2025, config))).toEqual([
      'SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE',
    ]);
  });
});

describe('a whole plan', () => {
  const plan: PlanFacts = {
    id: 'plan-1',
    pupil: 'p-1',
    programme: 'general',
    grade: 7,
    semester_code: '2025/2026-1',
    municipality: 'Cēsu novads',
    application_on: '2025-09-01',
    prepared_on: '2025-09-03',
    approvals: [{ approver: 'director', on: '2025-09-05', round: 1 }],
    agreement_on: '2025-09-08',
    consultations: [],
    risks: [{ id: 'r1', group: 'learning_school', justification: 'nesekmība matemātikā' }],
    measures: [{ id: 'm1', risk_ids: ['r1'] }],
    compensations: [{ id: 'k1', type: 'meals', month: '2025-10', amount_eur: 40 }],
  };
  const school = {
    attestations: [],
    orders: [],
    config: { grades_1_4_from: '2024-09-01' },
    today: '2025-10-01',
  };
  it('flags every rule a plan breaks, each with its record', () => {
    expect(codes(checkPlan(plan, school))).toEqual(['SKOLNET_SUPPORT_COMPENSATION_NOT_ECONOMIC']);
    expect(codes(checkPlan({ ...plan, compensations: [] }, school))).toEqual([]);
    expect(codes(checkPlan({ ...plan, semester_code: 'rudens' }, school))).toEqual([
      'SKOLNET_SUPPORT_SEMESTER_INVALID',
    ]);
  });
  it('never puts the pupil’s pseudonym into a violation', () => {
    const flags = checkPlan(
      {
        ...plan,
        consultations: [
          {
            id: 'c1',
            date: '2025-09-10',
            type: 'pedagogue',
            pedagogue: 'X',
            remote: true,
            confirmed_on: null,
          },
        ],
      },
      school,
    );
    expect(flags.length).toBeGreaterThan(0);
    expect(JSON.stringify(flags)).not.toContain('p-1');
  });
});

describe('personal code', () => {
  it('takes the dated form with its check digit, and the undated 32 form', () => {
    expect(checkPersonalCode('161175-19997')).toEqual({
      ok: true,
      kind: 'dated',
      normalized: '161175-19997',
    });
    expect(checkPersonalCode(' 16117519997 ')).toMatchObject({ ok: true, normalized: '161175-19997' });
    expect(checkPersonalCode('010101-12343')).toMatchObject({ ok: true, kind: 'dated' });
    expect(checkPersonalCode('321234-56789')).toEqual({
      ok: true,
      kind: 'undated',
      normalized: '321234-56789',
    });
  });
  it('refuses a wrong check digit, a date that is not one, a bad century and the wrong length', () => {
    expect(checkPersonalCode('161175-19996')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('check digit'),
    });
    expect(checkPersonalCode('310275-10003')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('date'),
    });
    expect(checkPersonalCode('161175-39997')).toMatchObject({
      ok: false,
      reason: expect.stringContaining('century'),
    });
    expect(checkPersonalCode('16117-19997')).toMatchObject({ ok: false });
    expect(checkPersonalCode('abcdef-ghijk')).toMatchObject({ ok: false });
  });
  it('never repeats the code in its reason', () => {
    const r = checkPersonalCode('161175-19996');
    expect(!r.ok && r.reason).not.toContain('161175');
  });
});
