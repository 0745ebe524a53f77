import type { Catalog } from '../../i18n/i18n.js';

export default {
  title: 'Pieteikšanās',
  email: 'E-pasts',
  password: 'Parole',
  submit: 'Pieteikties',
  submitting: 'Piesakās…',
  oidc: 'Pieteikties ar organizācijas kontu',
  error_credentials: 'Nepareizs e-pasts vai parole.',
  error_locked: 'Pārāk daudz neveiksmīgu mēģinājumu. Mēģiniet vēlāk vēlreiz.',
  error_rate: 'Pārāk daudz pieprasījumu. Uzgaidiet minūti.',
  error_oidc: 'Pieteikšanās ar identitātes pakalpojumu neizdevās.',
  error_csrf: 'Pieprasījums nāca no citas vietnes.',
  error_network: 'Neizdevās sazināties ar serveri.',
  already: 'Jūs jau esat pieteicies kā {email}.',
  continue: 'Turpināt',
  help: 'Kontu izveido administrators (skolnet-collector user add). Aizmirstu paroli atjauno administrators.',
} satisfies Catalog;
