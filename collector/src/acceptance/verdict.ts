/**
 * The vendor-acceptance verdict (docs/acceptance.md): whether an upgraded
 * school gets what its contract promised, from the measurements of an
 * acceptance campaign. Pure: plain data in, plain data out, no store or
 * fastify, so every figure of a report can be recomputed by hand.
 *
 * Every threshold is in {@link AcceptanceThresholds}; the defaults follow
 * the US FCC's performance measures for subsidised lines (Connect America
 * Fund, WC Docket No. 10-90: DA 18-710, 2018, section V.A, as revised by
 * FCC 19-104, 2019): a speed criterion passes when at least 80 % of the
 * tests reach at least 80 % of the contracted speed ("80/80"), the latency
 * criterion when at least 95 % of the measurements are at or below 100 ms.
 */

import { percentile } from '@skolnet/shared';

/** What a contract upgrades: the school's internet line, or its internal network and Wi-Fi. */
export type ContractKind = 'internet_line' | 'internal_network';

/** The figures of a contract the verdict checks. */
export interface ContractTerms {
  kind: ContractKind;
  /** Contracted maximum download, in Mbit/s; the speed criterion is a share of it. */
  download_max_mbps: number;
  /** Contracted maximum upload, in Mbit/s. */
  upload_max_mbps: number;
  /** Guaranteed minimum download, in Mbit/s (reported: share of tests below it). */
  download_min_mbps: number;
  /** Guaranteed minimum upload, in Mbit/s. */
  upload_min_mbps: number;
  /** Round-trip limit, in ms; null for the threshold's default. */
  latency_limit_ms: number | null;
  /** Highest mean packet loss the contract allows, in percent; null when it sets none. */
  max_loss_pct: number | null;
  /** Availability in school hours the contract promises, in percent; null when it sets none. */
  availability_pct: number | null;
}

/** Every threshold of the verdict; see docs/acceptance.md for each one's source. */
export interface AcceptanceThresholds {
  /** Share of speed tests that must reach the speed floor, in percent (FCC DA 18-710 V.A: 80). */
  speed_share_pct: number;
  /** The speed floor as a share of the contracted maximum, in percent (FCC DA 18-710 V.A: 80). */
  speed_of_contract_pct: number;
  /** Share of latency measurements that must be at or below the limit, in percent (FCC: 95). */
  latency_share_pct: number;
  /** Round-trip limit when the contract sets none, in ms (FCC: 100). */
  default_latency_limit_ms: number;
  /** Fewest download tests for a verdict on download; fewer make it inconclusive. */
  min_download_tests: number;
  /** Fewest upload tests for a verdict on upload. */
  min_upload_tests: number;
  /** Fewest latency measurements for a verdict on latency, loss and availability. */
  min_latency_measurements: number;
  /**
   * For internet-line contracts: a failing speed test whose nearest
   * bottleneck result placed the limit inside the school (Wi-Fi, LAN) is
   * left out of the speed share and reported, so a line vendor is not
   * failed for a school's switch.
   */
  exclude_school_limited: boolean;
  /** How far a bottleneck result may be from a speed test to explain it, in ms. */
  bottleneck_window_ms: number;
  /**
   * Internal-network contracts: share of the rooms the contract names that
   * must be covered (the coverage analysis's `covered`, -67 dBm in the
   * room's weakest 10 % of samples; docs/wifi.md), in percent.
   */
  wifi_rooms_share_pct: number;
  /**
   * Internal-network contracts: the highest p95 of the WAN uplink's
   * utilisation over the campaign's lesson-hour SNMP sweeps (the busier
   * direction of each sweep), in percent. skolnet's judgement, no cited
   * standard: see docs/acceptance.md.
   */
  uplink_utilisation_p95_max_pct: number;
}

/**
 * The default thresholds. The fewest-test counts are skolnet's: 5 school
 * days of 8 lesson hours with one test per direction per lesson hour give
 * 40 tests; a campaign with under half of them has missed too many hours
 * for its share to speak for the week. FCC DA 18-710 IV.B asks for one
 * test per hour of its daily window over a week for the same reason.
 */
export const DEFAULT_ACCEPTANCE_THRESHOLDS: AcceptanceThresholds = {
  speed_share_pct: 80,
  speed_of_contract_pct: 80,
  latency_share_pct: 95,
  default_latency_limit_ms: 100,
  min_download_tests: 20,
  min_upload_tests: 20,
  // Latency every minute over 5 × 8 lesson hours is 2,400; a quarter of that.
  min_latency_measurements: 600,
  exclude_school_limited: true,
  // A bottleneck run within 30 min describes the same state of the school's network.
  bottleneck_window_ms: 30 * 60_000,
  // Every room the contract names: the vendor promised those rooms, not a share of them.
  wifi_rooms_share_pct: 100,
  // skolnet's judgement (docs/acceptance.md): a fifth of the uplink left free at the busy hours.
  uplink_utilisation_p95_max_pct: 80,
};

/** Where the bottleneck probe placed a limit (agent `bottleneck` probe, `limiting_segment`). */
export type LimitingSegment = 'wifi' | 'lan' | 'internet' | 'unknown';

/** One speed test in one direction. */
export interface SpeedSample {
  /** RFC 3339 time of the test. */
  at: string;
  mbps: number;
  /** The agent that measured, for matching bottleneck results of the same machine. */
  agent_id?: string;
}

/** One latency measurement (one run of the latency probe towards the collector). */
export interface LatencySample {
  at: string;
  /** Round trip of the run (its median), in ms; null when no reply came. */
  rtt_ms: number | null;
  /** Packet loss of the run, in percent. */
  loss_pct: number;
}

/** One bottleneck probe result. */
export interface BottleneckSample {
  at: string;
  segment: LimitingSegment;
  agent_id?: string;
}

/** One room of an internal-network contract, as the campaign's Wi-Fi survey found it. */
export interface RoomSample {
  room: string;
  /** The coverage analysis's verdict, or `not_surveyed`. */
  verdict: 'covered' | 'half' | 'not_covered' | 'none' | 'not_surveyed';
}

/** One SNMP sweep's reading of the WAN uplink (agent `snmp_network` result). */
export interface UplinkSample {
  at: string;
  /** Utilisation of the busier direction (`max(uplink_in_util_pct, uplink_out_util_pct)`), in percent. */
  util_pct: number;
}

/** Everything a campaign measured, as plain data. */
export interface CampaignMeasurements {
  download: readonly SpeedSample[];
  upload: readonly SpeedSample[];
  latency: readonly LatencySample[];
  bottleneck: readonly BottleneckSample[];
  /**
   * Internal-network contracts: the rooms the contract names with the
   * coverage the campaign's survey found (`not_surveyed` when no sample
   * was taken there); empty when the contract names none.
   */
  rooms?: readonly RoomSample[];
  /**
   * Internal-network contracts: the uplink's utilisation from the SNMP
   * sweeps of the campaign's lesson hours; empty or absent when no sweep
   * reported one.
   */
  uplink?: readonly UplinkSample[];
  /**
   * Tests that could not run, by reason (`agent_offline`, `school_closed`,
   * `budget`, `busy`, …): counted and reported, never a pass or a fail.
   */
  not_run: Readonly<Record<string, number>>;
}

/**
 * What a criterion says. `not_possible`: the measurement the criterion
 * needs could not be made at all (no SNMP sweep of the uplink); reported,
 * never a pass or a fail, and it leaves the verdict as the other criteria make it.
 */
export type CriterionStatus = 'pass' | 'fail' | 'inconclusive' | 'not_assessed' | 'not_possible';

/** The criteria of a verdict. */
export type CriterionName =
  'download' | 'upload' | 'latency' | 'loss' | 'availability' | 'wifi_rooms' | 'uplink_utilisation';

/** One criterion's figures. */
export interface CriterionResult {
  criterion: CriterionName;
  status: CriterionStatus;
  /** Measurements that count towards the criterion. */
  tests: number;
  /** Of those, how many met the per-test bound (speed, latency, availability: a reply). */
  passing: number;
  /**
   * `passing / tests` in percent, the mean loss for `loss`, the p95
   * utilisation for `uplink_utilisation`; null without tests.
   */
  measured: number | null;
  /** What `measured` must reach (share in percent), or not exceed (`loss`, in percent). */
  required: number;
  /** The per-test bound: Mbit/s for speed, ms for latency; null otherwise. */
  bound: number | null;
  /** Speed: failing tests the bottleneck probe placed inside the school. */
  school_limited: number;
  /** Speed: tests below the contract's guaranteed minimum. */
  below_guaranteed_min: number;
  /** Fewest tests for a verdict. */
  min_tests: number;
}

/** The outcome of a campaign. */
export type VerdictStatus = 'pass' | 'fail' | 'inconclusive';

/** The verdict over a campaign's measurements. */
export interface Verdict {
  status: VerdictStatus;
  criteria: CriterionResult[];
  /** Names of the criteria that failed. */
  failed: CriterionName[];
  /** Tests that could not run, by reason, and their total. */
  not_run: { by_reason: Record<string, number>; total: number };
  /**
   * True when failing speed tests were placed inside the school by the
   * bottleneck probe: the report says so.
   */
  school_limited: boolean;
}

/**
 * Rounding slack of share comparisons: thresholds are decimal fractions
 * (80 %, 79.9 %) that binary floating point holds only approximately, and
 * a share exactly at a threshold must pass.
 */
const EPSILON = 1e-9;

/** `part / whole >= pct / 100`, exact at the boundary. */
export function reachesShare(part: number, whole: number, pct: number): boolean {
  return part * 100 - pct * whole >= -EPSILON * Math.max(1, whole * 100);
}

/** `value >= pct / 100 × of`, exact at the boundary. */
function reachesFraction(value: number, of: number, pct: number): boolean {
  return value * 100 - pct * of >= -EPSILON * Math.max(1, of * 100);
}

function sharePct(part: number, whole: number): number | null {
  return whole === 0 ? null : (part / whole) * 100;
}

function nearestSegment(
  sample: SpeedSample,
  bottleneck: readonly BottleneckSample[],
  windowMs: number,
): LimitingSegment | undefined {
  const at = Date.parse(sample.at);
  let best: BottleneckSample | undefined;
  let bestGap = Infinity;
  for (const b of bottleneck) {
    if (sample.agent_id !== undefined && b.agent_id !== undefined && b.agent_id !== sample.agent_id) continue;
    const gap = Math.abs(Date.parse(b.at) - at);
    if (gap <= windowMs && gap < bestGap) {
      best = b;
      bestGap = gap;
    }
  }
  return best?.segment;
}

function speedCriterion(
  criterion: 'download' | 'upload',
  samples: readonly SpeedSample[],
  contracted: number,
  guaranteedMin: number,
  kind: ContractKind,
  bottleneck: readonly BottleneckSample[],
  t: AcceptanceThresholds,
): CriterionResult {
  const minTests = criterion === 'download' ? t.min_download_tests : t.min_upload_tests;
  let passing = 0;
  let counted = 0;
  let schoolLimited = 0;
  let belowMin = 0;
  for (const s of samples) {
    if (s.mbps < guaranteedMin) belowMin += 1;
    if (reachesFraction(s.mbps, contracted, t.speed_of_contract_pct)) {
      passing += 1;
      counted += 1;
      continue;
    }
    const segment = nearestSegment(s, bottleneck, t.bottleneck_window_ms);
    const inSchool = segment === 'wifi' || segment === 'lan';
    if (inSchool) schoolLimited += 1;
    // A line vendor answers for the line only; an internal-network vendor for the school's side too.
    if (inSchool && kind === 'internet_line' && t.exclude_school_limited) continue;
    counted += 1;
  }
  const status: CriterionStatus =
    counted < minTests ? 'inconclusive' : reachesShare(passing, counted, t.speed_share_pct) ? 'pass' : 'fail';
  return {
    criterion,
    status,
    tests: counted,
    passing,
    measured: sharePct(passing, counted),
    required: t.speed_share_pct,
    bound: (contracted * t.speed_of_contract_pct) / 100,
    school_limited: schoolLimited,
    below_guaranteed_min: belowMin,
    min_tests: minTests,
  };
}

function latencyCriteria(
  samples: readonly LatencySample[],
  terms: ContractTerms,
  t: AcceptanceThresholds,
): CriterionResult[] {
  const limit = terms.latency_limit_ms ?? t.default_latency_limit_ms;
  const enough = samples.length >= t.min_latency_measurements;
  // A run without any reply is above every limit.
  const within = samples.filter((s) => s.rtt_ms !== null && s.rtt_ms <= limit).length;
  const replied = samples.filter((s) => s.rtt_ms !== null).length;
  const base = { school_limited: 0, below_guaranteed_min: 0, min_tests: t.min_latency_measurements };
  const latency: CriterionResult = {
    ...base,
    criterion: 'latency',
    status: !enough
      ? 'inconclusive'
      : reachesShare(within, samples.length, t.latency_share_pct)
        ? 'pass'
        : 'fail',
    tests: samples.length,
    passing: within,
    measured: sharePct(within, samples.length),
    required: t.latency_share_pct,
    bound: limit,
  };
  const meanLoss =
    samples.length === 0 ? null : samples.reduce((sum, s) => sum + s.loss_pct, 0) / samples.length;
  const loss: CriterionResult = {
    ...base,
    criterion: 'loss',
    status:
      terms.max_loss_pct === null
        ? 'not_assessed'
        : !enough || meanLoss === null
          ? 'inconclusive'
          : meanLoss <= terms.max_loss_pct + EPSILON
            ? 'pass'
            : 'fail',
    tests: samples.length,
    passing: samples.filter((s) => terms.max_loss_pct !== null && s.loss_pct <= terms.max_loss_pct).length,
    measured: meanLoss,
    required: terms.max_loss_pct ?? 0,
    bound: null,
  };
  const availability: CriterionResult = {
    ...base,
    criterion: 'availability',
    status:
      terms.availability_pct === null
        ? 'not_assessed'
        : !enough
          ? 'inconclusive'
          : reachesShare(replied, samples.length, terms.availability_pct)
            ? 'pass'
            : 'fail',
    tests: samples.length,
    passing: replied,
    measured: sharePct(replied, samples.length),
    required: terms.availability_pct ?? 0,
    bound: null,
  };
  return [latency, loss, availability];
}

function roomsCriterion(rooms: readonly RoomSample[], t: AcceptanceThresholds): CriterionResult {
  const surveyed = rooms.filter((r) => r.verdict !== 'not_surveyed');
  const covered = surveyed.filter((r) => r.verdict === 'covered').length;
  const unsurveyed = rooms.length - surveyed.length;
  // Pass once enough named rooms are covered; fail once no survey of the rooms
  // left could get there; until then the survey walk must reach them.
  const status: CriterionStatus = reachesShare(covered, rooms.length, t.wifi_rooms_share_pct)
    ? 'pass'
    : reachesShare(covered + unsurveyed, rooms.length, t.wifi_rooms_share_pct)
      ? 'inconclusive'
      : 'fail';
  return {
    criterion: 'wifi_rooms',
    status,
    tests: surveyed.length,
    passing: covered,
    measured: sharePct(covered, rooms.length),
    required: t.wifi_rooms_share_pct,
    bound: null,
    school_limited: 0,
    below_guaranteed_min: 0,
    min_tests: rooms.length,
  };
}

/**
 * The uplink criterion: the p95 of the sweeps' utilisation (nearest rank,
 * as the planner reads it) at or below the limit passes; no sweep at all
 * is `not_possible`. `passing` counts the sweeps at or below the limit.
 */
function uplinkCriterion(samples: readonly UplinkSample[], t: AcceptanceThresholds): CriterionResult {
  const values = samples.map((s) => s.util_pct).filter((v) => Number.isFinite(v));
  const limit = t.uplink_utilisation_p95_max_pct;
  const p95 = percentile(values, 95) ?? null;
  return {
    criterion: 'uplink_utilisation',
    status: p95 === null ? 'not_possible' : p95 <= limit + EPSILON ? 'pass' : 'fail',
    tests: values.length,
    passing: values.filter((v) => v <= limit + EPSILON).length,
    measured: p95,
    required: limit,
    bound: null,
    school_limited: 0,
    below_guaranteed_min: 0,
    min_tests: 1,
  };
}

/**
 * The verdict over a campaign's measurements: `fail` when any criterion
 * with enough measurements fails; else `inconclusive` when any criterion
 * has too few; else `pass`. Tests that could not run are reported beside
 * it and change nothing.
 */
export function acceptanceVerdict(
  terms: ContractTerms,
  measurements: CampaignMeasurements,
  thresholds: AcceptanceThresholds = DEFAULT_ACCEPTANCE_THRESHOLDS,
): Verdict {
  const criteria: CriterionResult[] = [
    speedCriterion(
      'download',
      measurements.download,
      terms.download_max_mbps,
      terms.download_min_mbps,
      terms.kind,
      measurements.bottleneck,
      thresholds,
    ),
    speedCriterion(
      'upload',
      measurements.upload,
      terms.upload_max_mbps,
      terms.upload_min_mbps,
      terms.kind,
      measurements.bottleneck,
      thresholds,
    ),
    ...latencyCriteria(measurements.latency, terms, thresholds),
  ];
  const rooms = measurements.rooms ?? [];
  if (terms.kind === 'internal_network' && rooms.length > 0) criteria.push(roomsCriterion(rooms, thresholds));
  if (terms.kind === 'internal_network')
    criteria.push(uplinkCriterion(measurements.uplink ?? [], thresholds));
  const failed = criteria.filter((c) => c.status === 'fail').map((c) => c.criterion);
  const status: VerdictStatus =
    failed.length > 0 ? 'fail' : criteria.some((c) => c.status === 'inconclusive') ? 'inconclusive' : 'pass';
  const byReason = { ...measurements.not_run };
  return {
    status,
    criteria,
    failed,
    not_run: { by_reason: byReason, total: Object.values(byReason).reduce((a, b) => a + b, 0) },
    school_limited: criteria.some((c) => c.school_limited > 0),
  };
}
