import {
  intlZoneOffset,
  median,
  percentile,
  timetableMinutes,
  wallTime,
  wallTimeInLessons,
  type Band,
  type Fields,
  type LessonTimetable,
  type Tags,
} from '@skolnet/shared';
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
  /**
   * Where download and upload come from: `lesson` (throughput runs in lesson
   * hours) or `any` (no run in lessons, so every hour's). Absent in "what
   * if" figures: read as `lesson`.
   */
  capacity_hours?: 'lesson' | 'any';
  /** Distinct school days with a successful throughput run in lesson hours (the evidence the plan asks for). */
  evidence_school_days?: number;
  /**
   * Share of latency probe runs to the collector in lesson hours that were
   * available (loss at most `availability.probe_max_loss_pct`), 0-1.
   */
  availability_share?: number;
  availability_samples: number;
  rtt_median_ms?: number;
  rtt_p95_ms?: number;
  rtt_samples: number;
  /** Where the round trips come from: `lesson`, or `any` when no probe ran in lesson hours. Absent: `lesson`. */
  rtt_hours?: 'lesson' | 'any';
  jitter_ms?: number;
  jitter_samples: number;
  /** As `rtt_hours`, for jitter. */
  jitter_hours?: 'lesson' | 'any';
  /** Lost / sent over every ping to the collector in lesson hours (see `loss_hours`), percent. */
  loss_pct?: number;
  /** Probe runs behind `loss_pct`. */
  loss_samples: number;
  /** Pings behind `loss_pct` (a run without a `sent` count weighs one). */
  loss_pings?: number;
  /** Where the loss comes from: `lesson`, or `any` when no probe ran in lesson hours. */
  loss_hours?: 'lesson' | 'any';
  /** Share of teaching rooms covered (0-1), from the Wi-Fi coverage analysis. */
  wifi_coverage_share?: number;
  internal?: InternalNetworkFacts;
  /** Distinct school days (local date, school weekday) with any result. */
  school_days: number;
  /** Distinct lesson hours (local date and hour inside school hours) with any result. */
  lesson_hours: number;
  /** Whose lesson hours the figures were taken in: the school's own timetable or the config's. Absent: `config`. */
  lesson_hours_from?: 'school' | 'config';
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
  /** True when the size-dependent minimum (the school curve) lowered the score below the per-pupil one. */
  capped: boolean;
  /** `lesson`: runs in lesson hours; `any`: none ran in lessons, so every hour's (lower confidence). */
  hours: 'lesson' | 'any';
}
/** Upload. */
export interface UploadComponent extends ScoreComponent {
  median_mbps: number;
  per_pupil_mbps: number;
  /** True when the size-dependent minimum (one class's video upload) lowered the score below the per-pupil one. */
  capped?: boolean;
  /** As for download. */
  hours: 'lesson' | 'any';
}
/** Availability in lesson hours. */
export interface AvailabilityComponent extends ScoreComponent {
  /** Share of probe runs in lesson hours that were available. */
  share: number;
  /** A run was available when at most this share of its pings was lost, percent. */
  probe_max_loss_pct: number;
}
/** Round-trip time to the collector. */
export interface LatencyComponent extends ScoreComponent {
  median_ms: number;
  p95_ms: number;
  /** `lesson`: probes in lesson hours; `any`: none ran in lessons, so every hour's. */
  hours?: 'lesson' | 'any';
}
/** Jitter to the collector. */
export interface JitterComponent extends ScoreComponent {
  median_ms: number;
  /** As for latency. */
  hours?: 'lesson' | 'any';
}
/** Loss to the collector. */
export interface LossComponent extends ScoreComponent {
  /** Lost / sent over every ping (the scored figure), percent. */
  pct: number;
  /**
   * The same figure under its old name: until skolnet-score-2 it was the
   * median of the probes' losses. Kept so readers of the API do not break.
   * @deprecated Read `pct`.
   */
  median_pct: number;
  /** Pings behind `pct`. */
  pings: number;
  /** `lesson`, or `any` when no probe ran in lesson hours. */
  hours: 'lesson' | 'any';
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
  /** Distinct school days with a successful throughput run in lesson hours. */
  evidence_school_days: number;
  throughput_samples: number;
  latency_samples: number;
  /** Components without data (their weight went to the others). */
  missing: ComponentKey[];
  /**
   * Figures that fell back from lesson hours to every hour because nothing
   * was measured in lessons: `capacity` (download and upload), `loss`,
   * `latency`, `jitter`. Capacity outside lessons keeps the level at `low`.
   */
  outside_lessons: ('capacity' | 'loss' | 'latency' | 'jitter')[];
  /** Whose lesson hours counted: the school's own timetable (`school`) or the scoring config's `school_hours`. */
  lesson_hours_from?: 'school' | 'config';
}

/** Outcome of {@link scoreFigures}. */
export interface SchoolScore {
  /** 0-100 rounded to 0.1, or null for insufficient data. */
  score: number | null;
  band: Band;
  components: ScoreComponents;
  confidence: ScoreConfidence;
  /** Hard caps that lowered the total. */
  caps_applied: ('no_line' | 'no_wifi' | 'class_video')[];
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
  /** The school's own lesson hours; without it the config's ({@link scoringTimetable}). */
  timetable?: LessonTimetable;
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

/** Local date, ISO weekday and hour of an instant in `timeZone` (the shared wall-clock reading). */
export function localTime(at: Date, timeZone: string): { date: string; weekday: number; hour: number } {
  const local = wallTime(at, timeZone);
  return { date: local.date, weekday: local.weekday, hour: Math.floor(local.minutes / 60) };
}

function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * The lesson hours the score counts in, as a timetable for the shared
 * lesson-hour rule (`isInLessonHours` of `@skolnet/shared`, the one the
 * agent schedules by): the configured school days and whole hours in
 * `time_zone`.
 */
export function scoringTimetable(config: ScoringConfig = DEFAULT_SCORING_CONFIG): LessonTimetable {
  const hhmm = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;
  const { days, start_hour: start, end_hour: end } = config.school_hours;
  return { timezone: config.time_zone, days, start: hhmm(start), end: hhmm(end) };
}

/**
 * The lesson hours a school is scored in: its own timetable (the one its
 * agents are given, see docs/scheduling.md) when it has a usable one, the
 * config's {@link scoringTimetable} otherwise. A timetable whose zone this
 * runtime does not know, whose times are not `HH:MM` or whose end is not
 * after its start counts as none: one school's bad setting must not stop
 * every school's score.
 */
export function schoolLessonTimetable(
  own: LessonTimetable | undefined,
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): { timetable: LessonTimetable; from: 'school' | 'config' } {
  if (own !== undefined && usableTimetable(own)) return { timetable: own, from: 'school' };
  return { timetable: scoringTimetable(config), from: 'config' };
}

function usableTimetable(t: LessonTimetable): boolean {
  if (t.days.length === 0 || !t.days.every((d) => Number.isInteger(d) && d >= 1 && d <= 7)) return false;
  if (intlZoneOffset(t.timezone, 0) === undefined) return false;
  try {
    return timetableMinutes(t.start, 'start') < timetableMinutes(t.end, 'end');
  } catch {
    return false;
  }
}

/** Where an instant falls: its local school day (if a school weekday) and lesson hour (if in lessons). */
interface Placement {
  /** Local date when it is a school weekday. */
  schoolDay?: string;
  /** Local date and hour when it is in lesson hours. */
  lessonHour?: string;
  /** Local date when it is in lesson hours. */
  lessonDay?: string;
}

function place(ms: number, timetable: LessonTimetable): Placement {
  const local = wallTime(ms, timetable.timezone);
  if (!timetable.days.includes(local.weekday)) return {};
  if (!wallTimeInLessons(local, timetable)) return { schoolDay: local.date };
  return {
    schoolDay: local.date,
    lessonDay: local.date,
    lessonHour: `${local.date}T${Math.floor(local.minutes / 60)}`,
  };
}

/** Lesson-hour values where there are any, else every hour's, and which it was. */
function preferLessons<T>(lesson: T[], any: T[]): { values: T[]; hours: 'lesson' | 'any' } {
  return lesson.length > 0 ? { values: lesson, hours: 'lesson' } : { values: any, hours: 'any' };
}

/** Pooled loss of probe runs: lost / sent over all their pings, percent. */
interface LossTally {
  runs: number;
  pings: number;
  lost: number;
}
const emptyTally = (): LossTally => ({ runs: 0, pings: 0, lost: 0 });

/** Loss and the figures that go with it, from lesson-hour runs or, lacking any, every run. */
function setLoss(figures: ScoreFigures, lesson: LossTally, any: LossTally): void {
  const { tally, hours } =
    lesson.runs > 0 ? { tally: lesson, hours: 'lesson' as const } : { tally: any, hours: 'any' as const };
  figures.loss_samples = tally.runs;
  if (tally.runs === 0 || tally.pings <= 0) return;
  figures.loss_pct = Math.min(100, Math.max(0, (100 * tally.lost) / tally.pings));
  figures.loss_pings = tally.pings;
  figures.loss_hours = hours;
}

/**
 * Turns a school's results inside the window into {@link ScoreFigures}
 * (docs/methodology.md): download and upload are the medians of runs in
 * lesson hours (every hour's only when none ran in lessons); availability
 * is the share of lesson-hour probe runs with at most
 * `probe_max_loss_pct` lost; loss is lost / sent over every lesson-hour ping.
 */
export function extractFigures(
  results: readonly ScoringResult[],
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
  timetable: LessonTimetable = scoringTimetable(config),
): ScoreFigures {
  const maxLoss = config.components.availability.probe_max_loss_pct;
  const downloads = { lesson: [] as number[], any: [] as number[] };
  const uploads = { lesson: [] as number[], any: [] as number[] };
  const rtts = { lesson: [] as number[], any: [] as number[] };
  const jitters = { lesson: [] as number[], any: [] as number[] };
  const loss = { lesson: emptyTally(), any: emptyTally() };
  let lessonProbes = 0;
  let lessonAvailable = 0;
  const days = new Set<string>();
  const hours = new Set<string>();
  const evidenceDays = new Set<string>();

  for (const r of results) {
    let where: Placement = {};
    if (r.at !== undefined) {
      const ms = Date.parse(r.at);
      if (!Number.isNaN(ms)) where = place(ms, timetable);
    }
    if (where.schoolDay !== undefined) days.add(where.schoolDay);
    if (where.lessonHour !== undefined) hours.add(where.lessonHour);
    const inLessons = where.lessonDay !== undefined;
    // A failed measurement (result: "timeout", "error") carries no rate or round trip.
    const failed = typeof r.fields['result'] === 'string' && r.fields['result'] !== 'success';
    if (r.measurement === THROUGHPUT_MEASUREMENT && !failed) {
      const down = finiteNumber(r.fields['download_mbps']);
      if (down !== undefined && down >= 0) {
        downloads.any.push(down);
        if (inLessons) {
          downloads.lesson.push(down);
          evidenceDays.add(where.lessonDay as string);
        }
      }
      const up = finiteNumber(r.fields['upload_mbps']);
      if (up !== undefined && up >= 0) {
        uploads.any.push(up);
        if (inLessons) uploads.lesson.push(up);
      }
    } else if (r.measurement === LATENCY_MEASUREMENT && r.tags['target'] === LATENCY_TARGET) {
      // Loss counts even for a timed-out target: 100% loss is the finding.
      const lossPct = finiteNumber(r.fields['loss_pct']);
      if (lossPct !== undefined && lossPct >= 0) {
        const pct = Math.min(lossPct, 100);
        const sent = finiteNumber(r.fields['sent']);
        // A run without its ping count weighs one ping, as an hourly rollup without `sent` does.
        const pings = sent !== undefined && sent > 0 ? sent : 1;
        for (const tally of inLessons ? [loss.any, loss.lesson] : [loss.any]) {
          tally.runs += 1;
          tally.pings += pings;
          tally.lost += (pct / 100) * pings;
        }
        if (inLessons) {
          lessonProbes += 1;
          if (pct <= maxLoss) lessonAvailable += 1;
        }
      }
      const rtt = finiteNumber(r.fields['rtt_avg_ms']);
      if (rtt !== undefined && rtt >= 0 && !failed) {
        rtts.any.push(rtt);
        if (inLessons) rtts.lesson.push(rtt);
      }
      const jitter = finiteNumber(r.fields['jitter_ms']);
      if (jitter !== undefined && jitter >= 0 && !failed) {
        jitters.any.push(jitter);
        if (inLessons) jitters.lesson.push(jitter);
      }
    }
  }
  const down = preferLessons(downloads.lesson, downloads.any);
  const up = preferLessons(uploads.lesson, uploads.any);
  const rtt = preferLessons(rtts.lesson, rtts.any);
  const jitter = preferLessons(jitters.lesson, jitters.any);
  const figures: ScoreFigures = {
    download_samples: down.values.length,
    upload_samples: up.values.length,
    availability_samples: lessonProbes,
    rtt_samples: rtt.values.length,
    jitter_samples: jitter.values.length,
    loss_samples: 0,
    school_days: days.size,
    lesson_hours: hours.size,
    evidence_school_days: evidenceDays.size,
  };
  if (down.values.length > 0) {
    figures.download_mbps = median(down.values);
    figures.capacity_hours = down.hours;
  }
  if (up.values.length > 0) figures.upload_mbps = median(up.values);
  if (up.values.length > 0 && figures.capacity_hours === undefined) figures.capacity_hours = up.hours;
  if (rtt.values.length > 0) {
    figures.rtt_median_ms = median(rtt.values);
    figures.rtt_p95_ms = percentile(rtt.values, 95);
    figures.rtt_hours = rtt.hours;
  }
  if (jitter.values.length > 0) {
    figures.jitter_ms = median(jitter.values);
    figures.jitter_hours = jitter.hours;
  }
  setLoss(figures, loss.lesson, loss.any);
  if (lessonProbes > 0) figures.availability_share = lessonAvailable / lessonProbes;
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
  /** Arithmetic mean; the store always has it. Without it loss takes p50 (an approximation). */
  mean?: number;
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
 * How many of an hour's values are known to be at most `limit` from its
 * statistics alone, a lower bound: nearest-rank p50 and p95 fix the values
 * at ranks ⌈n/2⌉ and ⌈0.95n⌉, min and max the first and last; and the sum
 * (mean × n) bounds how many can lie above the limit, each of them adding
 * more than `limit − min` to it. Exact whenever an hour's values are all on
 * one side of the limit, and in the usual case of one run down in an hour
 * whose other runs lost little. It never counts an unavailable run.
 */
function knownAtMost(r: ScoringRollup, limit: number): number {
  if (r.max <= limit) return r.count;
  if (r.min > limit) return 0;
  let known = 1;
  if (r.p95 <= limit) known = Math.max(1, Math.ceil(0.95 * r.count));
  else if (r.p50 <= limit) known = Math.max(1, Math.ceil(0.5 * r.count));
  if (r.mean !== undefined && limit > r.min) {
    const aboveAtMost = Math.floor((r.count * (r.mean - r.min)) / (limit - r.min));
    known = Math.max(known, r.count - Math.min(r.count, aboveAtMost));
  }
  return known;
}

/** Length of a rollup bucket, ms. */
const HOUR_MS = 3_600_000;

/**
 * {@link extractFigures} over hourly rollups instead of raw results
 * (docs/methodology.md, "Hourly rollups"). An hour is in lesson hours when
 * its middle is (the shared lesson-hour rule), exact for timetables in
 * whole hours of a zone with whole-hour offsets. Each hour enters with the
 * weight of its result count: medians are the median of the hours'
 * medians, the round-trip p95 the nearest-rank p95 of the hours' p95s.
 * Loss pools each hour's pings: sent = mean `sent` × runs, lost = mean
 * `loss_pct` × sent (exact when an hour's runs send the same count).
 * Availability counts an hour's available runs from its loss statistics.
 * Where every hour holds at most one result of a series (throughput, six
 * hours apart by default) the figures equal those from raw results.
 */
export function extractFiguresFromRollups(
  rollups: readonly ScoringRollup[],
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
  timetable: LessonTimetable = scoringTimetable(config),
): ScoreFigures {
  const maxLoss = config.components.availability.probe_max_loss_pct;
  const days = new Set<string>();
  const hours = new Set<string>();
  const lessonDayOf = new Map<string, string>();
  for (const hour of new Set(rollups.map((r) => r.hour))) {
    const ms = Date.parse(hour);
    if (Number.isNaN(ms)) continue;
    const where = place(ms + HOUR_MS / 2, timetable);
    if (where.schoolDay !== undefined) days.add(where.schoolDay);
    if (where.lessonHour !== undefined) hours.add(where.lessonHour);
    if (where.lessonDay !== undefined) lessonDayOf.set(hour, where.lessonDay);
  }
  const inLessons = (r: ScoringRollup): boolean => lessonDayOf.has(r.hour);

  // As for raw results: rates and round trips from successful runs only; loss from every probe.
  // One pass over the rollups (a school has about a thousand a week), not one per series.
  const succeeded = (r: ScoringRollup): boolean => r.outcome === '' || r.outcome === 'success';
  const downloads: ScoringRollup[] = [];
  const uploads: ScoringRollup[] = [];
  const rtts: ScoringRollup[] = [];
  const jitters: ScoringRollup[] = [];
  const losses: ScoringRollup[] = [];
  const sentBy = new Map<string, ScoringRollup>();
  for (const r of rollups) {
    if (r.measurement === THROUGHPUT_MEASUREMENT) {
      if (!succeeded(r)) continue;
      if (r.field === 'download_mbps') downloads.push(r);
      else if (r.field === 'upload_mbps') uploads.push(r);
    } else if (r.measurement === LATENCY_MEASUREMENT && r.target === LATENCY_TARGET) {
      if (r.field === 'loss_pct') losses.push(r);
      else if (r.field === 'sent') sentBy.set(`${r.hour}\u0000${r.outcome}`, r);
      else if (r.field === 'rtt_avg_ms' && succeeded(r)) rtts.push(r);
      else if (r.field === 'jitter_ms' && succeeded(r)) jitters.push(r);
    }
  }
  const count = (list: readonly ScoringRollup[]): number => list.reduce((n, r) => n + r.count, 0);

  const down = preferLessons(downloads.filter(inLessons), downloads);
  const up = preferLessons(uploads.filter(inLessons), uploads);
  const rtt = preferLessons(rtts.filter(inLessons), rtts);
  const jitter = preferLessons(jitters.filter(inLessons), jitters);
  const evidenceDays = new Set(
    down.hours === 'lesson' ? down.values.map((r) => lessonDayOf.get(r.hour)) : [],
  );

  let lessonProbes = 0;
  let lessonAvailable = 0;
  const loss = { lesson: emptyTally(), any: emptyTally() };
  for (const r of losses) {
    const sent = sentBy.get(`${r.hour}\u0000${r.outcome}`);
    const pings =
      sent !== undefined && sent.mean !== undefined && sent.mean > 0 ? sent.mean * r.count : r.count;
    const lost = (Math.min(100, Math.max(0, r.mean ?? r.p50)) / 100) * pings;
    const lesson = inLessons(r);
    for (const tally of lesson ? [loss.any, loss.lesson] : [loss.any]) {
      tally.runs += r.count;
      tally.pings += pings;
      tally.lost += lost;
    }
    if (lesson) {
      lessonProbes += r.count;
      lessonAvailable += knownAtMost(r, maxLoss);
    }
  }
  const figures: ScoreFigures = {
    download_samples: count(down.values),
    upload_samples: count(up.values),
    availability_samples: lessonProbes,
    rtt_samples: count(rtt.values),
    jitter_samples: count(jitter.values),
    loss_samples: 0,
    school_days: days.size,
    lesson_hours: hours.size,
    evidence_school_days: evidenceDays.size,
  };
  const p50 = (r: ScoringRollup): number => r.p50;
  if (down.values.length > 0) {
    figures.download_mbps = median(weightedByCount(down.values, p50));
    figures.capacity_hours = down.hours;
  }
  if (up.values.length > 0) figures.upload_mbps = median(weightedByCount(up.values, p50));
  if (up.values.length > 0 && figures.capacity_hours === undefined) figures.capacity_hours = up.hours;
  if (rtt.values.length > 0) {
    figures.rtt_median_ms = median(weightedByCount(rtt.values, p50));
    figures.rtt_p95_ms = percentile(
      weightedByCount(rtt.values, (r) => r.p95),
      95,
    );
    figures.rtt_hours = rtt.hours;
  }
  if (jitter.values.length > 0) {
    figures.jitter_ms = median(weightedByCount(jitter.values, p50));
    figures.jitter_hours = jitter.hours;
  }
  setLoss(figures, loss.lesson, loss.any);
  if (lessonProbes > 0) figures.availability_share = lessonAvailable / lessonProbes;
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

/** The rate one class streaming video needs, Mbit/s: `class_pupils × class_video_mbps_per_pupil`. */
export function classVideoMbps(config: ScoringConfig = DEFAULT_SCORING_CONFIG): number {
  const d = config.components.download;
  return d.class_pupils * d.class_video_mbps_per_pupil;
}

/**
 * The school curve over the measured download in Mbit/s, whatever the
 * school's size: 0 → 0, the school floor → `below_minimum_cap`, one class's
 * video rate → 100. Straight lines, so it is continuous: no jump at the floor.
 */
export function schoolDownloadCurve(config: ScoringConfig = DEFAULT_SCORING_CONFIG): Points {
  const d = config.components.download;
  const top: readonly [number, number] = [classVideoMbps(config), 100];
  if (d.school_minimum_mbps <= 0) return [[0, d.below_minimum_cap], top];
  return [[0, 0], [d.school_minimum_mbps, d.below_minimum_cap], top];
}

/**
 * Download points (0-100, unrounded) of `mbps` for a school of `pupils`:
 * the lower of the per-pupil curve and the {@link schoolDownloadCurve}. A
 * large school is held to its per-pupil target, a small one at least to one
 * class's video. Both curves are continuous and non-decreasing in `mbps`,
 * so their minimum is too (the property test checks it).
 */
export function downloadPoints(
  mbps: number,
  pupils: number,
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): number {
  const perPupil = interpolate(config.components.download.points, mbps / Math.max(pupils, 1));
  return Math.min(perPupil, interpolate(schoolDownloadCurve(config), mbps));
}

/**
 * The download a school of `pupils` needs for full download points, Mbit/s:
 * the per-pupil rate where the per-pupil curve first reaches its top score,
 * times the pupils, but at least one class's video ({@link classVideoMbps}).
 * The size-dependent target a plan can aim at.
 */
export function downloadTargetMbps(pupils: number, config: ScoringConfig = DEFAULT_SCORING_CONFIG): number {
  const points = config.components.download.points;
  const top = Math.max(...points.map(([, y]) => y));
  const perPupil = points.find(([, y]) => y === top)?.[0] ?? 0;
  return Math.max(perPupil * Math.max(pupils, 1), classVideoMbps(config));
}

/**
 * The rate one class in a video call sends, Mbit/s:
 * `class_pupils × class_upload_mbps_per_pupil` (30 × 0.8 = 24 by default).
 */
export function classUploadMbps(config: ScoringConfig = DEFAULT_SCORING_CONFIG): number {
  return config.components.download.class_pupils * config.components.upload.class_upload_mbps_per_pupil;
}

/**
 * Upload points (0-100, unrounded) of `mbps` for a school of `pupils`: the
 * lower of the per-pupil curve and a straight line from 0 at 0 Mbit/s to
 * 100 at one class's video upload ({@link classUploadMbps}), the upload's
 * size-dependent minimum. Both are continuous and non-decreasing, so their
 * minimum is too (the property test checks it).
 */
export function uploadPoints(
  mbps: number,
  pupils: number,
  config: ScoringConfig = DEFAULT_SCORING_CONFIG,
): number {
  const perPupil = interpolate(config.components.upload.points, mbps / Math.max(pupils, 1));
  const classRate = classUploadMbps(config);
  // A class rate of 0 (configured off) leaves the per-pupil curve alone.
  if (!(classRate > 0)) return perPupil;
  return Math.min(perPupil, Math.min(100, Math.max(0, (100 * mbps) / classRate)));
}

/**
 * The upload a school of `pupils` needs for full upload points, Mbit/s:
 * the per-pupil rate where the per-pupil curve first reaches its top
 * score, times the pupils, but at least one class's video upload.
 */
export function uploadTargetMbps(pupils: number, config: ScoringConfig = DEFAULT_SCORING_CONFIG): number {
  const points = config.components.upload.points;
  const top = Math.max(...points.map(([, y]) => y));
  const perPupil = points.find(([, y]) => y === top)?.[0] ?? 0;
  return Math.max(perPupil * Math.max(pupils, 1), classUploadMbps(config));
}

/**
 * The most a school's total may be with `mbps` of download under the
 * no-line rule, or undefined at `no_line.below_mbps` and above. Not a
 * flat `no_line.cap` but a straight line from it at 0 Mbit/s to where the
 * class-video ramp stands at `below_mbps` (or the cap itself, if higher):
 * the total then passes the limit without a jump (it was 20 → 24 at
 * 2 Mbit/s until skolnet-score-3), and a school under it stays a priority.
 */
export function noLineCap(mbps: number, config: ScoringConfig = DEFAULT_SCORING_CONFIG): number | undefined {
  const { cap, below_mbps: below } = config.caps.no_line;
  if (!(mbps < below)) return undefined;
  const end = Math.max(cap, classVideoCap(below, config));
  return interpolate(
    [
      [0, cap],
      [below, end],
    ],
    mbps,
  );
}

/**
 * The most a school's total may be with `mbps` of download: the
 * `caps.class_video` ramp over the share of one class's video rate it
 * carries. Continuous; 100 once the line carries a class comfortably.
 */
export function classVideoCap(mbps: number, config: ScoringConfig = DEFAULT_SCORING_CONFIG): number {
  return interpolate(config.caps.class_video.points, mbps / classVideoMbps(config));
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
  const capacityHours = figures.capacity_hours ?? 'lesson';
  if (downloadMbps !== undefined) {
    const perPupilPoints = interpolate(c.download.points, perPupil(downloadMbps));
    const points = downloadPoints(downloadMbps, pupils, config);
    components.download = {
      score: round1(points),
      weight: 0,
      samples: figures.download_samples,
      median_mbps: downloadMbps,
      per_pupil_mbps: perPupil(downloadMbps),
      capped: points < perPupilPoints,
      hours: capacityHours,
    };
  }
  if (figures.upload_mbps !== undefined) {
    const points = uploadPoints(figures.upload_mbps, pupils, config);
    components.upload = {
      score: round1(points),
      weight: 0,
      samples: figures.upload_samples,
      median_mbps: figures.upload_mbps,
      per_pupil_mbps: perPupil(figures.upload_mbps),
      capped: points < interpolate(c.upload.points, perPupil(figures.upload_mbps)),
      hours: capacityHours,
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
      probe_max_loss_pct: c.availability.probe_max_loss_pct,
    };
  }
  if (figures.rtt_p95_ms !== undefined) {
    components.latency = {
      score: round1(interpolate(c.latency.points, figures.rtt_p95_ms)),
      weight: 0,
      samples: figures.rtt_samples,
      median_ms: figures.rtt_median_ms ?? figures.rtt_p95_ms,
      p95_ms: figures.rtt_p95_ms,
      hours: figures.rtt_hours ?? 'lesson',
    };
  }
  if (figures.jitter_ms !== undefined) {
    components.jitter = {
      score: round1(interpolate(c.jitter.points, figures.jitter_ms)),
      weight: 0,
      samples: figures.jitter_samples,
      median_ms: figures.jitter_ms,
      hours: figures.jitter_hours ?? 'lesson',
    };
  }
  if (figures.loss_pct !== undefined) {
    components.loss = {
      score: round1(interpolate(c.loss.points, figures.loss_pct)),
      weight: 0,
      samples: figures.loss_samples,
      pct: figures.loss_pct,
      median_pct: figures.loss_pct,
      pings: figures.loss_pings ?? figures.loss_samples,
      hours: figures.loss_hours ?? 'lesson',
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
    evidence_school_days: figures.evidence_school_days ?? 0,
    throughput_samples: figures.download_samples,
    latency_samples: figures.loss_samples,
    missing,
    outside_lessons: [],
    lesson_hours_from: figures.lesson_hours_from ?? 'config',
  };
  const capacityOutside =
    (components.download !== null || components.upload !== null) && capacityHours === 'any';
  if (capacityOutside) confidence.outside_lessons.push('capacity');
  if (components.loss !== null && components.loss.hours === 'any') confidence.outside_lessons.push('loss');
  if (components.latency?.hours === 'any') confidence.outside_lessons.push('latency');
  if (components.jitter?.hours === 'any') confidence.outside_lessons.push('jitter');
  const { high, medium } = config.confidence;
  const core = !missing.includes('download') && !missing.includes('latency') && !missing.includes('loss');
  // Capacity measured only outside lessons says little about lessons: the level stays low.
  if (capacityOutside) {
    confidence.level = 'low';
  } else if (core && figures.school_days >= high.school_days && figures.lesson_hours >= high.lesson_hours) {
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
  // An outage is a flat cap; a slow line a ramp that joins the class-video one (noLineCap).
  const noLine = Math.min(
    noLineByAvailability ? config.caps.no_line.cap : Infinity,
    noLineCap(components.download.median_mbps, config) ?? Infinity,
  );
  if (total > noLine) {
    total = noLine;
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
  const classCap = classVideoCap(components.download.median_mbps, config);
  if (total > classCap) {
    total = classCap;
    capsApplied.push('class_video');
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
  const { timetable, from } = schoolLessonTimetable(input.timetable, config);
  const figures =
    input.rollups !== undefined
      ? extractFiguresFromRollups(input.rollups, config, timetable)
      : extractFigures(input.results ?? [], config, timetable);
  figures.lesson_hours_from = from;
  if (input.wifi_coverage_share !== undefined) figures.wifi_coverage_share = input.wifi_coverage_share;
  if (input.internal !== undefined) figures.internal = input.internal;
  return scoreFigures(figures, input.pupils, config);
}
