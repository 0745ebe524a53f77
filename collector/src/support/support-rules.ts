/**
 * The PuMPuRS pupil-support model and its rules, as pure functions over
 * plain data (docs/pupil-support.md). No storage, no fastify: a service
 * reads the records, asks these functions, and stores only what they allow.
 *
 * A broken rule is a value, {@link Violation}, with a stable code
 * (`SKOLNET_SUPPORT_…`) and text in Latvian and English; nothing here
 * throws for a rule. The texts never carry a name, personal code or
 * pseudonym: they name the record by its id at most.
 *
 * Dates are calendar days, `YYYY-MM-DD`. "Before" between two documents is
 * judged by day: documents of the same day keep their order (an agreement
 * signed the day the director approved the plan is in order).
 */

/** A calendar day, `YYYY-MM-DD`. */
export type IsoDate = string;

/** Plan statuses as the project's own database (PuMPuRS) names them. */
export const PLAN_STATUSES = [
  'Projekts',
  'Saskaņošanā',
  'Apstiprināts',
  'Īstenošanā',
  'Pārskatīšanā',
  'Apturēts',
  'Neaktīvs',
] as const;

/** A plan's status: draft, in approval, approved, in progress, under revision, stopped, inactive. */
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** Statuses in which a plan counts as active for the aggregates (approved and being carried out). */
export const ACTIVE_STATUSES: readonly PlanStatus[] = ['Apstiprināts', 'Īstenošanā', 'Pārskatīšanā'];

/** Risk groups of an individual support plan (IAP). */
export const RISK_GROUPS = ['learning_school', 'economic', 'family', 'social_health'] as const;

/** Learning and school; economic; family; social environment and health. */
export type RiskGroup = (typeof RISK_GROUPS)[number];

/** The eight consultation types of the project. */
export const CONSULTATION_TYPES = [
  'pedagogue',
  'psychologist',
  'social_pedagogue',
  'teacher_assistant',
  'special_education_pedagogue',
  'sign_language_interpreter',
  'assistant',
  'occupational_therapist',
] as const;

/** Who gives a consultation. */
export type ConsultationType = (typeof CONSULTATION_TYPES)[number];

/** Compensation types for economic risk. */
export const COMPENSATION_TYPES = [
  'public_transport',
  'learning_materials',
  'accommodation',
  'meals',
  'personal_items',
  'special_transport',
] as const;

/** Public transport tickets (home to school or placement and back), learning materials, accommodation, meals, personal-use items, special transport. */
export type CompensationType = (typeof COMPENSATION_TYPES)[number];

/** General education (grades 1-12) or vocational education (courses 1-4). */
export type Programme = 'general' | 'vocational';

/** Who founded the school: the municipality, or the state (state vocational schools). */
export type SchoolFounder = 'municipality' | 'state';

/** Who approves a plan, in the order of the chain. */
export type Approver = 'director' | 'municipal_coordinator' | 'ikvd';

/** One step of approval, as recorded. */
export interface ApprovalRecord {
  approver: Approver;
  /** Day of the approval. */
  on: IsoDate;
  /** The submission it belongs to ({@link PlanState.approval_round}). */
  round: number;
}

/** A plan's state as the status and approval rules see it. */
export interface PlanState {
  status: PlanStatus;
  founder: SchoolFounder;
  /** Increases at every submission for approval; approvals of earlier rounds do not count. */
  approval_round: number;
  approvals: readonly ApprovalRecord[];
}

/** What a rule is about: the documents' order, compensations, remote consultations, plan contents and target group are the project's rules; status, approval, a pupil's identity and import are skolnet's checks around them. */
export type RuleArea =
  'status' | 'approval' | 'order' | 'compensation' | 'remote' | 'plan' | 'target_group' | 'pupil' | 'import';

/** Every violation's code, with its Latvian and English text. */
export const SUPPORT_RULES = {
  SKOLNET_SUPPORT_STATUS_TRANSITION: {
    area: 'status',
    lv: 'Plāna statusu nevar mainīt no šī statusa uz prasīto.',
    en: 'The plan cannot move from its status to the one asked for.',
  },
  SKOLNET_SUPPORT_APPROVED_BY_CHAIN_ONLY: {
    area: 'status',
    lv: 'Plāns kļūst apstiprināts tikai pēc visiem saskaņojumiem.',
    en: 'A plan becomes approved only through every approval of its chain.',
  },
  SKOLNET_SUPPORT_NOT_IN_APPROVAL: {
    area: 'approval',
    lv: 'Plāns nav saskaņošanā.',
    en: 'The plan is not in approval.',
  },
  SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN: {
    area: 'approval',
    lv: 'Plānu tagad saskaņo cits saskaņotājs.',
    en: 'Another approver is next in the plan’s approval chain.',
  },
  SKOLNET_SUPPORT_RETURN_WITHOUT_REASON: {
    area: 'approval',
    lv: 'Atdodot plānu atpakaļ, jānorāda iemesls.',
    en: 'A plan is sent back with a reason.',
  },
  SKOLNET_SUPPORT_APPLICATION_MISSING: {
    area: 'order',
    lv: 'Nav vecāka (vai pilngadīga izglītojamā) iesnieguma.',
    en: 'There is no application of the parent (or of the pupil, if adult).',
  },
  SKOLNET_SUPPORT_PLAN_BEFORE_APPLICATION: {
    area: 'order',
    lv: 'Plāns sagatavots pirms iesnieguma.',
    en: 'The plan was prepared before the application.',
  },
  SKOLNET_SUPPORT_AGREEMENT_BEFORE_APPROVAL: {
    area: 'order',
    lv: 'Pedagoga un izglītojamā vienošanās noslēgta pirms direktora apstiprinājuma sistēmā.',
    en: 'The pedagogue-pupil agreement is dated before the director approved the plan in the system.',
  },
  SKOLNET_SUPPORT_CONSULTATION_BEFORE_AGREEMENT: {
    area: 'order',
    lv: 'Konsultācija notikusi pirms pedagoga un izglītojamā vienošanās.',
    en: 'The consultation is dated before the pedagogue-pupil agreement.',
  },
  SKOLNET_SUPPORT_FORM_BEFORE_CONSULTATION: {
    area: 'order',
    lv: 'Konsultācijas veidlapa (KA) apstiprināta pirms konsultācijas.',
    en: 'The consultation form (KA) is confirmed before the consultation took place.',
  },
  SKOLNET_SUPPORT_COMPENSATION_NOT_ECONOMIC: {
    area: 'compensation',
    lv: 'Kompensācija pienākas tikai plānam ar ekonomisko risku.',
    en: 'A compensation needs an economic risk in the plan.',
  },
  SKOLNET_SUPPORT_ATTESTATION_MISSING: {
    area: 'compensation',
    lv: 'Nav pašvaldības izziņas, ka tā nevar segt ekonomisko risku.',
    en: 'There is no attestation of the municipality that it cannot fund the economic risk.',
  },
  SKOLNET_SUPPORT_ATTESTATION_AFTER_PLAN: {
    area: 'compensation',
    lv: 'Pašvaldības izziņa saņemta pēc plāna sagatavošanas.',
    en: 'The municipality’s attestation was obtained after the plan was prepared.',
  },
  SKOLNET_SUPPORT_ATTESTATION_NOT_WHOLE_SEMESTER: {
    area: 'compensation',
    lv: 'Pašvaldības izziņa neaptver visu semestri.',
    en: 'The municipality’s attestation is not valid for the whole semester.',
  },
  SKOLNET_SUPPORT_REMOTE_NO_ORDER: {
    area: 'remote',
    lv: 'Attālinātai konsultācijai nav direktora rīkojuma, kas aptver tās datumu.',
    en: 'No director’s order for remote learning covers the remote consultation’s date.',
  },
  SKOLNET_SUPPORT_REMOTE_PUPIL_NOT_IN_ORDER: {
    area: 'remote',
    lv: 'Direktora rīkojumā nav šī izglītojamā.',
    en: 'The director’s order does not list the pupil.',
  },
  SKOLNET_SUPPORT_REMOTE_PEDAGOGUE_NOT_IN_ORDER: {
    area: 'remote',
    lv: 'Direktora rīkojumā nav šī pedagoga.',
    en: 'The director’s order does not list the pedagogue.',
  },
  SKOLNET_SUPPORT_CONFIRMATION_LATE: {
    area: 'remote',
    lv: 'Izglītojamā apstiprinājums datēts vēlāk par dienu pēc konsultācijas.',
    en: 'The pupil’s confirmation is dated later than the day after the consultation.',
  },
  SKOLNET_SUPPORT_CONFIRMATION_MISSING: {
    area: 'remote',
    lv: 'Izglītojamais nav apstiprinājis attālināto konsultāciju līdz nākamās dienas beigām.',
    en: 'The pupil did not confirm the remote consultation by the end of the day after it.',
  },
  SKOLNET_SUPPORT_STOP_WITHOUT_REASON: {
    area: 'plan',
    lv: 'Plāna apturēšanai jānorāda iemesls.',
    en: 'Stopping a plan needs a reason.',
  },
  SKOLNET_SUPPORT_DELETE_AFTER_SPENDING: {
    area: 'plan',
    lv: 'Plānu, kuram jau izlietoti līdzekļi, dzēst nevar.',
    en: 'A plan on which money has been spent cannot be deleted.',
  },
  SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK: {
    area: 'plan',
    lv: 'Atbalsta pasākumam jābūt saistītam ar vismaz vienu plāna risku.',
    en: 'A support measure must be linked to at least one of the plan’s risks.',
  },
  SKOLNET_SUPPORT_RISK_WITHOUT_JUSTIFICATION: {
    area: 'plan',
    lv: 'Riskam jānorāda pamatojums.',
    en: 'A risk needs its justification.',
  },
  SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE: {
    area: 'target_group',
    lv: 'Vispārējā izglītībā mērķa grupa ir 1.-12. klase.',
    en: 'In general education the target group is grades 1-12.',
  },
  SKOLNET_SUPPORT_GRADE_NOT_YET_IN_PROJECT: {
    area: 'target_group',
    lv: '1.-4. klase projektā iekļauta tikai no noteikta datuma.',
    en: 'Grades 1-4 are in the project only from the configured start date.',
  },
  SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE: {
    area: 'target_group',
    lv: 'Profesionālajā izglītībā mērķa grupa ir 1.-4. kurss.',
    en: 'In vocational education the target group is courses 1-4.',
  },
  SKOLNET_SUPPORT_PERSONAL_CODE_INVALID: {
    area: 'pupil',
    lv: 'Personas kods nav derīgs (11 cipari, NNNNNN-NNNNN, ar pareizu kontrolciparu).',
    en: 'The personal code is not valid (11 digits, NNNNNN-NNNNN, with a matching check digit).',
  },
  SKOLNET_SUPPORT_SEMESTER_INVALID: {
    area: 'plan',
    lv: 'Semestris jānorāda kā GGGG/GGGG-1 vai GGGG/GGGG-2.',
    en: 'A semester is written YYYY/YYYY-1 or YYYY/YYYY-2.',
  },
  SKOLNET_SUPPORT_IMPORT_HEADER: {
    area: 'import',
    lv: 'Failā trūkst obligātas kolonnas vai ir nezināma kolonna.',
    en: 'The file misses a required column or has a column the template does not know.',
  },
  SKOLNET_SUPPORT_IMPORT_FIELD: {
    area: 'import',
    lv: 'Lauks ir tukšs vai neatbilst veidnei.',
    en: 'A field is empty or not as the template describes it.',
  },
  SKOLNET_SUPPORT_IMPORT_PERSONAL_CODE: {
    area: 'import',
    lv: 'Personas kods nav derīgs.',
    en: 'The personal code is not valid.',
  },
  SKOLNET_SUPPORT_IMPORT_NO_RISK: {
    area: 'import',
    lv: 'Plānam jānorāda vismaz viens risks ar pamatojumu.',
    en: 'A plan needs at least one risk with its justification.',
  },
  SKOLNET_SUPPORT_IMPORT_DUPLICATE_ROW: {
    area: 'import',
    lv: 'Tam pašam izglītojamam un semestrim failā ir vairākas rindas.',
    en: 'The file has more than one row for the same pupil and semester.',
  },
  SKOLNET_SUPPORT_IMPORT_OTHER_SCHOOL: {
    area: 'import',
    lv: 'Izglītojamais ir reģistrēts citā skolā.',
    en: 'The pupil is recorded at another school.',
  },
  SKOLNET_SUPPORT_IMPORT_PLAN_LOCKED: {
    area: 'import',
    lv: 'Plāns jau ir saskaņošanā vai apstiprināts; to var mainīt tikai pārskatot.',
    en: 'The plan is in approval or approved already; it changes only through a revision.',
  },
} as const satisfies Record<string, { area: RuleArea; lv: string; en: string }>;

/** A violation's stable code. */
export type SupportRuleCode = keyof typeof SUPPORT_RULES;

/** One broken rule: a value, never an exception. */
export interface Violation {
  code: SupportRuleCode;
  area: RuleArea;
  lv: string;
  en: string;
  /** The record it is about (a consultation's or measure's id), when not the plan itself. */
  record_id?: string;
}

/** The violation of `code`, about `recordId` when given. */
export function violation(code: SupportRuleCode, recordId?: string): Violation {
  const rule = SUPPORT_RULES[code];
  return {
    code,
    area: rule.area,
    lv: rule.lv,
    en: rule.en,
    ...(recordId === undefined ? {} : { record_id: recordId }),
  };
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `value` is a real calendar day written `YYYY-MM-DD`. */
export function isIsoDate(value: unknown): value is IsoDate {
  if (typeof value !== 'string') return false;
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value;
}

/** `date` plus `days` calendar days. */
export function addDays(date: IsoDate, days: number): IsoDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/* ------------------------------------------------------------------ */
/* Semesters                                                           */
/* ------------------------------------------------------------------ */

/** A school year's semester and the days it spans. */
export interface Semester {
  /** `2025/2026-1` or `2025/2026-2`. */
  code: string;
  start: IsoDate;
  end: IsoDate;
}

const SEMESTER = /^(\d{4})\/(\d{4})-([12])$/;

/**
 * The days of a semester code, or undefined for a code that is not one.
 * The first semester spans 1 September to 31 December, the second
 * 1 January to 31 August: the school year's two halves as the project
 * reports them, with the summer (vocational placements) in the second, so
 * "valid for the whole semester" means these days.
 */
export function parseSemester(code: string): Semester | undefined {
  const m = SEMESTER.exec(code);
  if (!m) return undefined;
  const first = Number(m[1]);
  if (Number(m[2]) !== first + 1) return undefined;
  return m[3] === '1'
    ? { code, start: `${first}-09-01`, end: `${first}-12-31` }
    : { code, start: `${first + 1}-01-01`, end: `${first + 1}-08-31` };
}

/** The semester a day falls in. */
export function semesterOf(date: IsoDate): Semester {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  return month >= 9 ? parseSemester(`${year}/${year + 1}-1`)! : parseSemester(`${year - 1}/${year}-2`)!;
}

/* ------------------------------------------------------------------ */
/* Statuses and the approval chain                                    */
/* ------------------------------------------------------------------ */

/**
 * Status changes a person may ask for. `Saskaņošanā → Apstiprināts` is not
 * among them: only the last approval of the chain makes a plan approved
 * ({@link approve}). A plan in approval can be returned to its draft or
 * revision; an approved or running plan goes under revision (and through
 * every approval again) or is stopped; a stopped plan can be revised to
 * resume or closed; inactive is final.
 */
export const STATUS_TRANSITIONS: Readonly<Record<PlanStatus, readonly PlanStatus[]>> = {
  Projekts: ['Saskaņošanā', 'Neaktīvs'],
  Saskaņošanā: ['Projekts', 'Pārskatīšanā'],
  Apstiprināts: ['Īstenošanā', 'Pārskatīšanā', 'Apturēts', 'Neaktīvs'],
  Īstenošanā: ['Pārskatīšanā', 'Apturēts', 'Neaktīvs'],
  Pārskatīšanā: ['Saskaņošanā', 'Apturēts'],
  Apturēts: ['Pārskatīšanā', 'Neaktīvs'],
  Neaktīvs: [],
};

/** The approvers of a plan, in order: municipal schools add the municipal coordinator. */
export function approvalChain(founder: SchoolFounder): readonly Approver[] {
  return founder === 'municipality' ? ['director', 'municipal_coordinator', 'ikvd'] : ['director', 'ikvd'];
}

/** Who approves next, or undefined when the plan is not in approval or the round is complete. */
export function nextApprover(plan: PlanState): Approver | undefined {
  if (plan.status !== 'Saskaņošanā') return undefined;
  const done = plan.approvals.filter((a) => a.round === plan.approval_round).length;
  return approvalChain(plan.founder)[done];
}

/** What a transition yields: the new state, or the violations that refuse it. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; violations: Violation[] };

const refused = <T>(...violations: Violation[]): Outcome<T> => ({ ok: false, violations });

/**
 * Whether an earlier round of the plan's approval was complete, so the
 * plan had been approved before: a round with some approvals and a return
 * does not count.
 */
function approvedBefore(plan: PlanState): boolean {
  const chain = approvalChain(plan.founder).length;
  const perRound = new Map<number, number>();
  for (const a of plan.approvals) {
    if (a.round < plan.approval_round) perRound.set(a.round, (perRound.get(a.round) ?? 0) + 1);
  }
  return [...perRound.values()].some((n) => n >= chain);
}

/**
 * Where a plan in approval goes back to when it is returned or withdrawn:
 * its draft if it was never approved, else its revision; undefined when the
 * plan is not in approval. Pages offer the move this names, the rules judge it.
 */
export function returnStatus(plan: PlanState): 'Projekts' | 'Pārskatīšanā' | undefined {
  if (plan.status !== 'Saskaņošanā') return undefined;
  return approvedBefore(plan) ? 'Pārskatīšanā' : 'Projekts';
}

/**
 * A status change asked for by a person. Submitting for approval starts a
 * new approval round (so a revision passes every approval again); a
 * return from approval goes back to the draft, or to the revision when the
 * plan had been approved before; stopping needs a reason (rule 4).
 */
export function changeStatus(
  plan: PlanState,
  to: PlanStatus,
  options: { reason?: string | null } = {},
): Outcome<PlanState> {
  if (to === 'Apstiprināts' && plan.status === 'Saskaņošanā') {
    return refused(violation('SKOLNET_SUPPORT_APPROVED_BY_CHAIN_ONLY'));
  }
  if (!STATUS_TRANSITIONS[plan.status].includes(to)) {
    return refused(violation('SKOLNET_SUPPORT_STATUS_TRANSITION'));
  }
  if (plan.status === 'Saskaņošanā') {
    // A return: the draft if the plan was never approved, else the revision.
    if (to !== returnStatus(plan)) {
      return refused(violation('SKOLNET_SUPPORT_STATUS_TRANSITION'));
    }
  }
  if (to === 'Apturēts' && (options.reason ?? '').trim() === '') {
    return refused(violation('SKOLNET_SUPPORT_STOP_WITHOUT_REASON'));
  }
  const round = to === 'Saskaņošanā' ? plan.approval_round + 1 : plan.approval_round;
  return { ok: true, value: { ...plan, status: to, approval_round: round } };
}

/**
 * One approval by `approver` on `on`: refused unless the plan is in
 * approval and `approver` is next in its chain; the chain's last approval
 * makes the plan approved.
 */
export function approve(plan: PlanState, approver: Approver, on: IsoDate): Outcome<PlanState> {
  if (plan.status !== 'Saskaņošanā') return refused(violation('SKOLNET_SUPPORT_NOT_IN_APPROVAL'));
  if (nextApprover(plan) !== approver) return refused(violation('SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN'));
  const approvals = [...plan.approvals, { approver, on, round: plan.approval_round }];
  const complete = approvals.filter((a) => a.round === plan.approval_round).length;
  const status: PlanStatus = complete === approvalChain(plan.founder).length ? 'Apstiprināts' : 'Saskaņošanā';
  return { ok: true, value: { ...plan, status, approvals } };
}

/**
 * A return by `approver`, whose turn it is, with a reason: the plan goes
 * back to its draft (first submission) or to its revision (it had been
 * approved before), as {@link changeStatus} returns it, and its next
 * submission starts a new round, so it passes every approval again.
 */
export function returnFromApproval(
  plan: PlanState,
  approver: Approver,
  reason: string | null | undefined,
): Outcome<PlanState> {
  if (plan.status !== 'Saskaņošanā') return refused(violation('SKOLNET_SUPPORT_NOT_IN_APPROVAL'));
  if (nextApprover(plan) !== approver) return refused(violation('SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN'));
  if ((reason ?? '').trim() === '') return refused(violation('SKOLNET_SUPPORT_RETURN_WITHOUT_REASON'));
  return changeStatus(plan, approvedBefore(plan) ? 'Pārskatīšanā' : 'Projekts');
}

/* ------------------------------------------------------------------ */
/* Rule 1: documents in order                                          */
/* ------------------------------------------------------------------ */

/** A consultation as the rules see it. */
export interface ConsultationFacts {
  id: string;
  date: IsoDate;
  type: ConsultationType;
  /** The pedagogue (or specialist) who gave it, as written in the order. */
  pedagogue: string;
  remote: boolean;
  /** Day the pupil confirmed it on the consultation form (KA veidlapa); null before. */
  confirmed_on: IsoDate | null;
}

/** The documents of one plan, in the order the project requires them. */
export interface PlanDocuments {
  /** The application of the parent, or of the pupil if adult; null when missing. */
  application_on: IsoDate | null;
  prepared_on: IsoDate;
  approvals: readonly ApprovalRecord[];
  /** The pedagogue-pupil agreement; null while there is none. */
  agreement_on: IsoDate | null;
  consultations: readonly ConsultationFacts[];
}

/** The first day the director approved the plan in the system, if ever. */
export function directorApprovedOn(approvals: readonly ApprovalRecord[]): IsoDate | undefined {
  return approvals
    .filter((a) => a.approver === 'director')
    .map((a) => a.on)
    .sort()[0];
}

/**
 * Rule 1: application → plan → director's approval in the system →
 * pedagogue-pupil agreement → consultations → their forms. An agreement
 * before (or without) the director's approval, a consultation before (or
 * without) the agreement, and a form confirmed before its consultation are
 * refused.
 */
export function checkDocumentOrder(docs: PlanDocuments): Violation[] {
  const out: Violation[] = [];
  if (docs.application_on === null) out.push(violation('SKOLNET_SUPPORT_APPLICATION_MISSING'));
  else if (docs.prepared_on < docs.application_on) {
    out.push(violation('SKOLNET_SUPPORT_PLAN_BEFORE_APPLICATION'));
  }
  const approved = directorApprovedOn(docs.approvals);
  if (docs.agreement_on !== null && (approved === undefined || docs.agreement_on < approved)) {
    out.push(violation('SKOLNET_SUPPORT_AGREEMENT_BEFORE_APPROVAL'));
  }
  for (const c of docs.consultations) {
    if (docs.agreement_on === null || c.date < docs.agreement_on) {
      out.push(violation('SKOLNET_SUPPORT_CONSULTATION_BEFORE_AGREEMENT', c.id));
    }
    if (c.confirmed_on !== null && c.confirmed_on < c.date) {
      out.push(violation('SKOLNET_SUPPORT_FORM_BEFORE_CONSULTATION', c.id));
    }
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* Rule 2: compensations need an attestation                           */
/* ------------------------------------------------------------------ */

/** A municipality's attestation that it cannot fund the economic risk. */
export interface AttestationFacts {
  id: string;
  municipality: string;
  obtained_on: IsoDate;
  valid_from: IsoDate;
  valid_to: IsoDate;
}

/** What rule 2 needs to know about the plan a compensation belongs to. */
export interface CompensationContext {
  /** The school's municipality: its attestation counts. */
  municipality: string;
  semester: Semester;
  prepared_on: IsoDate;
  risk_groups: readonly RiskGroup[];
  attestations: readonly AttestationFacts[];
}

/**
 * Rule 2: a compensation needs an economic risk in the plan and an
 * attestation of the school's municipality obtained no later than the day
 * the plan was prepared and valid from the semester's first day to its
 * last. Names the first condition no attestation meets.
 */
export function checkCompensation(ctx: CompensationContext, recordId?: string): Violation[] {
  if (!ctx.risk_groups.includes('economic')) {
    return [violation('SKOLNET_SUPPORT_COMPENSATION_NOT_ECONOMIC', recordId)];
  }
  const own = ctx.attestations.filter((a) => a.municipality === ctx.municipality);
  if (own.length === 0) return [violation('SKOLNET_SUPPORT_ATTESTATION_MISSING', recordId)];
  const inTime = own.filter((a) => a.obtained_on <= ctx.prepared_on);
  if (inTime.length === 0) return [violation('SKOLNET_SUPPORT_ATTESTATION_AFTER_PLAN', recordId)];
  const whole = inTime.some((a) => a.valid_from <= ctx.semester.start && a.valid_to >= ctx.semester.end);
  return whole ? [] : [violation('SKOLNET_SUPPORT_ATTESTATION_NOT_WHOLE_SEMESTER', recordId)];
}

/* ------------------------------------------------------------------ */
/* Rule 3: remote consultations                                        */
/* ------------------------------------------------------------------ */

/** A director's order for remote learning, as rule 3 reads it. */
export interface RemoteOrderFacts {
  id: string;
  valid_from: IsoDate;
  valid_to: IsoDate;
  /** The pupils it lists, by pseudonym. */
  pupils: readonly string[];
  /** The pedagogues it lists, by name as written in the order. */
  pedagogues: readonly string[];
}

/** Pedagogue names compare without case or surrounding and repeated spaces. */
const samePerson = (a: string, b: string): boolean =>
  a.trim().replace(/\s+/g, ' ').toLocaleLowerCase('lv') ===
  b.trim().replace(/\s+/g, ' ').toLocaleLowerCase('lv');

/**
 * Rule 3: a remote consultation needs a director's order whose period
 * covers its day and which lists both the pupil and the pedagogue; the
 * pupil's confirmation is dated no later than the day after. A missing
 * confirmation is a violation only once that day is over (`today` is
 * later), until then it is pending. In-person consultations pass.
 */
export function checkRemoteConsultation(
  consultation: ConsultationFacts,
  pupil: string,
  orders: readonly RemoteOrderFacts[],
  today: IsoDate,
): Violation[] {
  if (!consultation.remote) return [];
  const out: Violation[] = [];
  const covering = orders.filter((o) => o.valid_from <= consultation.date && consultation.date <= o.valid_to);
  const withPupil = covering.filter((o) => o.pupils.includes(pupil));
  if (covering.length === 0) out.push(violation('SKOLNET_SUPPORT_REMOTE_NO_ORDER', consultation.id));
  else if (withPupil.length === 0) {
    out.push(violation('SKOLNET_SUPPORT_REMOTE_PUPIL_NOT_IN_ORDER', consultation.id));
  } else if (!withPupil.some((o) => o.pedagogues.some((p) => samePerson(p, consultation.pedagogue)))) {
    out.push(violation('SKOLNET_SUPPORT_REMOTE_PEDAGOGUE_NOT_IN_ORDER', consultation.id));
  }
  const deadline = addDays(consultation.date, 1);
  if (consultation.confirmed_on !== null && consultation.confirmed_on > deadline) {
    out.push(violation('SKOLNET_SUPPORT_CONFIRMATION_LATE', consultation.id));
  } else if (consultation.confirmed_on === null && today > deadline) {
    out.push(violation('SKOLNET_SUPPORT_CONFIRMATION_MISSING', consultation.id));
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* Rule 4: stopping, deleting, measures linked to risks                */
/* ------------------------------------------------------------------ */

/** A risk of a plan. */
export interface RiskFacts {
  id: string;
  group: RiskGroup;
  justification: string;
}

/** A support measure and the risks it addresses. */
export interface MeasureFacts {
  id: string;
  risk_ids: readonly string[];
}

/**
 * Rule 4 (contents): each support measure is linked to at least one of the
 * plan's own risks, and each risk carries its justification.
 */
export function checkPlanContents(
  risks: readonly RiskFacts[],
  measures: readonly MeasureFacts[],
): Violation[] {
  const out: Violation[] = [];
  for (const r of risks) {
    if (r.justification.trim() === '')
      out.push(violation('SKOLNET_SUPPORT_RISK_WITHOUT_JUSTIFICATION', r.id));
  }
  const ids = new Set(risks.map((r) => r.id));
  for (const m of measures) {
    if (!m.risk_ids.some((id) => ids.has(id)))
      out.push(violation('SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK', m.id));
  }
  return out;
}

/** Rule 4 (deletion): a plan may be deleted only while nothing has been spent on it. */
export function checkDeletion(spentEur: number): Violation[] {
  return spentEur > 0 ? [violation('SKOLNET_SUPPORT_DELETE_AFTER_SPENDING')] : [];
}

/* ------------------------------------------------------------------ */
/* Rule 5: target group                                                */
/* ------------------------------------------------------------------ */

/** Settings of the target-group rule. */
export interface TargetGroupConfig {
  /**
   * First day grades 1-4 belong to the project (they joined later than
   * grades 5-12). A semester that starts before it leaves them out.
   */
  grades_1_4_from: IsoDate;
}

/**
 * Rule 5: general education grades 1-12 (1-4 only in semesters starting on
 * or after the configured day), vocational courses 1-4.
 */
export function checkTargetGroup(
  programme: Programme,
  grade: number,
  semester: Semester,
  config: TargetGroupConfig,
): Violation[] {
  if (programme === 'vocational') {
    return Number.isInteger(grade) && grade >= 1 && grade <= 4
      ? []
      : [violation('SKOLNET_SUPPORT_COURSE_OUT_OF_RANGE')];
  }
  if (!Number.isInteger(grade) || grade < 1 || grade > 12)
    return [violation('SKOLNET_SUPPORT_GRADE_OUT_OF_RANGE')];
  if (grade <= 4 && semester.start < config.grades_1_4_from) {
    return [violation('SKOLNET_SUPPORT_GRADE_NOT_YET_IN_PROJECT')];
  }
  return [];
}

/* ------------------------------------------------------------------ */
/* A whole plan                                                        */
/* ------------------------------------------------------------------ */

/** A compensation as the rules see it. */
export interface CompensationFacts {
  id: string;
  type: CompensationType;
  /** `YYYY-MM`. */
  month: string;
  amount_eur: number;
}

/** Everything about one plan the rules read. */
export interface PlanFacts extends PlanDocuments {
  id: string;
  /** The pupil's pseudonym, as orders list pupils. */
  pupil: string;
  programme: Programme;
  grade: number;
  semester_code: string;
  municipality: string;
  risks: readonly RiskFacts[];
  measures: readonly MeasureFacts[];
  compensations: readonly CompensationFacts[];
}

/** The other records of the school the rules compare a plan with. */
export interface SchoolContext {
  attestations: readonly AttestationFacts[];
  orders: readonly RemoteOrderFacts[];
  config: TargetGroupConfig;
  /** Today, from the injected clock. */
  today: IsoDate;
}

/** Every rule over one plan: the flags the coordinator's list shows. */
export function checkPlan(plan: PlanFacts, school: SchoolContext): Violation[] {
  const semester = parseSemester(plan.semester_code);
  if (!semester) return [violation('SKOLNET_SUPPORT_SEMESTER_INVALID')];
  const out = [
    ...checkTargetGroup(plan.programme, plan.grade, semester, school.config),
    ...checkDocumentOrder(plan),
    ...checkPlanContents(plan.risks, plan.measures),
  ];
  for (const c of plan.consultations) {
    out.push(...checkRemoteConsultation(c, plan.pupil, school.orders, school.today));
  }
  const ctx: CompensationContext = {
    municipality: plan.municipality,
    semester,
    prepared_on: plan.prepared_on,
    risk_groups: plan.risks.map((r) => r.group),
    attestations: school.attestations,
  };
  for (const c of plan.compensations) out.push(...checkCompensation(ctx, c.id));
  return out;
}
