import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { OverviewPage } from './OverviewPage.js';

/** The national overview, the start page for everyone. */
export const overviewPages: PageDefinition[] = [
  {
    id: 'overview',
    path: '/',
    access: 'public',
    title: { lv: lv.title, en: en.title },
    nav: true,
    homeFor: ['admin', 'planner', 'municipality_planner'],
    component: OverviewPage,
  },
];
