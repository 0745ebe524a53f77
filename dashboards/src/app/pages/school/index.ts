import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { SchoolPage } from './SchoolPage.js';

/** One school's page. */
export const schoolPages: PageDefinition[] = [
  {
    id: 'school',
    path: '/schools/:id',
    // Anyone may open the address; the API answers by role and scope, and the page says so.
    access: 'public',
    title: { lv: lv.title, en: en.title },
    homeFor: ['school_it'],
    homePath: (user) => `/schools/${encodeURIComponent(user.school_id ?? '')}`,
    component: SchoolPage,
  },
];
