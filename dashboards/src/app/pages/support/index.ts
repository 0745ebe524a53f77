import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { PlanPage } from './PlanPage.js';
import { QueuePage } from './QueuePage.js';
import { SupportPage } from './SchoolSupportPage.js';

/**
 * Pupil support (docs/pupil-support.md): the school's pupils and plans, a
 * plan with its approval trail, and the approval queues. Addresses carry
 * ids only, never a name or personal code.
 */
export const supportPages: PageDefinition[] = [
  {
    id: 'support',
    path: '/support',
    access: ['support_coordinator', 'director', 'municipal_coordinator', 'ikvd'],
    title: { lv: lv.title, en: en.title },
    nav: true,
    homeFor: ['support_coordinator', 'director', 'municipal_coordinator', 'ikvd'],
    component: SupportPage,
  },
  {
    id: 'support-queue',
    path: '/support/queue',
    access: ['director', 'municipal_coordinator', 'ikvd'],
    title: { lv: lv.queue_title, en: en.queue_title },
    component: QueuePage,
  },
  {
    id: 'support-plan',
    path: '/support/schools/:school/plans/:plan',
    access: ['support_coordinator', 'director', 'municipal_coordinator', 'ikvd'],
    title: { lv: lv.plan_title, en: en.plan_title },
    component: PlanPage,
  },
];
