import type { CatalogOf } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';

export default {
  vendor_title: 'Vendor acceptance',
  vendor_intro: "Your organisation's contracts for upgrading schools' connections will be here.",
  vendor_items_1: 'the schools in each contract, with the speed and date promised for each;',
  vendor_items_2: 'measurements after the upgrade, compared with the contract;',
  vendor_items_3: 'the acceptance verdict with its reasons, to download.',
  support_title: 'Pupil support',
  support_intro: 'The pupil-support records that decide which schools the plan helps first will be here.',
  support_items_1: "your school's support records (shown in your school only, every reading logged);",
  support_items_2: 'summaries by municipality, where there are at least 5 pupils;',
  support_items_3: 'how the records weigh in the upgrade plan.',
  not_yet: 'This page is still being built. Your account works; the page will appear here when it is ready.',
} satisfies CatalogOf<typeof lv>;
