import type { CatalogOf } from '../../i18n/i18n.js';
import type lv from './messages.lv.js';

export default {
  title: 'School',
  score: 'Score',
  band: 'Band',
  municipality: 'Municipality',
  pupils: 'Pupils',
  no_score: 'not yet',
  need_sign_in: 'School details are shown after sign-in.',
  forbidden: 'This school is outside the scope of your account.',
  not_found: 'There is no such school.',
  back: 'Back to the overview',
} satisfies CatalogOf<typeof lv>;
