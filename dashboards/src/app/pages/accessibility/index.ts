import { ACCESSIBILITY_PATH } from '../../layout/Layout.js';
import type { PageDefinition } from '../page.js';
import { AccessibilityPage } from './AccessibilityPage.js';
import en from './messages.en.js';
import lv from './messages.lv.js';

/** The accessibility statement, linked from every page's footer. */
export const accessibilityPages: PageDefinition[] = [
  {
    id: 'accessibility',
    path: ACCESSIBILITY_PATH,
    access: 'public',
    title: { lv: lv.title, en: en.title },
    component: AccessibilityPage,
  },
];
