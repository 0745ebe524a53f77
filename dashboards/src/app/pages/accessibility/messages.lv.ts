import type { Catalog } from '../../i18n/i18n.js';

export default {
  title: 'Paziņojums par piekļūstamību',
  intro:
    'skolnet tīmekļa lapas veidotas tā, lai tās varētu lietot ikviens, arī ar tastatūru, ekrāna lasītāju vai palielinājumu. Šis paziņojums attiecas uz visām šī skolnet servera lapām.',
  status_heading: 'Atbilstības statuss',
  status:
    'Lapas daļēji atbilst standartam EN 301 549 un tīmekļa satura piekļūstamības vadlīnijām WCAG 2.1 AA līmenī, kā to prasa Direktīva (ES) 2016/2102 un tās ieviešanas noteikumi Latvijā. Nepiekļūstamais saturs uzskaitīts zemāk.',
  gaps_heading: 'Nepiekļūstamais saturs',
  gap_map:
    'Karte ir attēls: tās punktus nevar atvērt ar tastatūru. Tās pašas skolas ar tiem pašiem datiem ir tabulās zem kartes, un tās lieto ar tastatūru.',
  gap_exports:
    'Lejupielādējamo failu (XLSX, CSV) piekļūstamība atkarīga no programmas, ar kuru tos atver; tabulām ir virsrakstu rinda.',
  gap_fallback: 'Ja tīmekļa lietotne nav uzstādīta, vienkāršā pieteikšanās forma ir tikai latviski.',
  keyboard_heading: 'Lietošana ar tastatūru',
  keyboard_tab: 'Tab un Shift+Tab pārvietojas pa saitēm, pogām un laukiem; fokuss vienmēr ir redzams.',
  keyboard_skip: 'Pirmā saite katrā lapā ir “Pāriet uz saturu”.',
  keyboard_sort:
    'Tabulu kolonnu virsraksti ir pogas: Enter vai atstarpe kārto, atkārtoti nospiežot — pretējā secībā.',
  keyboard_map: 'Kad karte ir fokusā, bultiņas to pārvieto, + un − tuvina un tālina.',
  keyboard_lang: 'Valodas poga galvenē pārslēdz latviešu un angļu valodu; izvēle tiek atcerēta.',
  method_heading: 'Kā tas pārbaudīts',
  method:
    'Katru lapu abās valodās automātiski pārbauda ar axe-core (WCAG 2.0 un 2.1 A un AA noteikumi) pārlūka testos, kas jāiziet pirms katras versijas; nopietnas vai kritiskas kļūdas neļauj versiju izlaist. Lapas pārbaudītas arī ar tastatūru un 400 pikseļu platā ekrānā.',
  feedback_heading: 'Atsauksmes un saziņa',
  feedback:
    'Ja kaut ko nevarat izmantot, rakstiet šī skolnet servera administratoram (iestādei, kas to uztur). Atbildi sniedz pēc iespējas ātrāk; ja tā jūs neapmierina, varat vērsties iestādē, kas Latvijā uzrauga tīmekļvietņu piekļūstamību.',
} satisfies Catalog;
