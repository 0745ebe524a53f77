import type { Catalog } from '../../i18n/i18n.js';

export default {
  vendor_title: 'Piegādātāja pieņemšana',
  vendor_intro: 'Šeit būs jūsu organizācijas līgumi par skolu pieslēgumu uzlabošanu.',
  vendor_items_1: 'līgumā iekļautās skolas un katras skolas solītais ātrums un termiņš;',
  vendor_items_2: 'mērījumi pēc uzlabošanas, salīdzināti ar līguma nosacījumiem;',
  vendor_items_3: 'pieņemšanas lēmums ar pamatojumu, ko var lejupielādēt.',
  support_title: 'Skolēnu atbalsts',
  support_intro:
    'Šeit būs skolēnu atbalsta ieraksti, kas nosaka, kuras skolas plānā tiek atbalstītas vispirms.',
  support_items_1:
    'jūsu skolas atbalsta ieraksti (redzami tikai jūsu skolā, katra skatīšana tiek reģistrēta);',
  support_items_2: 'kopsavilkumi pa pašvaldībām, ja skolēnu ir vismaz 5;',
  support_items_3: 'kā ieraksti ietekmē uzlabošanas plānu.',
  not_yet: 'Šī lapa vēl tiek veidota. Jūsu konts darbojas; kad lapa būs gatava, tā parādīsies šeit.',
} satisfies Catalog;
