/**
 * Addresses of the support forms and the API routes they write to. Ids
 * only: no name or personal code ever goes into an address.
 */

const enc = encodeURIComponent;

/** The school's support API root. */
export const schoolApi = (school: string): string => `/api/v1/support/schools/${enc(school)}`;

/** The plan API route. */
export const planApi = (school: string, plan: string): string => `${schoolApi(school)}/plans/${enc(plan)}`;

/** Page: add a pupil. */
export const newPupilHref = (school: string): string => `/support/schools/${enc(school)}/pupils/new`;

/** Page: a new plan for a pupil. */
export const newPlanHref = (school: string, pupil: string): string =>
  `/support/schools/${enc(school)}/pupils/${enc(pupil)}/plans/new`;

/** Page: edit a plan's contents. */
export const editPlanHref = (school: string, plan: string): string =>
  `/support/schools/${enc(school)}/plans/${enc(plan)}/edit`;

/** Page: a plan's agreement, consultations and compensations. */
export const planRecordsHref = (school: string, plan: string): string =>
  `/support/schools/${enc(school)}/plans/${enc(plan)}/records`;

/** Page: the school's attestations, remote-learning orders and issued laptops. */
export const schoolRecordsHref = (school: string): string => `/support/schools/${enc(school)}/records`;

/** The plan page (pages/support). */
export const planPageHref = (school: string, plan: string): string =>
  `/support/schools/${enc(school)}/plans/${enc(plan)}`;
