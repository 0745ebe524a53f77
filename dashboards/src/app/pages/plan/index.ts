import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { PLAN_PATH, PlanPage } from './PlanPage.js';

/** The plan explorer, for planners and admins. */
export const planPages: PageDefinition[] = [
  {
    id: 'plan',
    path: PLAN_PATH,
    access: ['admin', 'planner'],
    title: { lv: lv.title, en: en.title },
    nav: true,
    component: PlanPage,
  },
];
