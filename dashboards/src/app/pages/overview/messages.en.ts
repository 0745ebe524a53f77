import type { CatalogOf } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';

export default {
  title: 'National overview',
  intro: "Every school's internet and internal network, scored 0–100, and its band.",
  bands_heading: 'Schools per band',
  schools_heading: 'Schools',
  col_school: 'School',
  col_municipality: 'Municipality',
  col_pupils: 'Pupils',
  col_score: 'Score',
  col_band: 'Band',
  filter_municipality: 'Municipality',
  filter_band: 'Band',
  search: 'Search schools',
  no_schools:
    'No schools yet. An administrator creates them on the Schools page or with POST /api/v1/schools.',
  shown: { one: 'Showing {count} school of {total}', other: 'Showing {count} schools of {total}' },
  no_score: 'no score',
  sign_in_for_details: 'School details are shown after sign-in.',
} satisfies CatalogOf<typeof lv>;
