import { h } from 'preact';
import type { PageDefinition } from '../page.js';
import { ComingSoonPage } from './ComingSoonPage.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

/**
 * Placeholders for the pupil-support pages (the vendor pages are in pages/vendor). The engineers who
 * build those pages replace this folder's line in the registry with theirs.
 */
export const comingSoonPages: PageDefinition[] = [
  {
    id: 'support',
    path: '/support',
    access: ['support_coordinator', 'director', 'municipal_coordinator', 'ikvd', 'admin'],
    title: { lv: lv.support_title, en: en.support_title },
    nav: true,
    homeFor: ['support_coordinator', 'director', 'municipal_coordinator', 'ikvd'],
    component: () => h(ComingSoonPage, { area: 'support' }),
  },
];
