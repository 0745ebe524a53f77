import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { PlanFormPage } from './PlanFormPage.js';
import { PlanRecordsPage } from './PlanRecordsPage.js';
import { PupilFormPage } from './PupilFormPage.js';
import { SchoolRecordsPage } from './SchoolRecordsPage.js';

/**
 * The pupil-support forms (docs/pupil-support.md): a pupil, a plan's
 * contents, its agreement, consultations and compensations, and the
 * school's attestations, remote-learning orders and issued laptops.
 * Addresses carry ids only; names and personal codes travel in request
 * bodies. The plan page's status actions are `PlanActions`, shown by
 * pages/support.
 */
export const supportFormPages: PageDefinition[] = [
  {
    id: 'support-pupil-new',
    path: '/support/schools/:school/pupils/new',
    access: ['support_coordinator'],
    title: { lv: lv.pupil_title, en: en.pupil_title },
    component: PupilFormPage,
  },
  {
    id: 'support-plan-new',
    path: '/support/schools/:school/pupils/:pupil/plans/new',
    access: ['support_coordinator'],
    title: { lv: lv.plan_new_title, en: en.plan_new_title },
    component: PlanFormPage,
  },
  {
    id: 'support-plan-edit',
    path: '/support/schools/:school/plans/:plan/edit',
    access: ['support_coordinator'],
    title: { lv: lv.plan_edit_title, en: en.plan_edit_title },
    component: PlanFormPage,
  },
  {
    id: 'support-plan-records',
    path: '/support/schools/:school/plans/:plan/records',
    access: ['support_coordinator'],
    title: { lv: lv.records_title, en: en.records_title },
    component: PlanRecordsPage,
  },
  {
    id: 'support-school-records',
    path: '/support/schools/:school/records',
    access: ['support_coordinator', 'director'],
    title: { lv: lv.school_records_title, en: en.school_records_title },
    component: SchoolRecordsPage,
  },
];
