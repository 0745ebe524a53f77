/**
 * Latvia's local governments since 1 July 2025: 7 state cities
 * (valstspilsētas) and 35 municipalities (novadi), 42 in all.
 *
 * Source: the Administrative Territories and Populated Areas Law
 * (Administratīvo teritoriju un apdzīvoto vietu likums, 10 June 2020, in
 * force 1 July 2021), annex as amended on 13 June 2024. The 2021 reform
 * made 43 local governments: 36 novadi, Varakļānu novads among them after
 * the Constitutional Court's ruling of 1 June 2021 (case 2020-37-0106)
 * undid its merger into Rēzeknes novads. The 2024 amendment joined
 * Varakļānu novads to Madonas novads after the local elections of 2025, so
 * since 1 July 2025 there are 35 novadi. A school register row that still
 * names Varakļānu novads is told so (see {@link MERGED_MUNICIPALITIES}).
 */

/** What kind of local government. */
export type MunicipalityKind = 'state_city' | 'novads';

/** One of Latvia's 42 local governments. */
export interface Municipality {
  /** The official Latvian name, as the register and the law write it. */
  name: string;
  kind: MunicipalityKind;
  /**
   * An approximate point inside its territory (the administrative centre
   * or, where that is a state city outside the novads, a town of the
   * novads), WGS84 degrees, to about a kilometre. For demo data and map
   * labels only: not a boundary and not an official coordinate.
   */
  approx_centre: { lat: number; lon: number };
}

const city = (name: string, lat: number, lon: number): Municipality => ({
  name,
  kind: 'state_city',
  approx_centre: { lat, lon },
});
const novads = (name: string, lat: number, lon: number): Municipality => ({
  name,
  kind: 'novads',
  approx_centre: { lat, lon },
});

/** The 42 local governments since 1 July 2025, state cities first, each group by name. */
export const MUNICIPALITIES: readonly Municipality[] = [
  city('Daugavpils', 55.875, 26.536),
  city('Jelgava', 56.651, 23.721),
  city('Jūrmala', 56.968, 23.77),
  city('Liepāja', 56.505, 21.011),
  city('Rēzekne', 56.51, 27.34),
  city('Rīga', 56.949, 24.105),
  city('Ventspils', 57.394, 21.564),
  novads('Aizkraukles novads', 56.604, 25.255),
  novads('Alūksnes novads', 57.422, 27.047),
  // Centre: Daugavpils (a state city outside it); the point is Ilūkste.
  novads('Augšdaugavas novads', 55.978, 26.298),
  novads('Ādažu novads', 57.075, 24.322),
  novads('Balvu novads', 57.131, 27.265),
  novads('Bauskas novads', 56.408, 24.194),
  novads('Cēsu novads', 57.312, 25.271),
  novads('Dienvidkurzemes novads', 56.535, 21.166),
  novads('Dobeles novads', 56.625, 23.278),
  novads('Gulbenes novads', 57.177, 26.753),
  // Centre: Jelgava (a state city outside it); the point is Eleja.
  novads('Jelgavas novads', 56.425, 23.7),
  novads('Jēkabpils novads', 56.499, 25.857),
  novads('Krāslavas novads', 55.895, 27.168),
  novads('Kuldīgas novads', 56.968, 21.968),
  novads('Ķekavas novads', 56.827, 24.23),
  novads('Limbažu novads', 57.513, 24.713),
  novads('Līvānu novads', 56.354, 26.176),
  novads('Ludzas novads', 56.546, 27.719),
  novads('Madonas novads', 56.853, 26.217),
  novads('Mārupes novads', 56.906, 24.045),
  novads('Ogres novads', 56.816, 24.605),
  novads('Olaines novads', 56.785, 23.938),
  novads('Preiļu novads', 56.294, 26.724),
  // Centre: Rēzekne (a state city outside it); the point is Viļāni.
  novads('Rēzeknes novads', 56.553, 26.925),
  novads('Ropažu novads', 56.973, 24.63),
  novads('Salaspils novads', 56.86, 24.35),
  novads('Saldus novads', 56.664, 22.488),
  novads('Saulkrastu novads', 57.264, 24.414),
  novads('Siguldas novads', 57.154, 24.853),
  novads('Smiltenes novads', 57.424, 25.901),
  novads('Talsu novads', 57.245, 22.587),
  novads('Tukuma novads', 56.967, 23.155),
  novads('Valkas novads', 57.7, 26.0),
  novads('Valmieras novads', 57.538, 25.426),
  // Centre: Ventspils (a state city outside it); the point is Piltene.
  novads('Ventspils novads', 57.224, 21.674),
];

/**
 * Names of local governments that no longer exist, with the one that took
 * them over: an import row naming one is refused with the successor named.
 */
export const MERGED_MUNICIPALITIES: ReadonlyMap<string, string> = new Map([
  ['Varakļānu novads', 'Madonas novads'],
]);

/** Case, spacing and Unicode form folded away, so "rīga " and "Rīga" match. */
const fold = (name: string): string =>
  name.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('lv');

const BY_FOLDED = new Map(MUNICIPALITIES.map((m) => [fold(m.name), m]));
const MERGED_BY_FOLDED = new Map([...MERGED_MUNICIPALITIES].map(([old, now]) => [fold(old), now]));

/** The municipality with this name (case and spacing ignored), or undefined. */
export function findMunicipality(name: string): Municipality | undefined {
  return BY_FOLDED.get(fold(name));
}

/** The successor of a merged municipality's name, or undefined. */
export function mergedInto(name: string): string | undefined {
  return MERGED_BY_FOLDED.get(fold(name));
}
