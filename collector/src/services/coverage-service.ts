import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import {
  COVERAGE_MEASUREMENTS,
  COVERAGE_WINDOW_MS,
  analyseCoverage,
  type CoverageOptions,
  type SchoolCoverage,
} from '../coverage/coverage-analysis.js';
import type { ResultStore, SchoolStore } from '../storage/store.js';

/** A school's Wi-Fi coverage over the coverage window ending at `now` (docs/wifi.md). */
export async function loadSchoolCoverage(
  store: ResultStore,
  schoolId: string,
  now: Date,
  options: CoverageOptions = {},
): Promise<SchoolCoverage> {
  const since = new Date(now.getTime() - COVERAGE_WINDOW_MS);
  const results = await store.resultsForScoring(schoolId, since, COVERAGE_MEASUREMENTS);
  return analyseCoverage(results, options);
}

/** Dependencies of {@link createCoverageService}. */
export interface CoverageServiceOptions {
  store: SchoolStore & ResultStore;
  /** Clock; the coverage window ends now. */
  now: () => Date;
}

/** A school's Wi-Fi coverage, for `GET /api/v1/schools/:id/coverage`. */
export interface CoverageService {
  /**
   * The full coverage picture of a school with the caller's choices of
   * own SSIDs and non-teaching rooms. Read per call: the choices vary, and
   * it is one school's results. Throws `SKOLNET_API_NOT_FOUND` for an unknown school.
   */
  school(schoolId: string, options?: CoverageOptions): Promise<{ school_id: string } & SchoolCoverage>;
}

/** The coverage service over `store`. (The summary on a school's record comes from the school read model.) */
export function createCoverageService(options: CoverageServiceOptions): CoverageService {
  const { store } = options;
  return {
    async school(schoolId, choices = {}) {
      const school = await store.getSchool(schoolId);
      if (!school) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
      return {
        school_id: school.id,
        ...(await loadSchoolCoverage(store, school.id, options.now(), choices)),
      };
    },
  };
}
