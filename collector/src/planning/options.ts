import { scoreFigures, type InternalNetworkFacts, type ScoreFigures } from '../scoring/school-score.js';
import type { ScoringConfig } from '../scoring/score-config.js';
import type { CostCatalog, LineTier } from './catalog.js';

/**
 * Upgrade options per school, generated from its measured figures and its
 * inventory, each with capex, yearly opex, lifetime and the score expected
 * after it (the published score over "what if" figures). Pure.
 */

/** What is known about a school's line, rooms and network (inventory; all optional). */
export interface SchoolInventory {
  line?: {
    /** `dsl`, `mobile`, `fibre` or `none`. */
    technology: string;
    /** Nominal download of the current subscription, Mbit/s. */
    down_mbps?: number;
    /** Distance to the nearest fibre access point, m (for a new connection). */
    fibre_distance_m?: number;
  };
  teaching_rooms?: number;
  /** Teaching rooms below the coverage threshold (from the Wi-Fi coverage analysis). */
  uncovered_rooms?: number;
  /** Share of teaching rooms covered, 0-1 (from the Wi-Fi coverage analysis). */
  wifi_coverage_share?: number;
  internal?: InternalNetworkFacts;
}

/** Per-school pupil-support aggregates (counts only, never anything per pupil). */
export interface SupportAggregates {
  /** Pupils in vulnerable groups (e.g. from low-income families). */
  pupils_vulnerable?: number;
  /** Pupils with an active support plan. */
  pupils_support_plan?: number;
}

/** A school as the planner sees it. */
export interface PlanSchool {
  id: string;
  name: string;
  municipality: string;
  pupils: number;
  /** Measured figures (from {@link extractFigures}); inventory Wi-Fi and internal facts are added on top. */
  figures: ScoreFigures;
  inventory?: SchoolInventory;
  support?: SupportAggregates;
  synthetic?: boolean;
}

/** How pupil-support aggregates weight the benefit. */
export interface BenefitWeights {
  /** Extra weight per pupil in a vulnerable group (1 = counts double). */
  vulnerable: number;
  /** Extra weight per pupil with an active support plan. */
  support_plan: number;
}

/** Default: a vulnerable pupil counts double, a pupil with a support plan 1.5 times (judgement; docs/methodology.md). */
export const DEFAULT_BENEFIT_WEIGHTS: BenefitWeights = { vulnerable: 1, support_plan: 0.5 };

/** Kinds of option. */
export type OptionKind = 'config_fix' | 'line_tier' | 'fibre' | 'access_points' | 'switches' | 'full';

/** One upgrade option. */
export interface UpgradeOption {
  id: string;
  kind: OptionKind;
  /** What is done, for people. */
  label: string;
  capex_eur: number;
  /** Change of the yearly running cost, EUR (negative when cheaper). */
  opex_eur_per_year: number;
  /** Lifetime of the investment, years (the shortest part's for a bundle). */
  lifetime_years: number;
  /** What the option costs the budget: capex plus `opex_years_in_budget` years of extra opex, whole EUR. */
  cost_eur: number;
  /** Capex spread over the lifetime plus extra opex, EUR per year. */
  annualised_eur: number;
  /** In-school installations (AP or switch works) for the installer-capacity cap. */
  installs: number;
  score_before: number;
  score_after: number;
  /** Pupils × score gain × support weight. */
  benefit: number;
}

/** The current score of a school with its inventory facts, or null for insufficient data. */
export function currentFigures(school: PlanSchool): ScoreFigures {
  const f: ScoreFigures = { ...school.figures };
  const inv = school.inventory;
  if (inv?.wifi_coverage_share !== undefined) f.wifi_coverage_share = inv.wifi_coverage_share;
  if (inv?.internal !== undefined) f.internal = { ...inv.internal };
  return f;
}

/** Support weight of a school: 1 + weights × shares of pupils. */
export function supportFactor(school: PlanSchool, weights: BenefitWeights = DEFAULT_BENEFIT_WEIGHTS): number {
  const pupils = Math.max(school.pupils, 1);
  const share = (n: number | undefined): number => Math.min(1, Math.max(0, (n ?? 0) / pupils));
  return (
    1 +
    weights.vulnerable * share(school.support?.pupils_vulnerable) +
    weights.support_plan * share(school.support?.pupils_support_plan)
  );
}

interface Change {
  kind: OptionKind;
  id: string;
  label: string[];
  capex: number;
  opex: number;
  lifetime: number;
  installs: number;
  apply: (f: ScoreFigures) => void;
}

function configFixes(school: PlanSchool, catalog: CostCatalog): Change | undefined {
  const n = school.inventory?.internal;
  if (!n) return undefined;
  const label: string[] = [];
  if (n.ssid_24ghz_only === true) label.push('offer the SSIDs on 5 GHz too');
  if (n.overlapping_channels === true) label.push('non-overlapping channel plan');
  if ((n.duplex_mismatches ?? 0) > 0) label.push(`fix ${n.duplex_mismatches} duplex mismatch(es)`);
  if (label.length === 0) return undefined;
  return {
    kind: 'config_fix',
    id: 'config',
    label,
    capex: catalog.config_fix.labour_eur,
    opex: 0,
    lifetime: catalog.config_fix.lifetime_years,
    installs: 0,
    apply: (f) => {
      f.internal = {
        ...f.internal,
        ssid_24ghz_only: false,
        overlapping_channels: false,
        duplex_mismatches: 0,
      };
    },
  };
}

function currentTier(school: PlanSchool, catalog: CostCatalog): LineTier | undefined {
  const line = school.inventory?.line;
  if (!line || line.down_mbps === undefined) return undefined;
  const same = catalog.line_tiers.filter((t) => t.technology === line.technology);
  return same.reduce<LineTier | undefined>(
    (best, t) =>
      best === undefined ||
      Math.abs(t.down_mbps - line.down_mbps!) < Math.abs(best.down_mbps - line.down_mbps!)
        ? t
        : best,
    undefined,
  );
}

function lineChange(school: PlanSchool, catalog: CostCatalog, tier: LineTier, newFibre: boolean): Change {
  const share = catalog.policy.measured_rate_share;
  const e = catalog.effects;
  const fibre = catalog.fibre_connection;
  const distance = school.inventory?.line?.fibre_distance_m ?? fibre.default_distance_m;
  const oldYearly = currentTier(school, catalog)?.yearly_eur ?? 0;
  const capex =
    tier.install_eur + (newFibre ? Math.round(fibre.base_eur + fibre.per_metre_eur * distance) : 0);
  return {
    kind: newFibre ? 'fibre' : 'line_tier',
    id: newFibre ? `fibre-${tier.down_mbps}` : `line-${tier.id}`,
    label: [
      newFibre
        ? `new fibre connection (${distance} m) with ${tier.down_mbps}/${tier.up_mbps} Mbit/s`
        : `line tier ${tier.id} (${tier.down_mbps}/${tier.up_mbps} Mbit/s)`,
    ],
    capex,
    opex: tier.yearly_eur - oldYearly,
    lifetime: newFibre ? fibre.lifetime_years : 5,
    installs: 0,
    apply: (f) => {
      f.download_mbps = Math.max(f.download_mbps ?? 0, tier.down_mbps * share);
      f.upload_mbps = Math.max(f.upload_mbps ?? 0, tier.up_mbps * share);
      f.download_samples = Math.max(f.download_samples, 1);
      if (tier.technology === 'fibre') {
        f.rtt_p95_ms = Math.min(f.rtt_p95_ms ?? Infinity, e.fibre_rtt_p95_ms);
        f.rtt_median_ms = Math.min(f.rtt_median_ms ?? Infinity, e.fibre_rtt_p95_ms);
        f.jitter_ms = Math.min(f.jitter_ms ?? Infinity, e.fibre_jitter_ms);
        f.loss_pct = Math.min(f.loss_pct ?? Infinity, e.fibre_loss_pct);
        if (f.availability_share !== undefined)
          f.availability_share = Math.max(f.availability_share, e.fibre_availability_share);
      }
    },
  };
}

/** The smallest tier of a technology that gives 1 Mbit/s per pupil measured, else the fastest. */
function targetTier(tiers: readonly LineTier[], pupils: number, share: number): LineTier | undefined {
  const sorted = [...tiers].sort((a, b) => a.down_mbps - b.down_mbps);
  return sorted.find((t) => t.down_mbps * share >= Math.max(pupils, 1)) ?? sorted[sorted.length - 1];
}

function apChange(school: PlanSchool, catalog: CostCatalog): Change | undefined {
  const inv = school.inventory;
  if (!inv) return undefined;
  const uncovered =
    inv.uncovered_rooms ??
    (inv.teaching_rooms !== undefined && inv.wifi_coverage_share !== undefined
      ? Math.round(inv.teaching_rooms * (1 - inv.wifi_coverage_share))
      : 0);
  const replace = inv.internal?.aps_24ghz_only ?? 0;
  const ap = catalog.access_point;
  const newAps = Math.ceil(uncovered * ap.aps_per_uncovered_room);
  const count = newAps + replace;
  if (count === 0) return undefined;
  return {
    kind: 'access_points',
    id: 'aps',
    label: [
      `${newAps} new access point(s) for ${uncovered} uncovered room(s)` +
        (replace > 0 ? `, ${replace} 2.4-GHz-only AP(s) replaced` : ''),
    ],
    // Replacements reuse the existing cable run.
    capex:
      newAps * (ap.unit_eur + ap.install_eur + ap.cabling_eur) + replace * (ap.unit_eur + ap.install_eur),
    opex: 0,
    lifetime: ap.lifetime_years,
    installs: 1,
    apply: (f) => {
      if (uncovered > 0)
        f.wifi_coverage_share = Math.max(f.wifi_coverage_share ?? 0, catalog.effects.wifi_share_after_aps);
      if (f.internal && replace > 0)
        f.internal = { ...f.internal, aps_24ghz_only: 0, aps_total: (f.internal.aps_total ?? 0) + newAps };
    },
  };
}

function switchChange(school: PlanSchool, catalog: CostCatalog): Change | undefined {
  const n = school.inventory?.internal;
  if (!n) return undefined;
  // A switch is replaced when its ports are 100 Mbit/s or it cannot power APs; one switch may be both.
  const count = Math.max(n.switches_100m ?? 0, n.switches_without_poe ?? 0);
  if (count === 0) return undefined;
  const sw = catalog.switch;
  return {
    kind: 'switches',
    id: 'switches',
    label: [`${count} switch(es) replaced by gigabit PoE+ switches`],
    capex: count * (sw.unit_eur + sw.install_eur),
    opex: 0,
    lifetime: sw.lifetime_years,
    installs: 1,
    apply: (f) => {
      f.internal = { ...f.internal, switches_100m: 0, switches_without_poe: 0, duplex_mismatches: 0 };
    },
  };
}

function combine(id: string, kind: OptionKind, parts: readonly Change[]): Change {
  return {
    kind,
    id,
    label: parts.flatMap((p) => p.label),
    capex: parts.reduce((s, p) => s + p.capex, 0),
    opex: parts.reduce((s, p) => s + p.opex, 0),
    lifetime: Math.min(...parts.map((p) => p.lifetime)),
    installs: Math.min(
      1,
      parts.reduce((s, p) => s + p.installs, 0),
    ),
    apply: (f) => parts.forEach((p) => p.apply(f)),
  };
}

/**
 * The options of one school, or an empty list when it has no score (too
 * little data) or nothing to improve. Config fixes ride along with every
 * paid option: they cost nothing, so no plan should leave them out.
 */
export function generateOptions(
  school: PlanSchool,
  catalog: CostCatalog,
  scoring: ScoringConfig,
  weights: BenefitWeights = DEFAULT_BENEFIT_WEIGHTS,
): UpgradeOption[] {
  const base = currentFigures(school);
  const before = scoreFigures(base, school.pupils, scoring).score;
  if (before === null) return [];
  const share = catalog.policy.measured_rate_share;
  const measured = base.download_mbps ?? 0;
  const tech = school.inventory?.line?.technology ?? 'dsl';

  const config = configFixes(school, catalog);
  const withConfig = (c: Change): Change => (config ? combine(c.id, c.kind, [c, config]) : c);
  const changes: Change[] = [];
  if (config) changes.push(config);

  const lines: Change[] = [];
  const nominal = school.inventory?.line?.down_mbps ?? 0;
  // Only real upgrades: faster than the subscription and clearly faster than what is measured.
  const sameTech = catalog.line_tiers.filter(
    (t) => t.technology === tech && t.down_mbps > nominal && t.down_mbps * share > measured * 1.2,
  );
  if (sameTech.length > 0) {
    const sorted = [...sameTech].sort((a, b) => a.down_mbps - b.down_mbps);
    const next = sorted[0] as LineTier;
    const target = targetTier(sameTech, school.pupils, share) as LineTier;
    lines.push(lineChange(school, catalog, next, false));
    if (target.id !== next.id) lines.push(lineChange(school, catalog, target, false));
  }
  if (tech !== 'fibre') {
    const fibreTiers = catalog.line_tiers.filter((t) => t.technology === 'fibre');
    const target = targetTier(fibreTiers, school.pupils, share);
    if (target) lines.push(lineChange(school, catalog, target, true));
  }
  changes.push(...lines.map(withConfig));
  const aps = apChange(school, catalog);
  const switches = switchChange(school, catalog);
  if (aps) changes.push(withConfig(aps));
  if (switches) changes.push(withConfig(switches));
  const inside = [aps, switches].filter((c): c is Change => c !== undefined);
  const bestLine = lines[lines.length - 1];
  if (inside.length > 0 && (bestLine || inside.length > 1)) {
    changes.push(
      combine('full', 'full', [...(bestLine ? [bestLine] : []), ...inside, ...(config ? [config] : [])]),
    );
  }

  const factor = supportFactor(school, weights);
  const opexYears = catalog.policy.opex_years_in_budget;
  const out: UpgradeOption[] = [];
  for (const change of changes) {
    const f: ScoreFigures = { ...base, ...(base.internal ? { internal: { ...base.internal } } : {}) };
    change.apply(f);
    const after = scoreFigures(f, school.pupils, scoring).score ?? before;
    const gain = Math.max(0, after - before);
    const capex = Math.round(change.capex);
    out.push({
      id: change.id,
      kind: change.kind,
      label: change.label.join('; '),
      capex_eur: capex,
      opex_eur_per_year: Math.round(change.opex),
      lifetime_years: change.lifetime,
      cost_eur: Math.round(capex + opexYears * Math.max(0, change.opex)),
      annualised_eur: Math.round(capex / change.lifetime + change.opex),
      installs: change.installs,
      score_before: before,
      score_after: after,
      benefit: Math.round(school.pupils * gain * factor * 100) / 100,
    });
  }
  return out;
}
