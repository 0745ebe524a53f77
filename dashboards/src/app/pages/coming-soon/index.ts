import { h } from 'preact';
import type { PageDefinition } from '../page.js';
import { ComingSoonPage } from './ComingSoonPage.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

/**
 * Placeholders for the vendor and pupil-support pages. The engineers who
 * build those pages replace this folder's line in the registry with theirs.
 */
export const comingSoonPages: PageDefinition[] = [
  {
    id: 'vendor',
    path: '/vendor',
    access: ['vendor', 'admin'],
    title: { lv: lv.vendor_title, en: en.vendor_title },
    nav: true,
    homeFor: ['vendor'],
    component: () => h(ComingSoonPage, { area: 'vendor' }),
  },
];
