import { scoreFigures, type ScoreFigures } from './school-score.js';
import { COMPONENT_KEYS, withWeightFactor, type ComponentKey, type ScoringConfig } from './score-config.js';

/** A school as the sensitivity report needs it. */
export interface SensitivitySchool {
  id: string;
  pupils: number;
  figures: ScoreFigures;
}

/** How the ranking moves when one weight changes. */
export interface SensitivityRow {
  component: ComponentKey;
  /** Multiplier of the weight (0.5 or 1.5). */
  factor: number;
  /** Spearman rank correlation with the base ranking (1 = unchanged). */
  spearman: number;
  /** Largest move of one school, in ranks. */
  max_rank_shift: number;
  /** Mean absolute move, in ranks. */
  mean_rank_shift: number;
  /** Schools whose band changes. */
  band_changes: number;
}

/** Output of {@link rankingSensitivity}. */
export interface SensitivityReport {
  /** Scored schools in the ranking. */
  schools: number;
  rows: SensitivityRow[];
}

/** Ranks (0 = worst score first, ties by id) of every school with a score. */
function ranking(
  schools: readonly SensitivitySchool[],
  config: ScoringConfig,
): Map<string, { rank: number; band: string }> {
  const scored: { id: string; score: number; band: string }[] = [];
  for (const s of schools) {
    const r = scoreFigures(s.figures, s.pupils, config);
    if (r.score !== null) scored.push({ id: s.id, score: r.uncapped ?? r.score, band: r.band });
  }
  scored.sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return new Map(scored.map((s, i) => [s.id, { rank: i, band: s.band }]));
}

/**
 * Re-ranks the schools with each component weight multiplied by 0.5 and
 * 1.5 in turn (the issue's ±50%) and reports how far the ranking moves.
 * Schools without a score are left out.
 */
export function rankingSensitivity(
  schools: readonly SensitivitySchool[],
  config: ScoringConfig,
  factors: readonly number[] = [0.5, 1.5],
): SensitivityReport {
  const base = ranking(schools, config);
  const n = base.size;
  const rows: SensitivityRow[] = [];
  for (const component of COMPONENT_KEYS) {
    for (const factor of factors) {
      const moved = ranking(schools, withWeightFactor(config, component, factor));
      let sumSq = 0;
      let sumAbs = 0;
      let maxShift = 0;
      let bandChanges = 0;
      for (const [id, b] of base) {
        const m = moved.get(id);
        if (!m) continue;
        const d = Math.abs(m.rank - b.rank);
        sumSq += d * d;
        sumAbs += d;
        maxShift = Math.max(maxShift, d);
        if (m.band !== b.band) bandChanges += 1;
      }
      rows.push({
        component,
        factor,
        spearman: n > 1 ? Math.round((1 - (6 * sumSq) / (n * (n * n - 1))) * 10_000) / 10_000 : 1,
        max_rank_shift: maxShift,
        mean_rank_shift: n > 0 ? Math.round((sumAbs / n) * 100) / 100 : 0,
        band_changes: bandChanges,
      });
    }
  }
  return { schools: n, rows };
}
