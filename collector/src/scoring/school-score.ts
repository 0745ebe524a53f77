import type { Band, Fields, Tags } from '@skolnet/shared';
import {
  COMPONENT_KEYS,
  DEFAULT_SCORING_CONFIG,
  type ComponentKey,
  type InternalChecksConfig,
  type Points,
  type ScoringConfig,
} from './score-config.js';

/**
 * The school score (docs/methodology.md). Two steps, both pure:
 * {@link extractFigures} turns results into plain figures (medians,
 * percentiles, school days); {@link scoreFigures} turns figures into
 * component scores and a total. The planner scores "what if" figures
 * with the same second step, so an option's expected score uses exactly
 * the published method.
 */

/** Measurement whose `download_mbps`/`upload_mbps` give throughput. */
export const THROUGHPUT_MEASUREMENT = 'throughput';
/** Measurement whose `rtt_avg_ms`, `jitter_ms`, `loss_pct` give latency, jitter and loss. */
export const LATENCY_MEASUREMENT = 'latency';
/**
 * Only latency to the collector counts: it is the one target every agent
 * measures, across the school's internet link.
 */
export const LATENCY_TARGET = 'collector';
/** Measurements the scoring reads; the store can narrow its query to them. */
export const SCORING_MEASUREMENTS: readonly string[] = [THROUGHPUT_MEASUREMENT, LATENCY_MEASUREMENT];

/** One result as the scoring needs it. */
export interface ScoringResult {
  measurement: string;
  fields: Fields;
  tags: Tags;
  /** RFC 3339; without it the result counts towards no school day or lesson hour. */
  at?: string;
}

/**
 * Internal-network facts from SNMP (switches and access points). Every
 * field is optional: a missing one is "no data" for its check.
 */
export interface InternalNetworkFacts {
  switches_total?: number;
  /** Switches whose access ports run at 100 Mbit/s at most. */
  switches_100m?: number;
  /** Switches without PoE. */
  switches_without_poe?: number;
  /** p95 utilisation of the internet uplink in school hours, percent. */
  uplink_utilisation_p95_pct?: number;
  /** Ports in a duplex mismatch. */
  duplex_mismatches?: number;
  aps_total?: number;
  /** Access points whose radios do 2.4 GHz only (hardware). */
  aps_24ghz_only?: number;
  /** The school's SSIDs are offered on 2.4 GHz only although the APs could do 5 GHz (configuration). */
  ssid_24ghz_only?: boolean;
  /** Neighbouring access points share or overlap channels (configuration). */
  overlapping_channels?: boolean;
}

/** Plain figures a score is computed from; undefined means no data. */
export interface ScoreFigures {
  download_mbps?: number;
  download_samples: number;
  upload_mbps?: number;
  upload_samples: number;
  /** Share of school-hour latency probes to the collector that got a reply (0-1). */
  availability_share?: number;
  availability_samples: number;
  rtt_median_ms?: number;
  rtt_p95_ms?: number;
  rtt_samples: number;
  jitter_ms?: number;
  jitter_samples: number;
  loss_pct?: number;
  loss_samples: number;
  /** Share of teaching rooms covered (0-1), from the Wi-Fi coverage analysis. */
  wifi_coverage_share?: number;
  internal?: InternalNetworkFacts;
  /** Distinct school days (local date, school weekday) with any result. */
  school_days: number;
  /** Distinct lesson hours (local date and hour inside school hours) with any result. */
  lesson_hours: number;
}

/** How one component was scored. */
export interface ScoreComponent {
  /** 0-100, rounded to 0.1. */
  score: number;
  /** Weight after renormalisation over the components with data (sums to 1). */
  weight: number;
  /** Results behind the figure. */
  samples: number;
}

/** Download, with the figures behind it. */
export interface DownloadComponent extends ScoreComponent {
  median_mbps: number;
  per_pupil_mbps: number;
  /** True when the school minimum lowered the score. */
  capped: boolean;
}
/** Upload. */
export interface UploadComponent extends ScoreComponent {
  median_mbps: number;
  per_pupil_mbps: number;
}
/** Availability in school hours. */
export interface AvailabilityComponent extends ScoreComponent {
  share: number;
}
/** Round-trip time to the collector. */
export interface LatencyComponent extends ScoreComponent {
  median_ms: number;
  p95_ms: number;
}
/** Jitter to the collector. */
export interface JitterComponent extends ScoreComponent {
  median_ms: number;
}
/** Loss to the collector. */
export interface LossComponent extends ScoreComponent {
  median_pct: number;
}
/** Wi-Fi coverage of teaching rooms. */
export interface WifiComponent extends ScoreComponent {
  coverage_share: number;
}
/** Internal network, with each check that had data. */
export interface InternalComponent extends ScoreComponent {
  checks: Partial<Record<keyof InternalChecksConfig, number>>;
}

/** The score's parts; a component without data is null. */
export interface ScoreComponents {
  download: DownloadComponent | null;
  upload: UploadComponent | null;
  availability: AvailabilityComponent | null;
  latency: LatencyComponent | null;
  jitter: JitterComponent | null;
  loss: LossComponent | null;
  wifi: WifiComponent | null;
  internal: InternalComponent | null;
}

/** How much data stands behind a score. */
export interface ScoreConfidence {
  /** `none` when the score is withheld as insufficient data. */
  level: 'high' | 'medium' | 'low' | 'none';
  school_days: number;
  lesson_hours: number;
  throughput_samples: number;
  latency_samples: number;
  /** Components without data (their weight went to the others). */
  missing: ComponentKey[];
}

/** Outcome of {@link scoreFigures}. */
export interface SchoolScore {
  /** 0-100 rounded to 0.1, or null for insufficient data. */
  score: number | null;
  band: Band;
  components: ScoreComponents;
  confidence: ScoreConfidence;
  /** Hard caps that lowered the total. */
  caps_applied: ('no_line' | 'no_wifi')[];
  /** The total before caps and rounding; the planner uses it for score gains. */
  uncapped?: number;
}

/** Input of {@link scoreSchool}. */
export interface ScoreInput {
  /** Pupils; 0 is scored as 1 so per-pupil rates stay finite. */
  pupils: number;
  /** Results inside the window (the raw method). */
  results?: readonly ScoringResult[];
  /**
   * Hourly rollups of the window instead of results; when given, the
   * figures come from {@link extractFiguresFromRollups} and `results` is unused.
   */
  rollups?: readonly ScoringRollup[];
  /** Wi-Fi coverage share (0-1) from the coverage analysis, when known. */
  wifi_coverage_share?: number;
  /** Internal-network facts from SNMP, when known. */
  internal?: InternalNetworkFacts;
}

/** Median of a non-empty list; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/** Percentile by nearest rank (p in 0-100) of a non-empty list. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1] as number;
}

/** Piecewise-linear interpolation through `points` (x ascending), flat outside. */
export function interpolate(points: Points, x: number): number {
  const first = points[0];
  const last = points[points.length - 1];
  if (first === undefined || last === undefined) throw new RangeError('no points');
  if (x <= first[0]) return first[1];
  if (x >= last[0]) return last[1];
  for (let i = 1; i < points.length; i += 1) {
    const [x1, y1] = points[i] as readonly [number, number];
    const [x0, y0] = points[i - 1] as readonly [number, number];
    if (x <= x1) return y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
  }
  return last[1];
}

/** The band of a score. */
export function bandOf(score: number | null, config: ScoringConfig = DEFAULT_SCORING_CONFIG): Band {
  if (score === null) return 'insufficient_data';
  if (score >= config.bands.good) return 'good';
  if (score >= config.bands.moderate) return 'moderate';
  return 'priority';
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local date, ISO weekday and hour of an instant in `timeZone`. */
export function localTime(at: Date, timeZone: string): { date: string; weekday: number; hour: number } {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      weekday: 'short',
      hour: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  const parts: Record<string, string> = {};
  for (const p of f.formatToParts(at)) parts[p.type] = p.value;
  return {
    date: `${parts['year']}-${parts['month']}-${parts['day']}`,
    weekday: WEEKDAYS[parts['weekday'] ?? ''] ?? 0,
    hour: Number(parts['hour']),
  };
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Turns a school's results inside the window into {@link ScoreFigures}. */
export function extractFigures(
  results: readonly ScoringResult[],
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): ScoreFigures {
  const downloads: number[] = [];
  const uploads: number[] = [];
  const rtts: number[] = [];
  const jitters: number[] = [];
  const losses: number[] = [];
  let schoolHourProbes = 0;
  let schoolHourReplies = 0;
  const days = new Set<string>();
  const hours = new Set<string>();
  const { days: schoolDays, start_hour: startHour, end_hour: endHour } = config.school_hours;

  for (const r of results) {
    let inSchoolHours = false;
    if (r.at !== undefined) {
      const t = new Date(r.at);
      if (!Number.isNaN(t.getTime())) {
        const local = localTime(t, config.time_zone);
        if (schoolDays.includes(local.weekday)) {
          days.add(local.date);
          if (local.hour >= startHour && local.hour < endHour) {
            inSchoolHours = true;
            hours.add(`${local.date}T${local.hour}`);
          }
        }
      }
    }
    // A failed measurement (result: "timeout", "error") carries no rate or round trip.
    const failed = typeof r.fields['result'] === 'string' && r.fields['result'] !== 'success';
    if (r.measurement === THROUGHPUT_MEASUREMENT && !failed) {
      const down = finiteNumber(r.fields['download_mbps']);
      if (down !== undefined && down >= 0) downloads.push(down);
      const up = finiteNumber(r.fields['upload_mbps']);
      if (up !== undefined && up >= 0) uploads.push(up);
    } else if (r.measurement === LATENCY_MEASUREMENT && r.tags['target'] === LATENCY_TARGET) {
      // Loss counts even for a timed-out target: 100% loss is the finding.
      const loss = finiteNumber(r.fields['loss_pct']);
      if (loss !== undefined && loss >= 0) {
        losses.push(Math.min(loss, 100));
        if (inSchoolHours) {
          schoolHourProbes += 1;
          if (loss < 100) schoolHourReplies += 1;
        }
      }
      const rtt = finiteNumber(r.fields['rtt_avg_ms']);
      if (rtt !== undefined && rtt >= 0 && !failed) rtts.push(rtt);
      const jitter = finiteNumber(r.fields['jitter_ms']);
      if (jitter !== undefined && jitter >= 0 && !failed) jitters.push(jitter);
    }
  }
  const figures: ScoreFigures = {
    download_samples: downloads.length,
    upload_samples: uploads.length,
    availability_samples: schoolHourProbes,
    rtt_samples: rtts.length,
    jitter_samples: jitters.length,
    loss_samples: losses.length,
    school_days: days.size,
    lesson_hours: hours.size,
  };
  if (downloads.length > 0) figures.download_mbps = median(downloads);
  if (uploads.length > 0) figures.upload_mbps = median(uploads);
  if (rtts.length > 0) {
    figures.rtt_median_ms = median(rtts);
    figures.rtt_p95_ms = percentile(rtts, 95);
  }
  if (jitters.length > 0) figures.jitter_ms = median(jitters);
  if (losses.length > 0) figures.loss_pct = median(losses);
  if (schoolHourProbes > 0) figures.availability_share = schoolHourReplies / schoolHourProbes;
  return figures;
}

/**
 * One UTC hour of one numeric field of one series (school, measurement,
 * `target` tag, outcome), as the store's hourly rollups give it. p50 and
 * p95 are nearest-rank ({@link percentile}).
 */
export interface ScoringRollup {
  measurement: string;
  /** The `target` tag, `''` without one. */
  target: string;
  /** The `result` field, `''` without one. */
  outcome: string;
  /** Start of the hour, RFC 3339 UTC. */
  hour: string;
  field: string;
  count: number;
  min: number;
  max: number;
  p50: number;
  p95: number;
}

/** Each hour's statistic repeated by its count: the hours weighted by the results behind them. */
function weightedByCount(rollups: readonly ScoringRollup[], stat: (r: ScoringRollup) => number): number[] {
  const out: number[] = [];
  for (const r of rollups) for (let i = 0; i < r.count; i += 1) out.push(stat(r));
  return out;
}

/**
 * How many of an hour's values are known to be below `limit` from its
 * order statistics alone: nearest-rank p50 and p95 fix the values at ranks
 * ⌈n/2⌉ and ⌈0.95n⌉, min and max the first and last. Exact whenever an
 * hour's values are all below or all at the limit.
 */
function knownBelow(r: ScoringRollup, limit: number): number {
  if (r.max < limit) return r.count;
  if (r.p95 < limit) return Math.max(1, Math.ceil(0.95 * r.count));
  if (r.p50 < limit) return Math.max(1, Math.ceil(0.5 * r.count));
  return r.min < limit ? 1 : 0;
}

/**
 * {@link extractFigures} over hourly rollups instead of raw results
 * (docs/methodology.md, "Hourly rollups"). Each hour enters with the
 * weight of its result count: medians are the median of the hours'
 * medians, the round-trip p95 the nearest-rank p95 of the hours' p95s.
 * Where every hour holds at most one result of a series (throughput, six
 * hours apart by default) the figures equal those from raw results.
 * Availability counts an hour's probes with a reply from its loss
 * statistics; school days and lesson hours count hours with any rollup.
 */
export function extractFiguresFromRollups(
  rollups: readonly ScoringRollup[],
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): ScoreFigures {
  const { days: schoolDays, start_hour: startHour, end_hour: endHour } = config.school_hours;
  const days = new Set<string>();
  const hours = new Set<string>();
  const inSchoolHours = new Map<string, boolean>();
  for (const hour of new Set(rollups.map((r) => r.hour))) {
    const t = new Date(hour);
    if (Number.isNaN(t.getTime())) continue;
    const local = localTime(t, config.time_zone);
    if (!schoolDays.includes(local.weekday)) continue;
    days.add(local.date);
    const lesson = local.hour >= startHour && local.hour < endHour;
    inSchoolHours.set(hour, lesson);
    if (lesson) hours.add(`${local.date}T${local.hour}`);
  }

  // As for raw results: rates and round trips from successful runs only; loss from every probe.
  const succeeded = (r: ScoringRollup): boolean => r.outcome === '' || r.outcome === 'success';
  const series = (measurement: string, field: string, ok: boolean, target?: string): ScoringRollup[] =>
    rollups.filter(
      (r) =>
        r.measurement === measurement &&
        r.field === field &&
        (target === undefined || r.target === target) &&
        (!ok || succeeded(r)),
    );
  const downloads = series(THROUGHPUT_MEASUREMENT, 'download_mbps', true);
  const uploads = series(THROUGHPUT_MEASUREMENT, 'upload_mbps', true);
  const rtts = series(LATENCY_MEASUREMENT, 'rtt_avg_ms', true, LATENCY_TARGET);
  const jitters = series(LATENCY_MEASUREMENT, 'jitter_ms', true, LATENCY_TARGET);
  const losses = series(LATENCY_MEASUREMENT, 'loss_pct', false, LATENCY_TARGET);
  const count = (list: readonly ScoringRollup[]): number => list.reduce((n, r) => n + r.count, 0);

  let schoolHourProbes = 0;
  let schoolHourReplies = 0;
  for (const r of losses) {
    if (!inSchoolHours.get(r.hour)) continue;
    schoolHourProbes += r.count;
    schoolHourReplies += knownBelow(r, 100);
  }
  const figures: ScoreFigures = {
    download_samples: count(downloads),
    upload_samples: count(uploads),
    availability_samples: schoolHourProbes,
    rtt_samples: count(rtts),
    jitter_samples: count(jitters),
    loss_samples: count(losses),
    school_days: days.size,
    lesson_hours: hours.size,
  };
  const p50 = (r: ScoringRollup): number => r.p50;
  if (downloads.length > 0) figures.download_mbps = median(weightedByCount(downloads, p50));
  if (uploads.length > 0) figures.upload_mbps = median(weightedByCount(uploads, p50));
  if (rtts.length > 0) {
    figures.rtt_median_ms = median(weightedByCount(rtts, p50));
    figures.rtt_p95_ms = percentile(
      weightedByCount(rtts, (r) => r.p95),
      95,
    );
  }
  if (jitters.length > 0) figures.jitter_ms = median(weightedByCount(jitters, p50));
  // Clamping commutes with order statistics, so clamping each hour's median is exact.
  if (losses.length > 0) figures.loss_pct = median(weightedByCount(losses, (r) => Math.min(r.p50, 100)));
  if (schoolHourProbes > 0) figures.availability_share = schoolHourReplies / schoolHourProbes;
  return figures;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

function shareOf(part: number | undefined, total: number | undefined): number | undefined {
  if (part === undefined || total === undefined || total <= 0) return undefined;
  return Math.min(1, Math.max(0, part / total));
}

function scoreInternal(
  facts: InternalNetworkFacts | undefined,
  checks: InternalChecksConfig,
): Partial<Record<keyof InternalChecksConfig, number>> {
  if (!facts) return {};
  const out: Partial<Record<keyof InternalChecksConfig, number>> = {};
  const gigabit = shareOf(
    facts.switches_100m === undefined || facts.switches_total === undefined
      ? undefined
      : facts.switches_total - facts.switches_100m,
    facts.switches_total,
  );
  if (gigabit !== undefined)
    out.gigabit_switch_share = round1(interpolate(checks.gigabit_switch_share, gigabit));
  const poe = shareOf(
    facts.switches_without_poe === undefined || facts.switches_total === undefined
      ? undefined
      : facts.switches_total - facts.switches_without_poe,
    facts.switches_total,
  );
  if (poe !== undefined) out.poe_switch_share = round1(interpolate(checks.poe_switch_share, poe));
  if (facts.uplink_utilisation_p95_pct !== undefined) {
    out.uplink_utilisation_p95_pct = round1(
      interpolate(checks.uplink_utilisation_p95_pct, facts.uplink_utilisation_p95_pct),
    );
  }
  if (facts.duplex_mismatches !== undefined) {
    out.duplex_mismatches = round1(interpolate(checks.duplex_mismatches, facts.duplex_mismatches));
  }
  const ap24 = shareOf(facts.aps_24ghz_only, facts.aps_total);
  if (ap24 !== undefined) out.ap_24ghz_only_share = round1(interpolate(checks.ap_24ghz_only_share, ap24));
  if (facts.ssid_24ghz_only !== undefined || facts.overlapping_channels !== undefined) {
    const fault = facts.ssid_24ghz_only === true || facts.overlapping_channels === true ? 1 : 0;
    out.radio_config_faults = round1(interpolate(checks.radio_config_faults, fault));
  }
  return out;
}

/** Scores plain figures for a school of `pupils` (docs/methodology.md). */
export function scoreFigures(
  figures: ScoreFigures,
  pupils: number,
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): SchoolScore {
  const c = config.components;
  const perPupil = (mbps: number): number => mbps / Math.max(pupils, 1);
  const noLineByAvailability =
    figures.availability_share !== undefined &&
    figures.availability_samples >= c.availability.min_samples &&
    figures.availability_share < config.caps.no_line.availability_below;

  const components: ScoreComponents = {
    download: null,
    upload: null,
    availability: null,
    latency: null,
    jitter: null,
    loss: null,
    wifi: null,
    internal: null,
  };
  // A line that is down most of the lesson hours yields no throughput
  // result at all; its download is then known to be nothing, not unknown.
  const downloadMbps = figures.download_mbps ?? (noLineByAvailability ? 0 : undefined);
  if (downloadMbps !== undefined) {
    const uncapped = interpolate(c.download.points, perPupil(downloadMbps));
    const minimumCap =
      downloadMbps < c.download.school_minimum_mbps
        ? (c.download.below_minimum_cap * downloadMbps) / c.download.school_minimum_mbps
        : Infinity;
    components.download = {
      score: round1(Math.min(uncapped, minimumCap)),
      weight: 0,
      samples: figures.download_samples,
      median_mbps: downloadMbps,
      per_pupil_mbps: perPupil(downloadMbps),
      capped: minimumCap < uncapped,
    };
  }
  if (figures.upload_mbps !== undefined) {
    components.upload = {
      score: round1(interpolate(c.upload.points, perPupil(figures.upload_mbps))),
      weight: 0,
      samples: figures.upload_samples,
      median_mbps: figures.upload_mbps,
      per_pupil_mbps: perPupil(figures.upload_mbps),
    };
  }
  if (
    figures.availability_share !== undefined &&
    figures.availability_samples >= c.availability.min_samples
  ) {
    components.availability = {
      score: round1(interpolate(c.availability.points, figures.availability_share)),
      weight: 0,
      samples: figures.availability_samples,
      share: figures.availability_share,
    };
  }
  if (figures.rtt_p95_ms !== undefined) {
    components.latency = {
      score: round1(interpolate(c.latency.points, figures.rtt_p95_ms)),
      weight: 0,
      samples: figures.rtt_samples,
      median_ms: figures.rtt_median_ms ?? figures.rtt_p95_ms,
      p95_ms: figures.rtt_p95_ms,
    };
  }
  if (figures.jitter_ms !== undefined) {
    components.jitter = {
      score: round1(interpolate(c.jitter.points, figures.jitter_ms)),
      weight: 0,
      samples: figures.jitter_samples,
      median_ms: figures.jitter_ms,
    };
  }
  if (figures.loss_pct !== undefined) {
    components.loss = {
      score: round1(interpolate(c.loss.points, figures.loss_pct)),
      weight: 0,
      samples: figures.loss_samples,
      median_pct: figures.loss_pct,
    };
  }
  if (figures.wifi_coverage_share !== undefined) {
    const share = Math.min(1, Math.max(0, figures.wifi_coverage_share));
    components.wifi = {
      score: round1(interpolate(c.wifi.points, share)),
      weight: 0,
      samples: 1,
      coverage_share: share,
    };
  }
  const checks = scoreInternal(figures.internal, c.internal.checks);
  const checkScores = Object.values(checks);
  if (checkScores.length > 0) {
    components.internal = {
      score: round1(checkScores.reduce((a, b) => a + b, 0) / checkScores.length),
      weight: 0,
      samples: checkScores.length,
      checks,
    };
  }

  const present = COMPONENT_KEYS.filter((k) => components[k] !== null && c[k].weight > 0);
  const missing = COMPONENT_KEYS.filter((k) => components[k] === null);
  const totalWeight = present.reduce((sum, k) => sum + c[k].weight, 0);
  let weighted = 0;
  for (const k of present) {
    const component = components[k] as ScoreComponent;
    component.weight = c[k].weight / totalWeight;
    weighted += component.score * component.weight;
  }

  const confidence: ScoreConfidence = {
    level: 'low',
    school_days: figures.school_days,
    lesson_hours: figures.lesson_hours,
    throughput_samples: figures.download_samples,
    latency_samples: figures.loss_samples,
    missing,
  };
  const { high, medium } = config.confidence;
  const core = !missing.includes('download') && !missing.includes('latency') && !missing.includes('loss');
  if (core && figures.school_days >= high.school_days && figures.lesson_hours >= high.lesson_hours) {
    confidence.level = 'high';
  } else if (figures.school_days >= medium.school_days && figures.lesson_hours >= medium.lesson_hours) {
    confidence.level = 'medium';
  }

  const min = config.minimum_data;
  const enoughThroughput =
    figures.download_samples >= Math.max(1, min.throughput_results) || noLineByAvailability;
  if (
    !enoughThroughput ||
    components.download === null ||
    figures.school_days < min.school_days ||
    figures.lesson_hours < min.lesson_hours
  ) {
    confidence.level = 'none';
    return { score: null, band: 'insufficient_data', components, confidence, caps_applied: [] };
  }

  const capsApplied: SchoolScore['caps_applied'] = [];
  let total = weighted;
  if (
    (components.download.median_mbps < config.caps.no_line.below_mbps || noLineByAvailability) &&
    total > config.caps.no_line.cap
  ) {
    total = config.caps.no_line.cap;
    capsApplied.push('no_line');
  }
  if (
    components.wifi !== null &&
    components.wifi.coverage_share < config.caps.no_wifi.share_below &&
    total > config.caps.no_wifi.cap
  ) {
    total = config.caps.no_wifi.cap;
    capsApplied.push('no_wifi');
  }
  const score = round1(total);
  return {
    score,
    band: bandOf(score, config),
    components,
    confidence,
    caps_applied: capsApplied,
    uncapped: weighted,
  };
}

/** Scores a school from its results or hourly rollups in the window plus optional Wi-Fi and internal facts. */
export function scoreSchool(input: ScoreInput, config: ScoringConfig = DEFAULT_SCORING_CONFIG): SchoolScore {
  const figures =
    input.rollups !== undefined
      ? extractFiguresFromRollups(input.rollups, config)
      : extractFigures(input.results ?? [], config);
  if (input.wifi_coverage_share !== undefined) figures.wifi_coverage_share = input.wifi_coverage_share;
  if (input.internal !== undefined) figures.internal = input.internal;
  return scoreFigures(figures, input.pupils, config);
}
