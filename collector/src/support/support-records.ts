import type {
  ApprovalRecord,
  Approver,
  CompensationType,
  ConsultationType,
  IsoDate,
  PlanStatus,
  Programme,
  RiskGroup,
  SchoolFounder,
} from './support-rules.js';

/**
 * The pupil-support records as plain data, the shape the store keeps and
 * the service hands to the rules. Pure: no storage here.
 */

/** A pupil as stored: the pseudonym for joins, name and personal code only sealed. */
export interface PupilRecord {
  id: string;
  school_id: string;
  /** HMAC-SHA-256 of the personal code with the collector's pseudonym key (security/pupil-keys.ts). */
  pseudonym: string;
  programme: Programme;
  /** Grade (general education) or course (vocational). */
  grade: number;
  /** The class as the school writes it (`7.b`). */
  class_label: string;
  /** The name, sealed with AES-256-GCM; opened only for the school's coordinator and director. */
  name_sealed: string;
  /** The personal code, sealed likewise. */
  code_sealed: string;
  created_at: string;
  updated_at: string;
}

/** A risk of a plan, with its justification. */
export interface RiskItem {
  id: string;
  group: RiskGroup;
  justification: string;
}

/** A support measure and the plan's risks it addresses. */
export interface MeasureItem {
  id: string;
  description: string;
  risk_ids: string[];
}

/** An approval in the plan's trail: who approved in which role, when, in which round. */
export interface ApprovalItem extends ApprovalRecord {
  /** The approving account's id and email (staff, not pupil data). */
  user_id: string;
  user_email: string;
  /** When it was recorded. */
  at: string;
}

/** A return from approval: who sent the plan back, in which round, when and why. */
export interface ReturnItem {
  approver: Approver;
  round: number;
  on: IsoDate;
  reason: string;
  /** The returning account's id and email (staff, not pupil data). */
  user_id: string;
  user_email: string;
  at: string;
}

/** A consultation and its form (KA veidlapa). */
export interface ConsultationItem {
  id: string;
  type: ConsultationType;
  date: IsoDate;
  duration_min: number;
  pedagogue: string;
  remote: boolean;
  /** Reference of the consultation form. */
  form_ref: string | null;
  /** Day the pupil confirmed the consultation on the form; null until then. */
  confirmed_on: IsoDate | null;
}

/** A compensation for economic risk, with its expense document. */
export interface CompensationItem {
  id: string;
  type: CompensationType;
  /** `YYYY-MM`. */
  month: string;
  /** Whole cents: sums of money stay exact. */
  amount_cents: number;
  document_ref: string;
  /** Who attached the document: the coordinator or the accountant. */
  attached_by: 'coordinator' | 'accountant';
}

/** Who applied for the plan. */
export interface Application {
  on: IsoDate;
  /** The parent, or the pupil when adult. */
  by: 'parent' | 'pupil';
  document_ref: string;
}

/** Everything in a plan besides the columns lists need. */
export interface PlanBody {
  application: Application | null;
  prepared_on: IsoDate;
  /** The pedagogue-pupil agreement; null until signed. */
  agreement_on: IsoDate | null;
  approval_round: number;
  approvals: ApprovalItem[];
  /** Why the plan was stopped, when it was. */
  stop_reason: string | null;
  /** Returns from approval, oldest first; absent in plans never returned. */
  returns?: ReturnItem[];
  risks: RiskItem[];
  measures: MeasureItem[];
  consultations: ConsultationItem[];
  compensations: CompensationItem[];
}

/** A plan as stored. */
export interface PlanRecord {
  id: string;
  pupil_id: string;
  school_id: string;
  /** `2025/2026-1`. */
  semester: string;
  status: PlanStatus;
  founder: SchoolFounder;
  body: PlanBody;
  /** Sum of the compensations, whole cents. */
  spent_cents: number;
  /** Bumped by every write. */
  version: number;
  created_at: string;
  updated_at: string;
}

/** A municipality's attestation that it cannot fund the economic risk. */
export interface AttestationRecord {
  id: string;
  municipality: string;
  obtained_on: IsoDate;
  valid_from: IsoDate;
  valid_to: IsoDate;
  document_ref: string;
  created_at: string;
}

/** A pedagogue in a director's order, with the subject or support type taught. */
export interface OrderPedagogue {
  name: string;
  subject: string;
}

/** A director's order for remote learning. */
export interface OrderRecord {
  id: string;
  school_id: string;
  valid_from: IsoDate;
  valid_to: IsoDate;
  /** Reference to the school's procedure it follows. */
  procedure_ref: string;
  /** The pupils it covers, by pupil id. */
  pupil_ids: string[];
  pedagogues: OrderPedagogue[];
  platform: string;
  /** How receipt of a consultation is confirmed. */
  confirmation_method: string;
  /** Whether the regional coordinator was informed. */
  coordinator_informed: boolean;
  created_at: string;
}

/** A laptop issued to a pupil. */
export interface LaptopRecord {
  id: string;
  school_id: string;
  serial: string;
  model: string;
  /** The pupil it is issued to; null when not issued (or the pupil was erased). */
  pupil_id: string | null;
  issued_on: IsoDate | null;
  returned_on: IsoDate | null;
  condition: string;
  created_at: string;
  updated_at: string;
}

/** The approver a role acts as, or undefined for roles that do not approve. */
export function approverOf(role: string): Approver | undefined {
  return role === 'director' || role === 'municipal_coordinator' || role === 'ikvd' ? role : undefined;
}
