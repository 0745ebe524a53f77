import { scoreFigures, type InternalNetworkFacts, type ScoreFigures } from '../scoring/school-score.js';
import type { ScoringConfig } from '../scoring/score-config.js';
import type { CostCatalog, LineTier } from './catalog.js';
import { planMessage, type PlanMessage } from './plan-messages.js';
import {
  DEFAULT_PLAN_ECONOMICS,
  lifetimeCost,
  outcomeValue,
  thresholds,
  weightedPupils,
  type CostPart,
  type LifetimeCost,
  type PlanEconomics,
  type ThresholdState,
} from './economics.js';

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
  /** Where the agent's bottleneck probe found the limit (`wifi`, `lan`, `internet`, `unknown`). */
  limiting_segment?: string;
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
  /** School days with throughput results in the scoring window (evidence); undefined: unknown. */
  throughput_school_days?: number;
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
export type OptionKind =
  | 'config_fix'
  | 'line_tier'
  | 'new_line'
  | 'fibre'
  | 'access_points'
  | 'switches'
  | 'outage_repair'
  | 'failover'
  | 'ups'
  | 'full';

/** One upgrade option. */
export interface UpgradeOption {
  id: string;
  kind: OptionKind;
  /** What is done, for people (English). */
  label: string;
  /** The same as codes with parameters, one per change, for pages in any language (plan-messages.ts). */
  label_parts: PlanMessage[];
  capex_eur: number;
  /** Change of the yearly running cost, EUR (negative when cheaper). */
  opex_eur_per_year: number;
  /** Lifetime of the shortest part, years (each part is annualised over its own life: `parts`). */
  lifetime_years: number;
  /** What the option costs the programme's budget, EUR (VAT added when the budget is gross). */
  cost_eur: number;
  /** Lifetime cost over the horizon, EUR a year (equivalent annual cost, all payers). */
  annualised_eur: number;
  /** Cost over the horizon in present values, with who pays. */
  lifetime: LifetimeCost;
  /** The parts, each with its own price, life and payer. */
  parts: CostPart[];
  /** Months from order to working service. */
  lead_months: number;
  /** A change of subscription or an operator's duty: the school owner's action, not bought with programme money. */
  owner_action: boolean;
  /** The prediction rests on an operator's figure (copper or mobile reach, repair): operator to confirm. */
  operator_to_confirm: boolean;
  /** In-school installations (AP or switch works) for the installer-capacity cap. */
  installs: number;
  score_before: number;
  score_after: number;
  floor_before: boolean;
  floor_after: boolean;
  target_before: boolean;
  target_after: boolean;
  /** Present value of weighted pupil-years brought to the floor. */
  floor_pupil_years: number;
  /** Present value of weighted pupil-years brought to the target. */
  target_pupil_years: number;
  /** The objective's value of this option's outcome (cost-effectiveness: floor × weight + target pupil-years). */
  outcome_value: number;
  /**
   * What the optimiser maximises: the outcome value × the programme's share of the
   * lifetime cost, so that benefit per programme euro is outcome per lifetime euro.
   */
  benefit: number;
}

/** The current figures of a school with its inventory facts. */
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
  /** `label` as codes, one for each of its texts. */
  messages: PlanMessage[];
  parts: CostPart[];
  lead: number;
  installs: number;
  owner: boolean;
  confirm: boolean;
  apply: (f: ScoreFigures) => void;
}

function part(what: string, capex: number, life: number, payer: CostPart['payer'], opex = 0): CostPart {
  return {
    what,
    capex_eur: Math.round(capex),
    lifetime_years: life,
    opex_eur_per_year: Math.round(opex),
    payer,
  };
}

function configFixes(school: PlanSchool, catalog: CostCatalog): Change | undefined {
  const n = school.inventory?.internal;
  if (!n) return undefined;
  const label: string[] = [];
  const messages: PlanMessage[] = [];
  if (n.ssid_24ghz_only === true) {
    label.push('offer the SSIDs on 5 GHz too');
    messages.push(planMessage('config_ssid_5ghz'));
  }
  if (n.overlapping_channels === true) {
    label.push('non-overlapping channel plan');
    messages.push(planMessage('config_channel_plan'));
  }
  if ((n.duplex_mismatches ?? 0) > 0) {
    label.push(`fix ${n.duplex_mismatches} duplex mismatch(es)`);
    messages.push(planMessage('config_duplex', { count: n.duplex_mismatches ?? 0 }));
  }
  if (label.length === 0) return undefined;
  // Labour at the catalog's rate: the programme pays `config_fix.labour_eur`, the owner's staff time is the rest.
  const labour = catalog.labour.hourly_eur * catalog.labour.config_fix_hours;
  const programme = catalog.config_fix.labour_eur;
  return {
    kind: 'config_fix',
    id: 'config',
    label,
    messages,
    parts: [
      ...(programme > 0
        ? [part('configuration work', programme, catalog.config_fix.lifetime_years, 'programme')]
        : []),
      ...(programme > 0
        ? []
        : [
            part(
              "configuration work by the school's IT staff",
              labour,
              catalog.config_fix.lifetime_years,
              'owner',
            ),
          ]),
    ],
    lead: 0,
    installs: 0,
    owner: false,
    confirm: false,
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

/**
 * Share of a tier's nominal rate the school will measure: the catalog's
 * share, capped for copper and mobile by what the current line measures
 * against its own nominal rate (a long copper loop or a weak radio cell
 * stays long and weak on a faster tier).
 */
function reachShare(
  school: PlanSchool,
  catalog: CostCatalog,
  tech: string,
): { share: number; capped: boolean } {
  const share = catalog.policy.measured_rate_share;
  if (tech === 'fibre') return { share, capped: false };
  const nominal = school.inventory?.line?.down_mbps;
  const measured = school.figures.download_mbps;
  if (school.inventory?.line?.technology !== tech || !nominal || measured === undefined) {
    return { share, capped: false };
  }
  const ratio = measured / nominal;
  return ratio < share ? { share: ratio, capped: true } : { share, capped: false };
}

/** A faster tier on the same line: only the rate changes; availability, latency and loss stay the line's. */
function tierChange(school: PlanSchool, catalog: CostCatalog, tier: LineTier): Change {
  const { share } = reachShare(school, catalog, tier.technology);
  const oldYearly = currentTier(school, catalog)?.yearly_eur ?? 0;
  const copper = tier.technology !== 'fibre';
  return {
    kind: 'line_tier',
    id: `line-${tier.id}`,
    label: [
      `subscription ${tier.id} on the same line (${tier.down_mbps}/${tier.up_mbps} Mbit/s nominal)` +
        (copper ? ', reach operator to confirm' : ''),
    ],
    messages: [
      planMessage('line_tier', {
        tier: tier.id,
        down_mbps: tier.down_mbps,
        up_mbps: tier.up_mbps,
        operator_to_confirm: copper,
      }),
    ],
    parts: [part(`activation of ${tier.id}`, tier.install_eur, 5, 'owner', tier.yearly_eur - oldYearly)],
    lead: catalog.lead_times.line_tier_months,
    installs: 0,
    owner: true,
    confirm: copper,
    apply: (f) => {
      f.download_mbps = Math.max(f.download_mbps ?? 0, tier.down_mbps * share);
      f.upload_mbps = Math.max(f.upload_mbps ?? 0, tier.up_mbps * share);
      f.download_samples = Math.max(f.download_samples, 1);
    },
  };
}

/** A new line: a fibre drop (with router and rack), or fixed wireless where there is no line at all. */
function newLineChange(school: PlanSchool, catalog: CostCatalog, tier: LineTier): Change {
  const share = catalog.policy.measured_rate_share;
  const e = catalog.effects;
  const fibre = catalog.fibre_connection;
  const edge = catalog.edge;
  const isFibre = tier.technology === 'fibre';
  const noLine = school.inventory?.line?.technology === 'none';
  const distance = school.inventory?.line?.fibre_distance_m ?? fibre.default_distance_m;
  const oldYearly = currentTier(school, catalog)?.yearly_eur ?? 0;
  const parts: CostPart[] = isFibre
    ? [
        part(
          `fibre drop (${distance} m)`,
          fibre.base_eur + fibre.per_metre_eur * distance,
          fibre.lifetime_years,
          'programme',
        ),
        part(`activation of ${tier.id}`, tier.install_eur, 5, 'programme', tier.yearly_eur - oldYearly),
        part('router/firewall', edge.router_firewall_eur, edge.router_lifetime_years, 'programme'),
        part('rack', edge.rack_eur, edge.rack_lifetime_years, 'programme'),
      ]
    : [part(`${tier.id} line with antenna`, tier.install_eur, 5, 'programme', tier.yearly_eur - oldYearly)];
  return {
    kind: isFibre ? 'fibre' : 'new_line',
    id: isFibre ? `fibre-${tier.down_mbps}` : `new-${tier.id}`,
    label: [
      isFibre
        ? `new fibre connection (${distance} m) with ${tier.down_mbps}/${tier.up_mbps} Mbit/s, router/firewall and rack`
        : `new ${tier.id} line (${tier.down_mbps}/${tier.up_mbps} Mbit/s nominal), reach operator to confirm`,
    ],
    messages: [
      isFibre
        ? planMessage('new_fibre', { distance_m: distance, down_mbps: tier.down_mbps, up_mbps: tier.up_mbps })
        : planMessage('new_line', { tier: tier.id, down_mbps: tier.down_mbps, up_mbps: tier.up_mbps }),
    ],
    parts,
    lead: isFibre ? catalog.lead_times.fibre_months : catalog.lead_times.line_tier_months,
    installs: 0,
    owner: false,
    confirm: !isFibre,
    apply: (f) => {
      f.download_mbps = Math.max(f.download_mbps ?? 0, tier.down_mbps * share);
      f.upload_mbps = Math.max(f.upload_mbps ?? 0, tier.up_mbps * share);
      f.download_samples = Math.max(f.download_samples, 1);
      if (isFibre) {
        f.rtt_p95_ms = Math.min(f.rtt_p95_ms ?? Infinity, e.fibre_rtt_p95_ms);
        f.rtt_median_ms = Math.min(f.rtt_median_ms ?? Infinity, e.fibre_rtt_p95_ms);
        f.jitter_ms = Math.min(f.jitter_ms ?? Infinity, e.fibre_jitter_ms);
        f.loss_pct = Math.min(f.loss_pct ?? Infinity, e.fibre_loss_pct);
        f.availability_share = Math.max(f.availability_share ?? 0, e.fibre_availability_share);
      } else if (noLine || f.availability_share === undefined) {
        // Without a line, what was measured (a phone hotspot) says nothing of the new line: take the operator's contracted figure.
        f.availability_share = catalog.outage.repair_availability_share;
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
    messages: [
      planMessage('access_points', { new_aps: newAps, uncovered_rooms: uncovered, replaced_aps: replace }),
    ],
    // Hardware and licence have lives of their own; replacements reuse the existing cable run.
    parts: [
      part(
        `${count} access point(s) installed`,
        newAps * (ap.unit_eur + ap.install_eur + ap.cabling_eur) + replace * (ap.unit_eur + ap.install_eur),
        ap.lifetime_years,
        'programme',
      ),
      part(`${count} AP management licence(s)`, count * ap.licence_eur, ap.licence_years, 'programme'),
    ],
    lead: catalog.lead_times.in_school_months,
    installs: 1,
    owner: false,
    confirm: false,
    apply: (f) => {
      if (uncovered > 0)
        f.wifi_coverage_share = Math.max(f.wifi_coverage_share ?? 0, catalog.effects.wifi_share_after_aps);
      if (f.internal && replace > 0)
        f.internal = { ...f.internal, aps_24ghz_only: 0, aps_total: (f.internal.aps_total ?? 0) + newAps };
    },
  };
}

function switchChange(school: PlanSchool, catalog: CostCatalog, lanLimited: boolean): Change | undefined {
  const n = school.inventory?.internal;
  // A LAN the bottleneck probe found limiting gets a switch at the core even without SNMP facts.
  const count = Math.max(n?.switches_100m ?? 0, n?.switches_without_poe ?? 0, lanLimited ? 1 : 0);
  if (count === 0) return undefined;
  const sw = catalog.switch;
  const nominal = school.inventory?.line?.down_mbps;
  return {
    kind: 'switches',
    id: 'switches',
    label: [`${count} switch(es) replaced by gigabit PoE+ switches`],
    messages: [planMessage('switches', { count })],
    parts: [
      part(`${count} switch(es)`, count * (sw.unit_eur + sw.install_eur), sw.lifetime_years, 'programme'),
    ],
    lead: catalog.lead_times.in_school_months,
    installs: 1,
    owner: false,
    confirm: false,
    apply: (f) => {
      f.internal = { ...f.internal, switches_100m: 0, switches_without_poe: 0, duplex_mismatches: 0 };
      // With the LAN the limit, the line's own rate shows once the LAN is fixed (nominal × measured share).
      if (lanLimited && nominal !== undefined)
        f.download_mbps = Math.max(f.download_mbps ?? 0, nominal * catalog.policy.measured_rate_share);
    },
  };
}

/** Remedies for a school below the floor's availability: repair under the operator's SLA, a failover line, a UPS. */
function outageChanges(school: PlanSchool, catalog: CostCatalog, floorAvailability: number): Change[] {
  const a = school.figures.availability_share;
  if (a === undefined || a >= floorAvailability || school.inventory?.line?.technology === 'none') return [];
  const o = catalog.outage;
  const tier = catalog.line_tiers.find((t) => t.id === o.failover_tier) as LineTier;
  const edge = catalog.edge;
  return [
    {
      kind: 'outage_repair',
      id: 'outage-repair',
      label: [
        `report the outages (${(100 * a).toFixed(1)}% available in lessons) to the operator for repair under its service level`,
      ],
      messages: [planMessage('outage_repair', { available_share: a })],
      parts: [],
      lead: catalog.lead_times.outage_months,
      installs: 0,
      owner: true,
      confirm: true,
      apply: (f) => {
        f.availability_share = Math.max(f.availability_share ?? 0, o.repair_availability_share);
      },
    },
    {
      kind: 'failover',
      id: 'failover',
      label: [`second line ${tier.id} with automatic failover (dual-WAN router)`],
      messages: [planMessage('failover', { tier: tier.id })],
      parts: [
        part(`activation of ${tier.id}`, tier.install_eur, 5, 'programme', tier.yearly_eur),
        part('dual-WAN router/firewall', edge.router_firewall_eur, edge.router_lifetime_years, 'programme'),
      ],
      lead: catalog.lead_times.outage_months,
      installs: 0,
      owner: false,
      confirm: false,
      apply: (f) => {
        f.availability_share = Math.max(f.availability_share ?? 0, o.failover_availability_share);
      },
    },
    {
      kind: 'ups',
      id: 'ups',
      label: ['UPS for router, switch and line terminal'],
      messages: [planMessage('ups')],
      parts: [part('UPS', edge.ups_eur, edge.ups_lifetime_years, 'programme')],
      lead: catalog.lead_times.outage_months,
      installs: 0,
      owner: false,
      confirm: false,
      apply: (f) => {
        const now = f.availability_share ?? 0;
        f.availability_share = now + (1 - now) * o.ups_downtime_removed_share;
      },
    },
  ];
}

function combine(id: string, kind: OptionKind, parts: readonly Change[]): Change {
  return {
    kind,
    id,
    label: parts.flatMap((p) => p.label),
    messages: parts.flatMap((p) => p.messages),
    parts: parts.flatMap((p) => p.parts),
    lead: Math.max(...parts.map((p) => p.lead)),
    installs: Math.min(
      1,
      parts.reduce((s, p) => s + p.installs, 0),
    ),
    // Configuration riding along does not make an owner's action the programme's.
    owner: parts.some((p) => p.owner) && parts.every((p) => p.owner || p.kind === 'config_fix'),
    confirm: parts.some((p) => p.confirm),
    apply: (f) => parts.forEach((p) => p.apply(f)),
  };
}

/** Settings of {@link generateOptions} beside the catalog and scoring. */
export interface OptionSettings {
  economics?: PlanEconomics;
  /** Multiplier on every programme price (1.21 when the budget includes 21% VAT). */
  vat_factor?: number;
  /** Multiplier on each effect's gain (scenario analysis); 1 is the catalog's. */
  effect_factor?: number;
}

/** What generateOptions knows about a school before any option. */
export interface SchoolBaseline {
  score_before: number | null;
  thresholds: ThresholdState;
  /** The line's technology is not known: a survey is needed before a line option. */
  line_unknown: boolean;
  /** The bottleneck probe found the limit inside the school. */
  lan_limited: boolean;
}

/** A school's state before any option. */
export function baseline(school: PlanSchool, scoring: ScoringConfig, e: PlanEconomics): SchoolBaseline {
  const f = currentFigures(school);
  const seg = school.inventory?.limiting_segment;
  return {
    score_before: scoreFigures(f, school.pupils, scoring).score,
    thresholds: thresholds(f, school.pupils, e),
    line_unknown: school.inventory?.line?.technology === undefined,
    lan_limited: seg === 'lan' || seg === 'wifi',
  };
}

/**
 * The options of one school, each priced part by part, with its expected
 * score and thresholds and its value under the objective. A school
 * without a score is planned on thresholds alone (a school without a line
 * has none to measure). Config fixes ride along with every paid option.
 *
 * Rules (docs/methodology.md, "Options"): a faster tier on the same line
 * changes the rate only, capped for copper and mobile by what the line
 * measures against its nominal rate; where the bottleneck probe found the
 * limit inside the school, line options come only bundled after the LAN
 * or Wi-Fi work; a school below the floor's availability gets outage
 * remedies; with the line technology unknown no line option is offered
 * (the plan asks for a survey instead, with a provisional option from
 * {@link provisionalOptions}).
 */
export function generateOptions(
  school: PlanSchool,
  catalog: CostCatalog,
  scoring: ScoringConfig,
  weights: BenefitWeights = DEFAULT_BENEFIT_WEIGHTS,
  settings: OptionSettings = {},
): UpgradeOption[] {
  return optionsFor(school, catalog, scoring, weights, settings, school.inventory?.line?.technology);
}

/**
 * Options as if the school's line were DSL: what a school with an unknown
 * line would likely need. The plan shows them as provisional, never funds them.
 */
export function provisionalOptions(
  school: PlanSchool,
  catalog: CostCatalog,
  scoring: ScoringConfig,
  weights: BenefitWeights = DEFAULT_BENEFIT_WEIGHTS,
  settings: OptionSettings = {},
): UpgradeOption[] {
  return optionsFor(school, catalog, scoring, weights, settings, school.inventory?.line?.technology ?? 'dsl');
}

function optionsFor(
  school: PlanSchool,
  catalog: CostCatalog,
  scoring: ScoringConfig,
  weights: BenefitWeights,
  settings: OptionSettings,
  tech: string | undefined,
): UpgradeOption[] {
  const e = settings.economics ?? DEFAULT_PLAN_ECONOMICS;
  const vat = settings.vat_factor ?? 1;
  const effectFactor = settings.effect_factor ?? 1;
  const base = currentFigures(school);
  const noLine = tech === 'none';
  if (noLine) {
    // No line: nothing reaches the school; what was measured (a hotspot) is not its connection.
    base.download_mbps = base.download_mbps ?? 0;
  }
  const scoreBefore = scoreFigures(base, school.pupils, scoring).score;
  if (scoreBefore === null && !noLine && base.download_samples === 0 && tech === undefined) return [];
  const before = scoreBefore ?? 0;
  const thBefore = thresholds(base, school.pupils, e);
  const share = catalog.policy.measured_rate_share;
  const measured = base.download_mbps ?? 0;
  const seg = school.inventory?.limiting_segment;
  const lanLimited = seg === 'lan' || seg === 'wifi';

  const config = configFixes(school, catalog);
  const withConfig = (c: Change): Change => (config ? combine(c.id, c.kind, [c, config]) : c);
  const changes: Change[] = [];
  if (config) changes.push(config);

  const lines: Change[] = [];
  if (tech !== undefined && !noLine) {
    const nominal = school.inventory?.line?.down_mbps ?? 0;
    const { share: reach } = reachShare(school, catalog, tech);
    // Only real upgrades: faster than the subscription and clearly faster than what is measured.
    const sameTech = catalog.line_tiers.filter(
      (t) => t.technology === tech && t.down_mbps > nominal && t.down_mbps * reach > measured * 1.2,
    );
    if (sameTech.length > 0) {
      const sorted = [...sameTech].sort((a, b) => a.down_mbps - b.down_mbps);
      const next = sorted[0] as LineTier;
      const target = targetTier(sameTech, school.pupils, reach) as LineTier;
      lines.push(tierChange(school, catalog, next));
      if (target.id !== next.id) lines.push(tierChange(school, catalog, target));
    }
  }
  if (tech !== undefined && tech !== 'fibre') {
    const fibreTiers = catalog.line_tiers.filter((t) => t.technology === 'fibre');
    const target = targetTier(fibreTiers, school.pupils, share);
    if (target) lines.push(newLineChange(school, catalog, target));
    if (noLine) {
      const mobile = catalog.line_tiers.find((t) => t.technology === 'mobile');
      if (mobile) lines.push(newLineChange(school, catalog, mobile));
    }
  }
  // Behind a limiting LAN or Wi-Fi a faster line changes nothing the pupils see: it comes only after (bundled with) that work.
  if (!lanLimited) changes.push(...lines.map(withConfig));
  changes.push(...outageChanges(school, catalog, e.floor.availability_share).map(withConfig));
  const aps = apChange(school, catalog);
  const switches = switchChange(school, catalog, lanLimited);
  if (aps) changes.push(withConfig(aps));
  if (switches) changes.push(withConfig(switches));
  const inside = [aps, switches].filter((c): c is Change => c !== undefined);
  const paidLines = lines.filter((l) => !l.owner);
  const bestLine = paidLines[paidLines.length - 1] ?? (lanLimited ? lines[lines.length - 1] : undefined);
  if (inside.length > 0 && (bestLine || inside.length > 1)) {
    changes.push(
      combine('full', 'full', [...(bestLine ? [bestLine] : []), ...inside, ...(config ? [config] : [])]),
    );
  }

  const factor = supportFactor(school, weights);
  const weighted = weightedPupils(
    school.pupils,
    school.support?.pupils_vulnerable,
    school.support?.pupils_support_plan,
    { ...e, vulnerable_weight: weights.vulnerable, support_plan_weight: weights.support_plan },
  );
  const pm = 1 + catalog.delivery_costs.project_management_share + catalog.delivery_costs.contingency_share;
  const out: UpgradeOption[] = [];
  for (const change of changes) {
    const f: ScoreFigures = { ...base, ...(base.internal ? { internal: { ...base.internal } } : {}) };
    change.apply(f);
    if (effectFactor !== 1) scaleEffects(base, f, effectFactor);
    const after = scoreFigures(f, school.pupils, scoring).score ?? before;
    const thAfter = thresholds(f, school.pupils, e);
    const gain = Math.max(0, after - before);
    // Programme capex carries project management and contingency, and VAT when the budget is gross.
    const parts = change.parts.map((p) =>
      p.payer === 'programme' ? { ...p, capex_eur: Math.round(p.capex_eur * pm * vat) } : p,
    );
    const life = lifetimeCost(parts, e);
    const outcome = outcomeValue(thBefore, thAfter, weighted, change.lead, e);
    const value =
      e.objective === 'score_delta' ? Math.round(school.pupils * gain * factor * 100) / 100 : outcome.value;
    const programmeCapex = parts.filter((p) => p.payer === 'programme').reduce((s, p) => s + p.capex_eur, 0);
    const ownerCapex = parts.filter((p) => p.payer === 'owner').reduce((s, p) => s + p.capex_eur, 0);
    out.push({
      id: change.id,
      kind: change.kind,
      label: change.label.join('; '),
      label_parts: change.messages,
      capex_eur: programmeCapex + ownerCapex,
      opex_eur_per_year: change.parts.reduce((s, p) => s + p.opex_eur_per_year, 0),
      lifetime_years: change.parts.length > 0 ? Math.min(...change.parts.map((p) => p.lifetime_years)) : 0,
      cost_eur: life.programme_eur,
      annualised_eur: life.annualised_eur,
      lifetime: life,
      parts,
      lead_months: change.lead,
      owner_action: change.owner,
      operator_to_confirm: change.confirm,
      installs: change.installs,
      score_before: before,
      score_after: after,
      floor_before: thBefore.floor,
      floor_after: thAfter.floor,
      target_before: thBefore.target,
      target_after: thAfter.target,
      floor_pupil_years: outcome.floor_pupil_years,
      target_pupil_years: outcome.target_pupil_years,
      outcome_value: value,
      // Outcome per programme euro becomes outcome per lifetime euro: the programme's share of the
      // lifetime cost (owners' euros weighted by owner_cost_weight) apportions the outcome it buys.
      benefit:
        e.objective === 'score_delta' || e.owner_cost_weight === 0
          ? value
          : Math.round(value * programmeShare(life, e.owner_cost_weight) * 100) / 100,
    });
  }
  return out;
}

/**
 * The programme's share of an option's lifetime cost, 0-1: programme ÷
 * (programme + weight × the owners' part). An owners' part below zero (a
 * residual value above their running costs) counts as zero, so no option
 * is worth more than its outcome.
 */
export function programmeShare(life: LifetimeCost, ownerWeight: number): number {
  const owner = Math.max(0, life.lifetime_cost_eur - life.programme_eur);
  const total = life.programme_eur + ownerWeight * owner;
  return total > 0 ? life.programme_eur / total : 0;
}

/** Scales each figure's change by `k` (the scenario analysis's "effects" dimension). */
function scaleEffects(base: ScoreFigures, f: ScoreFigures, k: number): void {
  for (const key of ['download_mbps', 'upload_mbps', 'availability_share', 'wifi_coverage_share'] as const) {
    const b = base[key];
    const a = f[key];
    if (a !== undefined) f[key] = (b ?? 0) + (a - (b ?? 0)) * k;
  }
  if (f.availability_share !== undefined) f.availability_share = Math.min(1, f.availability_share);
  if (f.wifi_coverage_share !== undefined) f.wifi_coverage_share = Math.min(1, f.wifi_coverage_share);
}
