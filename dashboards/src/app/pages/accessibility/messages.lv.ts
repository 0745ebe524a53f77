import type { Catalog } from '../../i18n/i18n.js';

export default {
  title: 'Paziņojums par piekļūstamību',
  intro: 'skolnet tīmekļa lapas veidotas atbilstoši standartam EN 301 549 un WCAG 2.1 AA līmenim.',
} satisfies Catalog;
