/**
 * The pupil-support API's answers as the pages read them
 * (collector/src/services/support-service.ts, docs/pupil-support.md).
 * Pupils come without name, personal code or pseudonym; the identity is a
 * separate, audited read for the school's coordinator and director.
 */

/** The plan statuses as the project's database has them. */
export const PLAN_STATUSES = [
  'Projekts',
  'Saskaņošanā',
  'Apstiprināts',
  'Īstenošanā',
  'Pārskatīšanā',
  'Apturēts',
  'Neaktīvs',
] as const;
export type PlanStatus = (typeof PLAN_STATUSES)[number];

/** Risk groups (collector/src/support/support-rules.ts `RISK_GROUPS`). */
export const RISK_GROUPS = ['learning_school', 'economic', 'family', 'social_health'] as const;

/** Consultation types (collector/src/support/support-rules.ts `CONSULTATION_TYPES`). */
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

/** Compensation types (collector/src/support/support-rules.ts `COMPENSATION_TYPES`). */
export const COMPENSATION_TYPES = [
  'public_transport',
  'learning_materials',
  'accommodation',
  'meals',
  'personal_items',
  'special_transport',
] as const;

/** Who approves, in chain order. */
export type Approver = 'director' | 'municipal_coordinator' | 'ikvd';

/** A broken rule: stable code, its area and text in both languages from the API. */
export interface Violation {
  code: string;
  area: string;
  lv: string;
  en: string;
  record_id?: string;
}

/** A pupil as the API shows them. */
export interface SupportPupil {
  id: string;
  school_id: string;
  programme: 'general' | 'vocational';
  grade: number;
  class_label: string;
}

/** One approval of a plan's trail. */
export interface PlanApproval {
  approver: Approver;
  on: string;
  round: number;
  user_email: string;
  at: string;
}

/** A return from approval: who sent the plan back, in which round, and why. */
export interface PlanReturn {
  approver: Approver;
  round: number;
  on: string;
  reason: string;
  user_email: string;
  at: string;
}

/** A plan with its flags and the approver it waits for. */
export interface SupportPlan {
  id: string;
  pupil_id: string;
  school_id: string;
  semester: string;
  status: PlanStatus;
  founder: 'municipality' | 'state';
  version: number;
  created_at: string;
  updated_at: string;
  pupil: SupportPupil;
  spent_eur: number;
  next_approver: Approver | null;
  /** Where a return or withdrawal sends the plan while it is in approval (the rules decide), else null. */
  returns_to: 'Projekts' | 'Pārskatīšanā' | null;
  flags: Violation[];
  body: {
    application: { on: string; by: 'parent' | 'pupil'; document_ref: string } | null;
    prepared_on: string;
    agreement_on: string | null;
    approval_round: number;
    approvals: PlanApproval[];
    stop_reason: string | null;
    /** Returns from approval with their reasons, oldest first; absent when never returned. */
    returns?: PlanReturn[];
    risks: { id: string; group: string; justification: string }[];
    measures: { id: string; description: string; risk_ids: string[] }[];
    consultations: { id: string }[];
    compensations: { id: string }[];
  };
}

/** `GET …/pupils/:pupil_id/identity`: only for that school's coordinator and director. */
export interface PupilIdentity {
  id: string;
  name: string;
  personal_code: string;
}

/** The approver a signed-in role acts as, if any. */
export function approverOfRole(role: string | undefined): Approver | undefined {
  return role === 'director' || role === 'municipal_coordinator' || role === 'ikvd' ? role : undefined;
}

/** The plan page's address: ids only, never a name or personal code. */
export function planHref(plan: Pick<SupportPlan, 'school_id' | 'id'>): string {
  return `/support/schools/${encodeURIComponent(plan.school_id)}/plans/${encodeURIComponent(plan.id)}`;
}

/** The school's plans route. */
export function plansPath(schoolId: string): string {
  return `/api/v1/support/schools/${encodeURIComponent(schoolId)}/plans`;
}
