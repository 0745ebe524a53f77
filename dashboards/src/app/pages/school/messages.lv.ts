import type { Catalog } from '../../i18n/i18n.js';

export default {
  title: 'Skola',
  score: 'Vērtējums',
  band: 'Josla',
  municipality: 'Pašvaldība',
  pupils: 'Skolēni',
  no_score: 'vēl nav',
  need_sign_in: 'Skolas detaļas redz pēc pieteikšanās.',
  forbidden: 'Šī skola nav jūsu konta darbības jomā.',
  not_found: 'Šādas skolas nav.',
  back: 'Atpakaļ uz pārskatu',
} satisfies Catalog;
