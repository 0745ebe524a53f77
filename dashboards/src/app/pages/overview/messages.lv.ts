import type { Catalog } from '../../i18n/i18n.js';

export default {
  title: 'Valsts pārskats',
  intro: 'Katras skolas interneta un iekšējā tīkla vērtējums 0–100 un josla.',
  bands_heading: 'Skolas pa joslām',
  schools_heading: 'Skolas',
  col_school: 'Skola',
  col_municipality: 'Pašvaldība',
  col_pupils: 'Skolēni',
  col_score: 'Vērtējums',
  col_band: 'Josla',
  filter_municipality: 'Pašvaldība',
  filter_band: 'Josla',
  search: 'Meklēt skolu',
  no_schools:
    'Vēl nav nevienas skolas. Administrators tās izveido lapā “Skolas” vai ar POST /api/v1/schools.',
  shown: {
    zero: 'Rādītas {count} skolu no {total}',
    one: 'Rādīta {count} skola no {total}',
    other: 'Rādītas {count} skolas no {total}',
  },
  no_score: 'nav vērtējuma',
  sign_in_for_details: 'Skolas detaļas redz pēc pieteikšanās.',
} satisfies Catalog;
