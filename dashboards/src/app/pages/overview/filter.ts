import type { Band, ConfidenceLevel, Overview, SchoolListItem, SchoolType } from '../../api/types.js';

/**
 * One school as the overview shows it. Planners and admins get every
 * field from `GET /api/v1/overview`; others get the public list, where
 * confidence, download and planned EUR are null.
 */
export interface OverviewRow {
  id: string;
  name: string;
  municipality: string;
  pupils: number;
  score: number | null;
  band: Band;
  confidence: ConfidenceLevel | null;
  download_mbps: number | null;
  lat: number | null;
  lon: number | null;
  school_type: SchoolType | null;
  planned_eur: number | null;
}

/** Rows from the public school list; retired schools are left out. */
export function rowsFromSchools(list: readonly SchoolListItem[]): OverviewRow[] {
  return list
    .filter((s) => s.retired_at === null || s.retired_at === undefined)
    .map((s) => ({
      id: s.id,
      name: s.name,
      municipality: s.municipality,
      pupils: s.pupils,
      score: s.score,
      band: s.band,
      confidence: null,
      download_mbps: null,
      lat: s.lat ?? null,
      lon: s.lon ?? null,
      school_type: s.school_type ?? null,
      planned_eur: null,
    }));
}

/** Rows from the planners' overview. */
export function rowsFromOverview(overview: Overview): OverviewRow[] {
  return overview.schools.map((s) => ({ ...s }));
}

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
export function filterSchools(rows: readonly OverviewRow[], f: SchoolFilter): OverviewRow[] {
  const needle = foldForSearch(f.search.trim());
  return rows.filter(
    (s) =>
      (f.municipality === '' || s.municipality === f.municipality) &&
      (f.band === '' || s.band === f.band) &&
      (f.schoolType === '' || s.school_type === f.schoolType) &&
      (f.confidence === '' || s.confidence === f.confidence) &&
      (needle === '' || foldForSearch(`${s.name} ${s.municipality}`).includes(needle)),
  );
}

/** How many schools fall in each band. */
export function countByBand(rows: readonly OverviewRow[]): Record<Band, number> {
  const counts: Record<Band, number> = { good: 0, moderate: 0, priority: 0, insufficient_data: 0 };
  for (const s of rows) counts[s.band] += 1;
  return counts;
}

/** One bar of the score distribution: scores in [from, to), the last bar including 100. */
export interface ScoreBin {
  from: number;
  to: number;
  count: number;
}

/** Width of a bar of the score distribution, points: ten bars over 0-100. */
export const SCORE_BIN_POINTS = 10;

/** The scored schools counted in bars of {@link SCORE_BIN_POINTS}. */
export function scoreDistribution(rows: readonly OverviewRow[]): ScoreBin[] {
  const bins: ScoreBin[] = [];
  for (let from = 0; from < 100; from += SCORE_BIN_POINTS)
    bins.push({ from, to: from + SCORE_BIN_POINTS, count: 0 });
  for (const s of rows) {
    if (s.score === null) continue;
    const i = Math.min(bins.length - 1, Math.max(0, Math.floor(s.score / SCORE_BIN_POINTS)));
    bins[i]!.count += 1;
  }
  return bins;
}

/** One municipality's line, over the schools that pass the filters. */
export interface MunicipalityRow {
  name: string;
  schools: number;
  pupils: number;
  median_score: number | null;
  /** Share 0-1 of schools with a download figure below the threshold; null when none has one. */
  slow_share: number | null;
  /** Null when the planned amounts are not known (not a planner). */
  planned_eur: number | null;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * The municipality table over `rows` (the filtered schools), one line per
 * name in `names` (the 42 municipalities, when known) and per other name
 * the schools carry. With a filter on, municipalities without a matching
 * school are left out; without one, every municipality is listed.
 */
export function municipalityRows(
  rows: readonly OverviewRow[],
  options: {
    /** The 42 municipalities' names, when known. */
    names: readonly string[];
    slowBelowMbps: number;
    /** List municipalities without a school (no filter is on). */
    keepEmpty: boolean;
    /** The rows carry planned EUR (a planner's overview). */
    plannedKnown: boolean;
  },
): MunicipalityRow[] {
  const { slowBelowMbps } = options;
  const groups = new Map<string, OverviewRow[]>();
  if (options.keepEmpty) for (const n of options.names) groups.set(n, []);
  for (const s of rows) groups.set(s.municipality, [...(groups.get(s.municipality) ?? []), s]);
  return [...groups].map(([name, list]) => {
    const scores = list.flatMap((s) => (s.score === null ? [] : [s.score]));
    const downloads = list.flatMap((s) => (s.download_mbps === null ? [] : [s.download_mbps]));
    return {
      name,
      schools: list.length,
      pupils: list.reduce((sum, s) => sum + s.pupils, 0),
      median_score: scores.length === 0 ? null : median(scores),
      slow_share:
        downloads.length === 0 ? null : downloads.filter((d) => d < slowBelowMbps).length / downloads.length,
      planned_eur: options.plannedKnown ? list.reduce((sum, s) => sum + (s.planned_eur ?? 0), 0) : null,
    };
  });
}
