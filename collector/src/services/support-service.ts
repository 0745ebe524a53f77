import { ErrorCodes, SkolnetError, uuidv7 } from '@skolnet/shared';
import type { Principal } from '../auth/roles.js';
import { loadPupilKeys, stageRotation, type PupilKeyKind, type PupilKeys } from '../security/pupil-keys.js';
import type { Store } from '../storage/store.js';
import { checkPersonalCode } from '../support/personal-code.js';
import {
  approverOf,
  type Application,
  type AttestationRecord,
  type CompensationItem,
  type ConsultationItem,
  type LaptopRecord,
  type MeasureItem,
  type OrderPedagogue,
  type OrderRecord,
  type PlanRecord,
  type PupilRecord,
  type RiskItem,
} from '../support/support-records.js';
import {
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
  returnStatus,
  parseSemester,
  type IsoDate,
  type PlanFacts,
  type PlanState,
  type PlanStatus,
  type Programme,
  type SchoolFounder,
  type TargetGroupConfig,
  type Violation,
  violation,
  semesterOf,
} from '../support/support-rules.js';
import type { DataChanges } from './data-changes.js';

/** A refusal by the pupil-support rules: `SKOLNET_SUPPORT_RULES` with every violation. */
export class SupportRuleError extends SkolnetError {
  readonly violations: Violation[];
  /**
   * `badInput` makes it a `SKOLNET_API_BAD_REQUEST` (400) whose message
   * starts with the field's name, as the web forms tie a 400 to their field;
   * the violations still carry the stable code and lv/en text.
   */
  constructor(violations: Violation[], badInput?: { field: string; reason: string }) {
    super(
      badInput ? ErrorCodes.API_BAD_REQUEST : ErrorCodes.SUPPORT_RULES,
      badInput
        ? `${badInput.field}: ${badInput.reason}`
        : `refused by the pupil-support rules: ${violations.map((v) => v.code).join(', ')}`,
    );
    this.violations = violations;
  }
}

/** Settings of the pupil-support records. */
export interface SupportConfig extends TargetGroupConfig {
  /**
   * Days a pupil's records are kept after the end of the semester of their
   * newest plan; {@link SupportService.purgeExpired} erases older ones.
   */
  retention_days: number;
}

/**
 * Default settings: grades 1-4 in the project from the 2024/2025 school
 * year, and records kept three years after the last semester (the
 * project's documents are kept for audit; set by the operator's data
 * protection rules).
 */
export const DEFAULT_SUPPORT_CONFIG: SupportConfig = {
  grades_1_4_from: '2024-09-01',
  retention_days: 3 * 365,
};

/** Dependencies of {@link createSupportService}. */
export interface SupportServiceOptions {
  store: Store;
  /** The pupil-data keys; undefined turns every pupil-data operation into `SKOLNET_SUPPORT_UNAVAILABLE`. */
  keys: () => PupilKeys | undefined;
  config: SupportConfig;
  now: () => Date;
  /** Told when counts the plan reads may have changed. */
  changes?: DataChanges;
}

/** A pupil as routes show them: never the name, personal code or pseudonym. */
export interface PupilView {
  id: string;
  school_id: string;
  programme: Programme;
  grade: number;
  class_label: string;
}

/** A plan with the rule flags it raises today. */
export interface PlanView extends Omit<PlanRecord, 'body' | 'spent_cents'> {
  pupil: PupilView;
  body: PlanRecord['body'];
  spent_eur: number;
  next_approver: string | null;
  /** Where a return or withdrawal sends the plan while it is in approval, else null. */
  returns_to: 'Projekts' | 'Pārskatīšanā' | null;
  flags: Violation[];
}

/** What a new pupil needs. */
export interface NewPupilInput {
  name: string;
  personal_code: string;
  programme: Programme;
  grade: number;
  class_label: string;
}

/** The contents a coordinator writes in a draft or revision. */
export interface PlanContentInput {
  application?: Application | null;
  prepared_on?: IsoDate;
  risks?: (Omit<RiskItem, 'id'> & { id?: string })[];
  measures?: (Omit<MeasureItem, 'id'> & { id?: string })[];
}

/** A new plan. */
export interface NewPlanInput extends PlanContentInput {
  pupil_id: string;
  semester: string;
  prepared_on: IsoDate;
}

/** Who acts, for the audit log and the approval trail. */
export interface SupportActor {
  principal: Principal;
  ip?: string | null;
}

const badRequest = (message: string): SkolnetError => new SkolnetError(ErrorCodes.API_BAD_REQUEST, message);
const notFound = (what: string): SkolnetError =>
  new SkolnetError(ErrorCodes.API_NOT_FOUND, `${what} does not exist`);

const day = (d: Date): IsoDate => d.toISOString().slice(0, 10);

function requireDate(value: unknown, key: string): asserts value is IsoDate {
  if (!isIsoDate(value)) throw badRequest(`${key}: expected a calendar day YYYY-MM-DD`);
}

/** A pupil without identity, as every route shows them. */
export function pupilView(p: PupilRecord): PupilView {
  return {
    id: p.id,
    school_id: p.school_id,
    programme: p.programme,
    grade: p.grade,
    class_label: p.class_label,
  };
}

/** The pupil-support service: the rules over the store, with audit of every identity read. */
export interface SupportService {
  founder(schoolId: string): Promise<SchoolFounder>;
  setFounder(schoolId: string, founder: SchoolFounder): Promise<void>;
  /** Adds a pupil, or returns the existing one of the same personal code in the same school (`created: false`). */
  addPupil(schoolId: string, input: NewPupilInput): Promise<{ pupil: PupilView; created: boolean }>;
  listPupils(schoolId: string): Promise<PupilView[]>;
  /** Opens the pupil's name and personal code; writes the read to the audit log. */
  readIdentity(
    actor: SupportActor,
    schoolId: string,
    pupilId: string,
  ): Promise<{ id: string; name: string; personal_code: string }>;
  createPlan(actor: SupportActor, schoolId: string, input: NewPlanInput): Promise<PlanView>;
  listPlans(actor: SupportActor, schoolId: string): Promise<PlanView[]>;
  getPlan(actor: SupportActor, schoolId: string, planId: string): Promise<PlanView>;
  updatePlanContent(
    actor: SupportActor,
    schoolId: string,
    planId: string,
    input: PlanContentInput,
  ): Promise<PlanView>;
  setAgreement(actor: SupportActor, schoolId: string, planId: string, on: IsoDate): Promise<PlanView>;
  changeStatus(
    actor: SupportActor,
    schoolId: string,
    planId: string,
    to: PlanStatus,
    reason?: string | null,
  ): Promise<PlanView>;
  approve(actor: SupportActor, schoolId: string, planId: string): Promise<PlanView>;
  /**
   * Sends a plan in approval back to the school with a reason, by the
   * approver whose turn it is; it returns to its draft or revision and,
   * resubmitted, passes every approval again.
   */
  returnPlan(actor: SupportActor, schoolId: string, planId: string, reason: string): Promise<PlanView>;
  /**
   * The plans waiting for the actor's approval: a director's of their own
   * school, a municipal coordinator's of their municipality's municipal
   * schools, IKVD's of every school.
   */
  approvalQueue(actor: SupportActor): Promise<PlanView[]>;
  deletePlan(actor: SupportActor, schoolId: string, planId: string): Promise<void>;
  addConsultation(
    actor: SupportActor,
    schoolId: string,
    planId: string,
    input: Omit<ConsultationItem, 'id'>,
  ): Promise<PlanView>;
  confirmConsultation(
    actor: SupportActor,
    schoolId: string,
    planId: string,
    consultationId: string,
    on: IsoDate,
  ): Promise<PlanView>;
  addCompensation(
    actor: SupportActor,
    schoolId: string,
    planId: string,
    input: Omit<CompensationItem, 'id'>,
  ): Promise<PlanView>;
  addAttestation(
    schoolId: string,
    input: Omit<AttestationRecord, 'id' | 'municipality' | 'created_at'>,
  ): Promise<AttestationRecord>;
  listAttestations(schoolId: string): Promise<AttestationRecord[]>;
  addOrder(
    schoolId: string,
    input: Omit<OrderRecord, 'id' | 'school_id' | 'created_at'>,
  ): Promise<OrderRecord>;
  listOrders(schoolId: string): Promise<OrderRecord[]>;
  addLaptop(
    schoolId: string,
    input: Pick<LaptopRecord, 'serial' | 'model' | 'pupil_id' | 'issued_on' | 'returned_on' | 'condition'>,
  ): Promise<{ laptop: LaptopRecord; created: boolean }>;
  updateLaptop(
    schoolId: string,
    laptopId: string,
    patch: Partial<Pick<LaptopRecord, 'pupil_id' | 'issued_on' | 'returned_on' | 'condition'>>,
  ): Promise<LaptopRecord>;
  listLaptops(schoolId: string): Promise<LaptopRecord[]>;
  /** Everything held about one pupil, identity opened (audited). */
  exportPupil(actor: SupportActor, schoolId: string, pupilId: string): Promise<SubjectAccessExport>;
  /** Erases one pupil (audited); by pupil id within a school. */
  erasePupil(actor: SupportActor, schoolId: string, pupilId: string): Promise<void>;
  /** Erases one pupil found by personal code (its pseudonym), wherever they are; for the operator. */
  erasePupilByPersonalCode(actorLabel: string, personalCode: string): Promise<boolean>;
  /** Erases every pupil past the retention period; returns how many. */
  purgeExpired(): Promise<number>;
}

/** Everything held about one pupil, for a subject-access request. */
export interface SubjectAccessExport {
  exported_at: string;
  pupil: PupilView & { name: string; personal_code: string; pseudonym: string };
  plans: PlanRecord[];
  laptops: LaptopRecord[];
  orders: OrderRecord[];
}

/** Creates the {@link SupportService}. */
export function createSupportService(options: SupportServiceOptions): SupportService {
  const { store, config, now } = options;
  const support = store.support;

  const keys = async (): Promise<PupilKeys> => {
    const k = options.keys();
    if (!k) {
      throw new SkolnetError(
        ErrorCodes.SUPPORT_UNAVAILABLE,
        'pupil-support records are off: the collector has no key directory for pupil data (docs/pupil-support.md)',
      );
    }
    const recorded = await support.recordedKeyIds();
    if (recorded.pseudonym === undefined) {
      await support.recordKeyIds({ pseudonym: k.pseudonymKeyId, encryption: k.encryptionKeyId });
    } else if (recorded.pseudonym !== k.pseudonymKeyId || recorded.encryption !== k.encryptionKeyId) {
      throw new SkolnetError(
        ErrorCodes.SUPPORT_UNAVAILABLE,
        'the pupil-data key files are not the keys the database was written with: restore the right key directory',
      );
    }
    return k;
  };

  const audit = async (
    actor: SupportActor,
    action: string,
    target: string,
    details?: Record<string, unknown>,
  ) => {
    await store.accounts.appendAudit(
      {
        actor_user_id: actor.principal.user_id,
        actor: actor.principal.email,
        action,
        target,
        ...(details ? { details } : {}),
        ip: actor.ip ?? null,
      },
      now(),
    );
  };

  // The plan reads the support aggregates with the planning inputs, which only a full rebuild re-reads.
  const changed = (_schoolId: string): void => options.changes?.notify({ all: true });

  const pupilIn = async (schoolId: string, pupilId: string): Promise<PupilRecord> => {
    const pupil = await support.getPupil(pupilId);
    if (!pupil || pupil.school_id !== schoolId) throw notFound(`pupil ${pupilId} of this school`);
    return pupil;
  };

  const school = async (schoolId: string) => {
    const row = await store.getSchool(schoolId);
    if (!row) throw notFound(`school ${schoolId}`);
    return row;
  };

  /** The plan, if the actor may see it: a municipal coordinator has no part in a state school's plans. */
  const planIn = async (actor: SupportActor, schoolId: string, planId: string): Promise<PlanRecord> => {
    const plan = await support.getPlan(planId);
    if (!plan || plan.school_id !== schoolId) throw notFound(`plan ${planId} of this school`);
    if (actor.principal.role === 'municipal_coordinator' && plan.founder === 'state') {
      throw new SkolnetError(
        ErrorCodes.AUTH_FORBIDDEN,
        'a state school’s plans are approved without the municipality',
      );
    }
    return plan;
  };

  const facts = (plan: PlanRecord, pupil: PupilRecord, municipality: string): PlanFacts => ({
    id: plan.id,
    pupil: pupil.id,
    programme: pupil.programme,
    grade: pupil.grade,
    semester_code: plan.semester,
    municipality,
    application_on: plan.body.application?.on ?? null,
    prepared_on: plan.body.prepared_on,
    approvals: plan.body.approvals,
    agreement_on: plan.body.agreement_on,
    consultations: plan.body.consultations,
    risks: plan.body.risks,
    measures: plan.body.measures,
    compensations: plan.body.compensations.map((c) => ({ ...c, amount_eur: c.amount_cents / 100 })),
  });

  const view = async (plan: PlanRecord): Promise<PlanView> => {
    const pupil = (await support.getPupil(plan.pupil_id))!;
    const row = await school(plan.school_id);
    const flags = checkPlan(facts(plan, pupil, row.municipality), {
      attestations: await support.listAttestations(row.municipality),
      orders: (await support.listOrders(plan.school_id)).map((o) => ({
        id: o.id,
        valid_from: o.valid_from,
        valid_to: o.valid_to,
        pupils: o.pupil_ids,
        pedagogues: o.pedagogues.map((p) => p.name),
      })),
      config,
      today: day(now()),
    });
    const { spent_cents, ...rest } = plan;
    return {
      ...rest,
      pupil: pupilView(pupil),
      spent_eur: spent_cents / 100,
      next_approver: nextApprover(stateOf(plan)) ?? null,
      returns_to: returnStatus(stateOf(plan)) ?? null,
      flags,
    };
  };

  const stateOf = (plan: PlanRecord): PlanState => ({
    status: plan.status,
    founder: plan.founder,
    approval_round: plan.body.approval_round,
    approvals: plan.body.approvals,
  });

  const refuseIf = (violations: Violation[]): void => {
    if (violations.length > 0) throw new SupportRuleError(violations);
  };

  const withIds = <T extends { id?: string }>(
    items: readonly T[] | undefined,
    at: Date,
  ): (T & { id: string })[] =>
    (items ?? []).map((item) => ({ ...item, id: item.id ?? uuidv7(at.getTime()) }));

  const checkContent = (input: PlanContentInput): void => {
    if (input.prepared_on !== undefined) requireDate(input.prepared_on, 'prepared_on');
    if (input.application) requireDate(input.application.on, 'application.on');
  };

  const save = async (plan: PlanRecord): Promise<PlanView> => {
    const stored = await support.updatePlan(plan, now());
    changed(plan.school_id);
    return view(stored);
  };

  const editable: readonly PlanStatus[] = ['Projekts', 'Pārskatīšanā'];

  return {
    founder: (schoolId) => support.getFounder(schoolId),
    async setFounder(schoolId, founder) {
      await school(schoolId);
      await support.setFounder(schoolId, founder);
    },

    async addPupil(schoolId, input) {
      const k = await keys();
      await school(schoolId);
      const code = checkPersonalCode(input.personal_code);
      // The reason never contains the code itself (personal-code.ts).
      if (!code.ok) {
        throw new SupportRuleError([violation('SKOLNET_SUPPORT_PERSONAL_CODE_INVALID')], {
          field: 'personal_code',
          reason: code.reason,
        });
      }
      if (input.name.trim() === '') throw badRequest('name: must not be empty');
      // Rule 5 as of the day the pupil is added: the plan's semester is checked again when a plan is made.
      refuseIf(checkTargetGroup(input.programme, input.grade, semesterOf(day(now())), config));
      const pseudonym = k.pseudonym(code.normalized);
      const existing = await support.findPupilByPseudonym(pseudonym);
      const at = now().toISOString();
      if (existing) {
        // Another school's pupil: say so without saying whose.
        if (existing.school_id !== schoolId) {
          throw new SkolnetError(
            ErrorCodes.API_CONFLICT,
            'this personal code belongs to a pupil of another school',
          );
        }
        const same =
          existing.programme === input.programme &&
          existing.grade === input.grade &&
          existing.class_label === input.class_label &&
          k.open(existing.name_sealed, `pupil:${existing.id}:name`) === input.name.trim();
        if (same) return { pupil: pupilView(existing), created: false };
        const updated: PupilRecord = {
          ...existing,
          programme: input.programme,
          grade: input.grade,
          class_label: input.class_label,
          name_sealed: k.seal(input.name.trim(), `pupil:${existing.id}:name`),
          updated_at: at,
        };
        await support.updatePupil(updated);
        return { pupil: pupilView(updated), created: false };
      }
      const id = uuidv7(now().getTime());
      const pupil: PupilRecord = {
        id,
        school_id: schoolId,
        pseudonym,
        programme: input.programme,
        grade: input.grade,
        class_label: input.class_label,
        name_sealed: k.seal(input.name.trim(), `pupil:${id}:name`),
        code_sealed: k.seal(code.normalized, `pupil:${id}:code`),
        created_at: at,
        updated_at: at,
      };
      await support.insertPupil(pupil);
      return { pupil: pupilView(pupil), created: true };
    },

    async listPupils(schoolId) {
      return (await support.listPupils(schoolId)).map(pupilView);
    },

    async readIdentity(actor, schoolId, pupilId) {
      const k = await keys();
      const pupil = await pupilIn(schoolId, pupilId);
      // Written before the identity leaves: a read that cannot be audited does not happen.
      await audit(actor, 'pupil_identity_read', pupil.id, { school_id: schoolId });
      return {
        id: pupil.id,
        name: k.open(pupil.name_sealed, `pupil:${pupil.id}:name`),
        personal_code: k.open(pupil.code_sealed, `pupil:${pupil.id}:code`),
      };
    },

    async createPlan(actor, schoolId, input) {
      checkContent(input);
      const semester = parseSemester(input.semester);
      if (!semester) throw new SupportRuleError([violation('SKOLNET_SUPPORT_SEMESTER_INVALID')]);
      const pupil = await pupilIn(schoolId, input.pupil_id);
      refuseIf(checkTargetGroup(pupil.programme, pupil.grade, semester, config));
      const at = now();
      const risks = withIds(input.risks, at);
      const measures = withIds(input.measures, at);
      refuseIf(checkPlanContents(risks, measures));
      const plan = await support.insertPlan({
        id: uuidv7(at.getTime()),
        pupil_id: pupil.id,
        school_id: schoolId,
        semester: input.semester,
        status: 'Projekts',
        founder: await support.getFounder(schoolId),
        body: {
          application: input.application ?? null,
          prepared_on: input.prepared_on,
          agreement_on: null,
          approval_round: 0,
          approvals: [],
          stop_reason: null,
          risks,
          measures,
          consultations: [],
          compensations: [],
        },
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
      });
      await audit(actor, 'support_plan_created', plan.id, { school_id: schoolId });
      changed(schoolId);
      return view(plan);
    },

    async listPlans(actor, schoolId) {
      let plans = await support.listPlans([schoolId]);
      if (actor.principal.role === 'municipal_coordinator')
        plans = plans.filter((p) => p.founder !== 'state');
      const out: PlanView[] = [];
      for (const plan of plans) out.push(await view(plan));
      return out;
    },

    async getPlan(actor, schoolId, planId) {
      return view(await planIn(actor, schoolId, planId));
    },

    async updatePlanContent(actor, schoolId, planId, input) {
      checkContent(input);
      const plan = await planIn(actor, schoolId, planId);
      if (!editable.includes(plan.status)) {
        throw new SkolnetError(
          ErrorCodes.API_CONFLICT,
          `a plan is edited in Projekts or Pārskatīšanā, not ${plan.status}`,
        );
      }
      const at = now();
      const body = { ...plan.body };
      if (input.application !== undefined) body.application = input.application;
      if (input.prepared_on !== undefined) body.prepared_on = input.prepared_on;
      if (input.risks !== undefined) body.risks = withIds(input.risks, at);
      if (input.measures !== undefined) body.measures = withIds(input.measures, at);
      refuseIf(checkPlanContents(body.risks, body.measures));
      return save({ ...plan, body });
    },

    async setAgreement(actor, schoolId, planId, on) {
      requireDate(on, 'agreement_on');
      const plan = await planIn(actor, schoolId, planId);
      const body = { ...plan.body, agreement_on: on };
      refuseIf(
        checkDocumentOrder({
          ...body,
          application_on: body.application?.on ?? null,
          consultations: [],
        }).filter((v) => v.code === 'SKOLNET_SUPPORT_AGREEMENT_BEFORE_APPROVAL'),
      );
      return save({ ...plan, body });
    },

    async changeStatus(actor, schoolId, planId, to, reason) {
      const plan = await planIn(actor, schoolId, planId);
      if (to === 'Saskaņošanā') {
        // A plan goes to approval only with its application and contents in order.
        refuseIf([
          ...checkDocumentOrder({
            ...plan.body,
            application_on: plan.body.application?.on ?? null,
            agreement_on: null,
            consultations: [],
          }),
          ...checkPlanContents(plan.body.risks, plan.body.measures),
        ]);
      }
      const outcome = changeStatus(stateOf(plan), to, { reason: reason ?? null });
      if (!outcome.ok) throw new SupportRuleError(outcome.violations);
      const body = {
        ...plan.body,
        approval_round: outcome.value.approval_round,
        stop_reason: to === 'Apturēts' ? reason!.trim() : plan.body.stop_reason,
      };
      const saved = await save({ ...plan, status: outcome.value.status, body });
      await audit(actor, 'support_plan_status', plan.id, { from: plan.status, to });
      return saved;
    },

    async approve(actor, schoolId, planId) {
      const approver = approverOf(actor.principal.role);
      if (!approver)
        throw new SkolnetError(
          ErrorCodes.AUTH_FORBIDDEN,
          `role ${actor.principal.role} does not approve plans`,
        );
      const plan = await planIn(actor, schoolId, planId);
      const at = now();
      const outcome = approve(stateOf(plan), approver, day(at));
      if (!outcome.ok) throw new SupportRuleError(outcome.violations);
      const added = outcome.value.approvals.at(-1)!;
      const body = {
        ...plan.body,
        approvals: [
          ...plan.body.approvals,
          {
            ...added,
            user_id: actor.principal.user_id,
            user_email: actor.principal.email,
            at: at.toISOString(),
          },
        ],
      };
      const saved = await save({ ...plan, status: outcome.value.status, body });
      await audit(actor, 'support_plan_approved', plan.id, { approver, round: added.round });
      return saved;
    },

    async returnPlan(actor, schoolId, planId, reason) {
      const approver = approverOf(actor.principal.role);
      if (!approver)
        throw new SkolnetError(
          ErrorCodes.AUTH_FORBIDDEN,
          `role ${actor.principal.role} does not approve plans`,
        );
      const plan = await planIn(actor, schoolId, planId);
      const at = now();
      const outcome = returnFromApproval(stateOf(plan), approver, reason);
      if (!outcome.ok) throw new SupportRuleError(outcome.violations);
      const body = {
        ...plan.body,
        returns: [
          ...(plan.body.returns ?? []),
          {
            approver,
            round: plan.body.approval_round,
            on: day(at),
            reason: reason.trim(),
            user_id: actor.principal.user_id,
            user_email: actor.principal.email,
            at: at.toISOString(),
          },
        ],
      };
      const saved = await save({ ...plan, status: outcome.value.status, body });
      // The reason stays in the plan, which only its readers see; the audit log keeps who and when.
      await audit(actor, 'support_plan_returned', plan.id, { approver, round: plan.body.approval_round });
      return saved;
    },

    async approvalQueue(actor) {
      const { principal } = actor;
      const approver = approverOf(principal.role);
      if (!approver) return [];
      let schoolIds: string[] | undefined;
      if (approver === 'director') {
        schoolIds = principal.school_id == null ? [] : [principal.school_id];
      } else if (approver === 'municipal_coordinator') {
        schoolIds = (await store.listSchools())
          .filter((s) => principal.municipality != null && s.municipality === principal.municipality)
          .map((s) => s.id);
      }
      if (schoolIds?.length === 0) return [];
      const waiting = (await support.listPlans(schoolIds)).filter(
        (p) => p.status === 'Saskaņošanā' && nextApprover(stateOf(p)) === approver,
      );
      const out: PlanView[] = [];
      for (const plan of waiting) out.push(await view(plan));
      return out;
    },

    async deletePlan(actor, schoolId, planId) {
      const plan = await planIn(actor, schoolId, planId);
      refuseIf(checkDeletion(plan.spent_cents / 100));
      // The statement checks again, so a compensation added meanwhile keeps the plan.
      if (!(await support.deletePlan(plan.id))) refuseIf(checkDeletion(1));
      await audit(actor, 'support_plan_deleted', plan.id);
      changed(schoolId);
    },

    async addConsultation(actor, schoolId, planId, input) {
      requireDate(input.date, 'date');
      if (input.confirmed_on !== null) requireDate(input.confirmed_on, 'confirmed_on');
      const plan = await planIn(actor, schoolId, planId);
      const consultation: ConsultationItem = { ...input, id: uuidv7(now().getTime()) };
      const orders = await support.listOrders(schoolId);
      refuseIf([
        ...checkDocumentOrder({
          ...plan.body,
          application_on: plan.body.application?.on ?? plan.body.prepared_on,
          consultations: [consultation],
        }).filter((v) => v.record_id === consultation.id),
        // Judged on its own day: a confirmation may still come by the next day's end.
        ...checkRemoteConsultation(
          consultation,
          plan.pupil_id,
          orders.map((o) => ({ ...o, pupils: o.pupil_ids, pedagogues: o.pedagogues.map((p) => p.name) })),
          consultation.date,
        ),
      ]);
      return save({
        ...plan,
        body: { ...plan.body, consultations: [...plan.body.consultations, consultation] },
      });
    },

    async confirmConsultation(actor, schoolId, planId, consultationId, on) {
      requireDate(on, 'confirmed_on');
      const plan = await planIn(actor, schoolId, planId);
      const found = plan.body.consultations.find((c) => c.id === consultationId);
      if (!found) throw notFound(`consultation ${consultationId} of this plan`);
      const confirmed = { ...found, confirmed_on: on };
      refuseIf([
        ...checkDocumentOrder({
          ...plan.body,
          application_on: plan.body.application?.on ?? plan.body.prepared_on,
          consultations: [confirmed],
        }).filter((v) => v.code === 'SKOLNET_SUPPORT_FORM_BEFORE_CONSULTATION'),
        ...checkRemoteConsultation(confirmed, plan.pupil_id, [], on).filter(
          (v) => v.code === 'SKOLNET_SUPPORT_CONFIRMATION_LATE',
        ),
      ]);
      const consultations = plan.body.consultations.map((c) => (c.id === consultationId ? confirmed : c));
      return save({ ...plan, body: { ...plan.body, consultations } });
    },

    async addCompensation(actor, schoolId, planId, input) {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(input.month)) throw badRequest('month: expected YYYY-MM');
      if (!Number.isInteger(input.amount_cents) || input.amount_cents <= 0) {
        throw badRequest('amount: expected a positive sum in EUR with at most 2 decimals');
      }
      const plan = await planIn(actor, schoolId, planId);
      const row = await school(schoolId);
      refuseIf(
        checkCompensation({
          municipality: row.municipality,
          semester: parseSemester(plan.semester)!,
          prepared_on: plan.body.prepared_on,
          risk_groups: plan.body.risks.map((r) => r.group),
          attestations: await support.listAttestations(row.municipality),
        }),
      );
      const compensation: CompensationItem = { ...input, id: uuidv7(now().getTime()) };
      return save({
        ...plan,
        body: { ...plan.body, compensations: [...plan.body.compensations, compensation] },
      });
    },

    async addAttestation(schoolId, input) {
      for (const key of ['obtained_on', 'valid_from', 'valid_to'] as const) requireDate(input[key], key);
      if (input.valid_to < input.valid_from) throw badRequest('valid_to: must not be before valid_from');
      const row = await school(schoolId);
      const attestation: AttestationRecord = {
        ...input,
        id: uuidv7(now().getTime()),
        municipality: row.municipality,
        created_at: now().toISOString(),
      };
      await support.insertAttestation(attestation);
      return attestation;
    },

    async listAttestations(schoolId) {
      return support.listAttestations((await school(schoolId)).municipality);
    },

    async addOrder(schoolId, input) {
      requireDate(input.valid_from, 'valid_from');
      requireDate(input.valid_to, 'valid_to');
      if (input.valid_to < input.valid_from) throw badRequest('valid_to: must not be before valid_from');
      for (const id of input.pupil_ids) await pupilIn(schoolId, id);
      const order: OrderRecord = {
        ...input,
        pedagogues: input.pedagogues.map((p: OrderPedagogue) => ({
          name: p.name.trim(),
          subject: p.subject,
        })),
        id: uuidv7(now().getTime()),
        school_id: schoolId,
        created_at: now().toISOString(),
      };
      await support.insertOrder(order);
      return order;
    },

    listOrders: (schoolId) => support.listOrders(schoolId),

    async addLaptop(schoolId, input) {
      await school(schoolId);
      for (const key of ['issued_on', 'returned_on'] as const) {
        if (input[key] !== null) requireDate(input[key], key);
      }
      if (input.pupil_id !== null) await pupilIn(schoolId, input.pupil_id);
      const existing = await support.findLaptopBySerial(input.serial);
      const at = now().toISOString();
      if (existing) {
        if (existing.school_id !== schoolId) {
          throw new SkolnetError(
            ErrorCodes.API_CONFLICT,
            `laptop ${input.serial} is recorded for another school`,
          );
        }
        const next = { ...existing, ...input };
        const same = (Object.keys(input) as (keyof typeof input)[]).every((k) => existing[k] === input[k]);
        if (same) return { laptop: existing, created: false };
        const updated = { ...next, updated_at: at };
        await support.updateLaptop(updated);
        changed(schoolId);
        return { laptop: updated, created: false };
      }
      const laptop: LaptopRecord = {
        ...input,
        id: uuidv7(now().getTime()),
        school_id: schoolId,
        created_at: at,
        updated_at: at,
      };
      await support.insertLaptop(laptop);
      changed(schoolId);
      return { laptop, created: true };
    },

    async updateLaptop(schoolId, laptopId, patch) {
      const laptop = await support.getLaptop(laptopId);
      if (!laptop || laptop.school_id !== schoolId) throw notFound(`laptop ${laptopId} of this school`);
      for (const key of ['issued_on', 'returned_on'] as const) {
        const v = patch[key];
        if (v !== undefined && v !== null) requireDate(v, key);
      }
      if (patch.pupil_id) await pupilIn(schoolId, patch.pupil_id);
      const updated = { ...laptop, ...patch, updated_at: now().toISOString() };
      await support.updateLaptop(updated);
      changed(schoolId);
      return updated;
    },

    listLaptops: (schoolId) => support.listLaptops(schoolId),

    async exportPupil(actor, schoolId, pupilId) {
      const k = await keys();
      await pupilIn(schoolId, pupilId);
      const held = (await support.pupilHoldings(pupilId))!;
      await audit(actor, 'pupil_subject_access_export', pupilId, { school_id: schoolId });
      return {
        exported_at: now().toISOString(),
        pupil: {
          ...pupilView(held.pupil),
          name: k.open(held.pupil.name_sealed, `pupil:${pupilId}:name`),
          personal_code: k.open(held.pupil.code_sealed, `pupil:${pupilId}:code`),
          pseudonym: held.pupil.pseudonym,
        },
        plans: held.plans,
        laptops: held.laptops,
        // Other pupils an order names are theirs, not this pupil's: only this one is listed.
        orders: held.orders.map((o) => ({ ...o, pupil_ids: [pupilId] })),
      };
    },

    async erasePupil(actor, schoolId, pupilId) {
      await pupilIn(schoolId, pupilId);
      await support.erasePupil(pupilId, now());
      await audit(actor, 'pupil_erased', pupilId, { school_id: schoolId });
      changed(schoolId);
    },

    async erasePupilByPersonalCode(actorLabel, personalCode) {
      const k = await keys();
      const code = checkPersonalCode(personalCode);
      if (!code.ok) throw badRequest(`personal code: ${code.reason}`);
      const pupil = await support.findPupilByPseudonym(k.pseudonym(code.normalized));
      if (!pupil) return false;
      await support.erasePupil(pupil.id, now());
      await store.accounts.appendAudit(
        {
          actor: actorLabel,
          action: 'pupil_erased',
          target: pupil.id,
          details: { school_id: pupil.school_id },
        },
        now(),
      );
      changed(pupil.school_id);
      return true;
    },

    async purgeExpired() {
      const cutoff = day(new Date(now().getTime() - config.retention_days * 86_400_000));
      const expired = await support.pupilsInactiveSince(cutoff, (code) => parseSemester(code)?.end);
      for (const id of expired) {
        const pupil = await support.getPupil(id);
        await support.erasePupil(id, now());
        await store.accounts.appendAudit(
          {
            actor: 'system',
            action: 'pupil_erased_retention',
            target: id,
            details: { retention_days: config.retention_days },
          },
          now(),
        );
        if (pupil) changed(pupil.school_id);
      }
      return expired.length;
    },
  };
}

/**
 * Rotates one pupil-data key: a new key is staged beside the old, every
 * pupil is re-keyed in one transaction (new pseudonym from the opened
 * personal code, or name and code sealed anew) that also records the new
 * key's id, and then the new key file replaces the old. Run it with the
 * collector stopped: a running one notices the new key ids and refuses
 * pupil data (`SKOLNET_SUPPORT_UNAVAILABLE`) until it is restarted.
 */
export async function rotatePupilKey(
  store: Store,
  keyDir: string,
  kind: PupilKeyKind,
  now: Date,
): Promise<{ pupils: number; key_id: string }> {
  const current = loadPupilKeys(keyDir);
  const recorded = await store.support.recordedKeyIds();
  if (
    recorded.pseudonym !== undefined &&
    (recorded.pseudonym !== current.pseudonymKeyId || recorded.encryption !== current.encryptionKeyId)
  ) {
    throw new SkolnetError(
      ErrorCodes.SUPPORT_UNAVAILABLE,
      'the pupil-data key files are not the keys the database was written with: nothing rotated',
    );
  }
  const staged = stageRotation(keyDir, kind);
  const next = staged.keys;
  let pupils: number;
  try {
    pupils = await store.support.rekeyPupils(
      (p) => {
        const code = current.open(p.code_sealed, `pupil:${p.id}:code`);
        const name = current.open(p.name_sealed, `pupil:${p.id}:name`);
        return {
          pseudonym: next.pseudonym(code),
          name_sealed: next.seal(name, `pupil:${p.id}:name`),
          code_sealed: next.seal(code, `pupil:${p.id}:code`),
        };
      },
      { pseudonym: next.pseudonymKeyId, encryption: next.encryptionKeyId },
      now,
    );
  } catch (err) {
    // The database kept the old key: the new one goes.
    staged.abandon();
    throw err;
  }
  // Outside the try: once the database holds the new key's id, the new file must never be dropped
  // (a failed rename is settled at the next start by settleRotation).
  staged.commit();
  return { pupils, key_id: staged.newKeyId };
}
