import type { PageDefinition } from '../page.js';
import en from './messages.en.js';
import lv from './messages.lv.js';
import { NationalPage } from './NationalPage.js';

/**
 * IKVD's national view of pupil support (docs/pupil-support.md): counts
 * per municipality and school, suppressed as the aggregates are; read-only
 * (approval is on the queue page).
 */
export const supportNationalPages: PageDefinition[] = [
  {
    id: 'support-national',
    path: '/support/national',
    access: ['ikvd'],
    title: { lv: lv.title, en: en.title },
    nav: true,
    component: NationalPage,
  },
];
