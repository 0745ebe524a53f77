import type { CatalogOf } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';

export default {
  title: 'Accessibility statement',
  intro:
    "skolnet's web pages are made to be usable by everyone, by keyboard, screen reader or magnification too. This statement covers every page of this skolnet server.",
  status_heading: 'Conformance status',
  status:
    'The pages partially conform to EN 301 549 and the Web Content Accessibility Guidelines (WCAG) 2.1 at level AA, as Directive (EU) 2016/2102 and the Latvian rules that implement it require. The content that is not accessible is listed below.',
  gaps_heading: 'Content that is not accessible',
  gap_map:
    'The map is a picture: its dots cannot be opened by keyboard. The same schools with the same figures are in the tables below the map, which work by keyboard.',
  gap_exports:
    'How accessible the downloads (XLSX, CSV) are depends on the program that opens them; their tables have a header row.',
  gap_fallback: 'Where the web application is not installed, the plain sign-in form is in Latvian only.',
  keyboard_heading: 'Using the keyboard',
  keyboard_tab: 'Tab and Shift+Tab move through links, buttons and fields; the focus is always visible.',
  keyboard_skip: 'The first link on every page is "Skip to content".',
  keyboard_sort:
    'Column headers of tables are buttons: Enter or Space sorts, pressing again reverses the order.',
  keyboard_map: 'With the map focused, the arrow keys move it, + and − zoom in and out.',
  keyboard_lang:
    'The language button in the header switches between Latvian and English; the choice is remembered.',
  method_heading: 'How this was checked',
  method:
    'Every page in both languages is checked automatically with axe-core (WCAG 2.0 and 2.1 A and AA rules) in browser tests that every release must pass; a serious or critical finding stops the release. The pages were also checked by keyboard and on a 400-pixel-wide screen.',
  feedback_heading: 'Feedback and contact',
  feedback:
    'If you cannot use something, write to the administrator of this skolnet server (the organisation that runs it). They answer as soon as they can; if the answer does not satisfy you, you can turn to the body that monitors the accessibility of websites in Latvia.',
} satisfies CatalogOf<typeof lv>;
