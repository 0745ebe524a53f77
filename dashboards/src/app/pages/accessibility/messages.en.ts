import type { CatalogOf } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';

export default {
  title: 'Accessibility statement',
  intro: "skolnet's web pages are built to EN 301 549 and WCAG 2.1 level AA.",
} satisfies CatalogOf<typeof lv>;
