import type { Band, SchoolListItem } from '../../api/types.js';

/** The overview's filters, as the URL's query string carries them. */
export interface SchoolFilter {
  municipality: string;
  band: string;
  schoolType: string;
  confidence: string;
  search: string;
}

/** Reads the filters from the query string; absent keys mean "all". */
export function filterFromQuery(query: URLSearchParams): SchoolFilter {
  return {
    municipality: query.get('municipality') ?? '',
    band: query.get('band') ?? '',
    schoolType: query.get('type') ?? '',
    confidence: query.get('confidence') ?? '',
    search: query.get('q') ?? '',
  };
}

/** Folds case and Latvian diacritics, so "cesu" finds "Cēsu". */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLocaleLowerCase('lv');
}

/** The schools that pass every filter; search matches name or municipality. */
export function filterSchools(schools: readonly SchoolListItem[], f: SchoolFilter): SchoolListItem[] {
  const needle = foldForSearch(f.search.trim());
  return schools.filter(
    (s) =>
      (f.municipality === '' || s.municipality === f.municipality) &&
      (f.band === '' || s.band === f.band) &&
      (f.schoolType === '' || s.school_type === f.schoolType) &&
      (f.confidence === '' || s.confidence === f.confidence) &&
      (needle === '' || foldForSearch(`${s.name} ${s.municipality}`).includes(needle)),
  );
}

/** How many schools fall in each band. */
export function countByBand(schools: readonly SchoolListItem[]): Record<Band, number> {
  const counts: Record<Band, number> = { good: 0, moderate: 0, priority: 0, insufficient_data: 0 };
  for (const s of schools) counts[s.band] += 1;
  return counts;
}
