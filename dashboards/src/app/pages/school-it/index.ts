import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { SchoolItPage } from './SchoolItPage.js';

/** The school IT page of one school: codes, agents, configuration. */
export const schoolItPages: PageDefinition[] = [
  {
    id: 'school-it',
    path: '/schools/:id/it',
    access: ['school_it', 'admin'],
    title: { lv: lv.title, en: en.title },
    component: SchoolItPage,
  },
];
