import type { Band, Fields, Tags } from '@skolnet/shared';

/**
 * The first, deliberately simple school score (docs/scoring.md). Pure
 * functions over plain data: no database, no fastify, so every number can
 * be recomputed by hand from the results it was given.
 */

/** Results older than this do not count towards the score, in ms (7 days: one school week plus weekend). */
export const SCORING_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Measurement whose `download_mbps` field gives the school's download throughput. */
export const THROUGHPUT_MEASUREMENT = 'throughput';
/** Field of {@link THROUGHPUT_MEASUREMENT}: download rate in Mbit/s (SI). */
export const DOWNLOAD_FIELD = 'download_mbps';
/** Measurement whose `rtt_avg_ms` and `loss_pct` fields give latency and loss. */
export const LATENCY_MEASUREMENT = 'latency';
/** Field of {@link LATENCY_MEASUREMENT}: mean round-trip time in ms. */
export const RTT_FIELD = 'rtt_avg_ms';
/** Field of {@link LATENCY_MEASUREMENT}: packet loss in percent (0-100). */
export const LOSS_FIELD = 'loss_pct';
/**
 * Only latency to the collector counts: it is the one target every agent
 * measures and the path the ministry's services take; a school's gateway
 * says nothing about its internet link.
 */
export const LATENCY_TARGET = 'collector';

/** Measurements the scoring reads; the store can narrow its query to them. */
export const SCORING_MEASUREMENTS: readonly string[] = [THROUGHPUT_MEASUREMENT, LATENCY_MEASUREMENT];

/**
 * Download points, Mbit/s per pupil → score, joined by straight lines and
 * flat beyond the last.
 * - 0.1 Mbit/s per pupil is the FCC's short-term E-rate target
 *   (100 Mbit/s per 1,000 students, FCC 14-99, 2014) → 40.
 * - 1 Mbit/s per pupil is the FCC's long-term target (1 Gbit/s per 1,000
 *   students) and SETDA's goal for 2017-18 (The Broadband Imperative, 2012) → 100.
 */
export const DOWNLOAD_POINTS: readonly (readonly [number, number])[] = [
  [0, 0],
  [0.1, 40],
  [1, 100],
];

/**
 * Minimum download of a school as a whole, in Mbit/s: 20 Mbit/s per school,
 * the 2030 meaningful-connectivity target of the UN Envoy on Technology and
 * the ITU that the ITU/UNICEF Giga initiative uses for schools.
 * Below it, the download component is capped, however few the pupils.
 */
export const SCHOOL_MINIMUM_MBPS = 20;
/** The cap applied below {@link SCHOOL_MINIMUM_MBPS}: the score of the FCC short-term target. */
export const BELOW_MINIMUM_CAP = 40;

/**
 * Latency points, round-trip ms → score. ITU-T G.114 keeps one-way delay
 * under 150 ms for interactive use, i.e. 300 ms round trip → 0; 20 ms is a
 * good national fixed-line round trip → 100.
 */
export const LATENCY_POINTS: readonly (readonly [number, number])[] = [
  [20, 100],
  [300, 0],
];

/**
 * Loss points, percent → score. ITU-T Y.1541's objective for interactive
 * classes is 0.1% (1 × 10⁻³) loss; a single TCP flow's rate falls with
 * 1/√loss (Mathis et al., 1997), so at 1% a flow gets about a third of
 * what 0.1% allows → 50; at 5% calls and video break down → 0. The 1% and
 * 5% points are a judgement anchored by those sources, not a standard.
 */
export const LOSS_POINTS: readonly (readonly [number, number])[] = [
  [0, 100],
  [1, 50],
  [5, 0],
];

/** Component weights before renormalisation: download dominates, as it is what schools lack most. */
export const WEIGHTS = { download: 0.6, latency: 0.2, loss: 0.2 } as const;

/** Band thresholds on the rounded score. */
export const BAND_GOOD_MIN = 80;
/** Lowest score of the `moderate` band; below it a school is `priority`. */
export const BAND_MODERATE_MIN = 50;

/** One result as the scoring needs it. */
export interface ScoringResult {
  measurement: string;
  fields: Fields;
  tags: Tags;
}

/** Input of {@link scoreSchool}. */
export interface ScoreInput {
  /** Pupils of the school; 0 is scored as 1 so the per-pupil rate stays finite. */
  pupils: number;
  /** The school's results inside the scoring window; others are ignored by kind. */
  results: readonly ScoringResult[];
}

/** How one component was scored. */
export interface ScoreComponent {
  /** Component score, 0-100, rounded to 0.1. */
  score: number;
  /** Weight after renormalisation over the present components (sums to 1). */
  weight: number;
  /** Number of results the median was taken over. */
  samples: number;
}

/** The download component, with the figures behind it. */
export interface DownloadComponent extends ScoreComponent {
  /** Median download rate of the school, Mbit/s. */
  median_mbps: number;
  /** Median divided by pupils, Mbit/s per pupil. */
  per_pupil_mbps: number;
  /** True when the school is below {@link SCHOOL_MINIMUM_MBPS} and the cap lowered the score. */
  capped: boolean;
}

/** The latency component. */
export interface LatencyComponent extends ScoreComponent {
  /** Median round-trip time to the collector, ms. */
  median_ms: number;
}

/** The loss component. */
export interface LossComponent extends ScoreComponent {
  /** Median packet loss towards the collector, percent. */
  median_pct: number;
}

/** The score's parts; a component without results is null. */
export interface ScoreComponents {
  download: DownloadComponent | null;
  latency: LatencyComponent | null;
  loss: LossComponent | null;
}

/** Outcome of {@link scoreSchool}. */
export interface SchoolScore {
  /** 0-100 rounded to 0.1, or null without any throughput result. */
  score: number | null;
  band: Band;
  components: ScoreComponents;
}

/** Median of a non-empty list; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] as number;
  return sorted.length % 2 === 1 ? upper : ((sorted[mid - 1] as number) + upper) / 2;
}

/**
 * Piecewise-linear interpolation through `points` (sorted by x), flat
 * before the first point and after the last.
 */
export function interpolate(points: readonly (readonly [number, number])[], x: number): number {
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
export function bandOf(score: number | null): Band {
  if (score === null) return 'insufficient_data';
  if (score >= BAND_GOOD_MIN) return 'good';
  if (score >= BAND_MODERATE_MIN) return 'moderate';
  return 'priority';
}

/** Scores a school from its recent results (docs/scoring.md). */
export function scoreSchool(input: ScoreInput): SchoolScore {
  const downloads: number[] = [];
  const rtts: number[] = [];
  const losses: number[] = [];
  for (const r of input.results) {
    // A failed measurement (result: "timeout", "error") carries no rate.
    const failed = typeof r.fields['result'] === 'string' && r.fields['result'] !== 'success';
    if (r.measurement === THROUGHPUT_MEASUREMENT && !failed) {
      const mbps = finiteNumber(r.fields[DOWNLOAD_FIELD]);
      if (mbps !== undefined && mbps >= 0) downloads.push(mbps);
    } else if (r.measurement === LATENCY_MEASUREMENT && r.tags['target'] === LATENCY_TARGET) {
      // Loss counts even for a timed-out target: 100% loss is the finding.
      const loss = finiteNumber(r.fields[LOSS_FIELD]);
      if (loss !== undefined && loss >= 0) losses.push(Math.min(loss, 100));
      const rtt = finiteNumber(r.fields[RTT_FIELD]);
      if (rtt !== undefined && rtt >= 0 && !failed) rtts.push(rtt);
    }
  }

  const raw = {
    download: downloads.length > 0 ? scoreDownload(downloads, input.pupils) : null,
    latency: rtts.length > 0 ? scoreLatency(rtts) : null,
    loss: losses.length > 0 ? scoreLoss(losses) : null,
  };
  if (raw.download === null) {
    return { score: null, band: 'insufficient_data', components: raw };
  }

  const present = (Object.keys(WEIGHTS) as (keyof typeof WEIGHTS)[]).filter((k) => raw[k] !== null);
  const totalWeight = present.reduce((sum, k) => sum + WEIGHTS[k], 0);
  let weighted = 0;
  for (const k of present) {
    const component = raw[k] as ScoreComponent;
    component.weight = WEIGHTS[k] / totalWeight;
    weighted += component.score * component.weight;
  }
  const score = round1(weighted);
  return { score, band: bandOf(score), components: raw };
}

function scoreDownload(downloads: number[], pupils: number): DownloadComponent {
  const medianMbps = median(downloads);
  const perPupil = medianMbps / Math.max(pupils, 1);
  const uncapped = interpolate(DOWNLOAD_POINTS, perPupil);
  const capped = medianMbps < SCHOOL_MINIMUM_MBPS && uncapped > BELOW_MINIMUM_CAP;
  return {
    score: round1(capped ? BELOW_MINIMUM_CAP : uncapped),
    weight: 0,
    samples: downloads.length,
    median_mbps: medianMbps,
    per_pupil_mbps: perPupil,
    capped,
  };
}

function scoreLatency(rtts: number[]): LatencyComponent {
  const m = median(rtts);
  return { score: round1(interpolate(LATENCY_POINTS, m)), weight: 0, samples: rtts.length, median_ms: m };
}

function scoreLoss(losses: number[]): LossComponent {
  const m = median(losses);
  return { score: round1(interpolate(LOSS_POINTS, m)), weight: 0, samples: losses.length, median_pct: m };
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
