import {
  DEFAULT_LESSON_HOURS,
  PushedConfigLimits,
  lessonDay,
  type AcceptanceCampaign,
  type AgentConfig,
  type Fields,
  type LessonTimetable,
  type Tags,
} from '@skolnet/shared';
import { COVERAGE_MEASUREMENTS, analyseCoverage } from '../coverage/coverage-analysis.js';
import type { ContractInput } from './contract.js';
import type {
  BottleneckSample,
  CampaignMeasurements,
  LatencySample,
  LimitingSegment,
  RoomSample,
  SpeedSample,
  UplinkSample,
} from './verdict.js';
import { SNMP_NETWORK_MEASUREMENT } from '../planning/plan-data.js';

/**
 * Acceptance campaigns as plain data (docs/acceptance.md): when one ends,
 * the configuration its school's agents run during it, and the campaign's
 * measurements picked from the school's results. Pure.
 */

/**
 * The timetable a school's agents follow unless the school's configuration
 * sets one: the one default of agent and score (shared DEFAULT_LESSON_HOURS).
 */
export const DEFAULT_CAMPAIGN_TIMETABLE: LessonTimetable = DEFAULT_LESSON_HOURS;

/**
 * Interval of throughput tests pushed with a campaign, in s: the shortest
 * a push may set (shared PushedConfigLimits.minHeavyIntervalS, 900 s).
 * While the campaign lasts the agent's campaign schedule places a test in
 * every lesson hour instead (agent campaign-schedule.ts); the interval
 * serves between the campaign's end and the restore that follows it.
 */
export const CAMPAIGN_THROUGHPUT_INTERVAL_S = PushedConfigLimits.minHeavyIntervalS;
/** Latency every minute during a campaign, in s: the shortest a push may set, and what the issue asks. */
export const CAMPAIGN_LATENCY_INTERVAL_S = PushedConfigLimits.minIntervalS;
/** A bottleneck run every hour, in s, so a failing speed test has one near it for attribution. */
export const CAMPAIGN_BOTTLENECK_INTERVAL_S = 3600;
/** The agent's monthly data budget when the school's configuration sets none, in MB (agent DEFAULT_DATA_BUDGET_MB). */
export const AGENT_DEFAULT_DATA_BUDGET_MB = 10_000;
/**
 * Seconds of transfer one throughput test moves at line rate, per
 * direction: the agent's default measured window and warm-up (10 s + 2 s)
 * with a margin for TCP ramp-up and the stop, so the raised budget is not
 * used up before the campaign ends.
 */
export const CAMPAIGN_TEST_TRANSFER_S = 15;
/** Granularity of the walk over the calendar that finds a campaign's end, in ms (15 min: no timetable is finer). */
const CALENDAR_STEP_MS = 15 * 60_000;
/** Longest calendar walk, in days: 30 school days with holidays fit in it. */
const MAX_CALENDAR_DAYS = 120;

/**
 * The end of the `schoolDays`-th school day from `start` (the day of
 * `start` counts when lessons are still ahead on it): the end of that
 * day's lessons, to the minute.
 */
export function campaignEnd(start: Date, schoolDays: number, timetable: LessonTimetable): Date {
  const days = new Set<string>();
  let lastInLessons: number | undefined;
  const limit = start.getTime() + MAX_CALENDAR_DAYS * 86_400_000;
  // On the quarter hours, where lessons begin and end, whatever the minute the campaign started.
  const first = Math.floor(start.getTime() / CALENDAR_STEP_MS) * CALENDAR_STEP_MS;
  for (let t = first; t < limit; t += CALENDAR_STEP_MS) {
    if (t < start.getTime() && lessonDay(start, timetable) === undefined) continue;
    const day = lessonDay(t, timetable);
    if (day === undefined) {
      if (days.size >= schoolDays && lastInLessons !== undefined) break;
      continue;
    }
    if (!days.has(day)) {
      if (days.size >= schoolDays) break;
      days.add(day);
    }
    lastInLessons = t;
  }
  if (lastInLessons === undefined) return new Date(start.getTime() + CALENDAR_STEP_MS);
  // The last lesson's end to the minute (a timetable may end at 12:10).
  const lastDay = lessonDay(lastInLessons, timetable);
  let end = lastInLessons + 60_000;
  while (end < lastInLessons + CALENDAR_STEP_MS && lessonDay(end, timetable) === lastDay) end += 60_000;
  return new Date(end);
}

/** The school days of a campaign's calendar from `start` up to `until`, `YYYY-MM-DD` each. */
export function schoolDaysBetween(start: Date, until: Date, timetable: LessonTimetable): string[] {
  const days = new Set<string>();
  for (let t = start.getTime(); t < until.getTime(); t += CALENDAR_STEP_MS) {
    const day = lessonDay(t, timetable);
    if (day !== undefined) days.add(day);
  }
  return [...days];
}

/**
 * The configuration a school's agents run during a campaign: the school's
 * own with throughput tests four times an hour on average, latency every
 * minute, a bottleneck run every hour, and the monthly data budget raised
 * by what the campaign's tests move at the contracted speeds. Everything
 * else (timetable, other probes, the busy threshold) stays as the school
 * set it; the school's configuration is restored when the campaign ends.
 */
export function campaignAgentConfig(
  previous: AgentConfig | undefined,
  contract: Pick<ContractInput, 'download_max_mbps' | 'upload_max_mbps' | 'campaign_school_days'>,
  timetable: LessonTimetable,
  campaign?: AcceptanceCampaign,
): AgentConfig {
  const probes = { ...(previous?.probes ?? {}) };
  probes.throughput = { ...probes.throughput, enabled: true, interval_s: CAMPAIGN_THROUGHPUT_INTERVAL_S };
  probes.latency = { ...probes.latency, enabled: true, interval_s: CAMPAIGN_LATENCY_INTERVAL_S };
  probes.bottleneck = { ...probes.bottleneck, enabled: true, interval_s: CAMPAIGN_BOTTLENECK_INTERVAL_S };
  const lessonHours = (timetableMinutesOf(timetable.end) - timetableMinutesOf(timetable.start)) / 60;
  // Four tests per lesson hour × 1.5: a generous bound for one test an hour, its retries and the hourly bottleneck run.
  const testsPerDay = Math.max(lessonHours, 1) * (3600 / CAMPAIGN_THROUGHPUT_INTERVAL_S) * 1.5;
  const mbPerTest = ((contract.download_max_mbps + contract.upload_max_mbps) * CAMPAIGN_TEST_TRANSFER_S) / 8;
  const campaignMb = Math.ceil(testsPerDay * contract.campaign_school_days * mbPerTest);
  const budget = Math.min(
    (previous?.data_budget_mb ?? AGENT_DEFAULT_DATA_BUDGET_MB) + campaignMb,
    PushedConfigLimits.maxDataBudgetMb,
  );
  return { ...previous, probes, data_budget_mb: budget, ...(campaign ? { campaign } : {}) };
}

/** The probes and their settings a campaign changes (see {@link campaignAgentConfig}). */
const CAMPAIGN_PROBES = ['throughput', 'latency', 'bottleneck'] as const;
const CAMPAIGN_PROBE_FIELDS = ['enabled', 'interval_s'] as const;

/**
 * The school's configuration once a campaign ends: `current` (what the
 * school has now, changes made during the campaign by an administrator
 * or school IT included) with only the settings the campaign changed
 * (the data budget, the three probes' `enabled` and `interval_s`, the
 * campaign itself) put back to `previous`, and only those that still
 * hold the value the campaign set (`pushed`); a setting changed since is
 * someone's decision and stays. Undefined `previous` means the agents'
 * defaults: the setting is removed.
 */
export function configAfterCampaign(
  previous: AgentConfig | undefined,
  pushed: AgentConfig,
  current: AgentConfig,
): AgentConfig {
  const out: AgentConfig = { ...current, probes: { ...current.probes } };
  if (sameJson(current.data_budget_mb, pushed.data_budget_mb)) {
    if (previous?.data_budget_mb === undefined) delete out.data_budget_mb;
    else out.data_budget_mb = previous.data_budget_mb;
  }
  // The campaign's own marker goes when it is still this campaign's (by id: an extension moves its end).
  if (current.campaign !== undefined && current.campaign.id === pushed.campaign?.id) {
    if (previous?.campaign === undefined) delete out.campaign;
    else out.campaign = previous.campaign;
  }
  type Probes = Record<string, Record<string, unknown> | undefined>;
  const probesOf = (c: AgentConfig | undefined): Probes => c?.probes ?? {};
  const outProbes = out.probes as Probes;
  for (const name of CAMPAIGN_PROBES) {
    const now = probesOf(current)[name];
    if (now === undefined) continue;
    const next: Record<string, unknown> = { ...now };
    for (const field of CAMPAIGN_PROBE_FIELDS) {
      if (!sameJson(now[field], probesOf(pushed)[name]?.[field])) continue;
      const before = probesOf(previous)[name]?.[field];
      if (before === undefined) delete next[field];
      else next[field] = before;
    }
    if (Object.keys(next).length === 0) delete outProbes[name];
    else outProbes[name] = next;
  }
  return out;
}

/** Equal as JSON values (the stored configuration is JSON; key order of objects aside). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function timetableMinutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

/** One stored result as the campaign reads it. */
export interface CampaignResult {
  agent_id: string;
  measurement: string;
  fields: Fields;
  tags: Tags;
  at: string;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const SEGMENTS: readonly LimitingSegment[] = ['wifi', 'lan', 'internet', 'unknown'];

/**
 * A campaign's measurements from the school's results between `from` and
 * `to`, in lesson hours only (heavy tests outside them are the agent's
 * comparison runs, not the school's working hours): throughput tests
 * (each direction that reported a rate), latency runs towards the
 * collector, bottleneck runs, the uplink's utilisation from good SNMP
 * sweeps (`snmp_network`); tests not possible by reason from the
 * agents' `schedule_skip` results, and lesson hours up to `now` in which
 * no agent reported anything as `agent_offline_hours`.
 */
export function campaignMeasurements(
  results: readonly CampaignResult[],
  from: Date,
  to: Date,
  timetable: LessonTimetable,
  now: Date = to,
  rooms: readonly string[] = [],
): CampaignMeasurements {
  const download: SpeedSample[] = [];
  const upload: SpeedSample[] = [];
  const latency: LatencySample[] = [];
  const bottleneck: BottleneckSample[] = [];
  const uplink: UplinkSample[] = [];
  const notRun: Record<string, number> = {};
  const hoursSeen = new Set<number>();
  const hoursWithSpeed = new Set<number>();
  const hoursNotPossible = new Set<number>();
  for (const r of results) {
    const at = Date.parse(r.at);
    if (!(at >= from.getTime() && at < to.getTime())) continue;
    if (lessonDay(at, timetable) === undefined) continue;
    const hour = Math.floor(at / 3_600_000);
    hoursSeen.add(hour);
    if (r.measurement === 'throughput') {
      const down = num(r.fields['download_mbps']);
      const up = num(r.fields['upload_mbps']);
      if (down !== undefined) download.push({ at: r.at, mbps: down, agent_id: r.agent_id });
      if (up !== undefined) upload.push({ at: r.at, mbps: up, agent_id: r.agent_id });
      if (down !== undefined || up !== undefined) hoursWithSpeed.add(hour);
      else notRun['test_error'] = (notRun['test_error'] ?? 0) + 1;
    } else if (r.measurement === 'latency' && r.tags['target'] === 'collector') {
      const outcome = r.fields['result'];
      if (outcome === 'error') {
        notRun['latency_error'] = (notRun['latency_error'] ?? 0) + 1;
        continue;
      }
      const rtt = num(r.fields['rtt_p50_ms']) ?? num(r.fields['rtt_avg_ms']);
      latency.push({
        at: r.at,
        rtt_ms: outcome === 'success' && rtt !== undefined ? rtt : null,
        loss_pct: num(r.fields['loss_pct']) ?? (outcome === 'success' ? 0 : 100),
      });
    } else if (r.measurement === 'bottleneck') {
      const segment = r.fields['limiting_segment'];
      if (typeof segment === 'string' && (SEGMENTS as readonly string[]).includes(segment)) {
        bottleneck.push({ at: r.at, segment: segment as LimitingSegment, agent_id: r.agent_id });
      }
    } else if (r.measurement === SNMP_NETWORK_MEASUREMENT) {
      // The busier direction of each good sweep, as the planner reads the uplink (planning/plan-data.ts).
      const inPct = num(r.fields['uplink_in_util_pct']);
      const outPct = num(r.fields['uplink_out_util_pct']);
      if (r.fields['result'] === 'ok' && (inPct !== undefined || outPct !== undefined)) {
        uplink.push({ at: r.at, util_pct: Math.max(inPct ?? -Infinity, outPct ?? -Infinity) });
      }
    } else if (r.measurement === 'schedule_skip') {
      const reason = typeof r.fields['reason'] === 'string' ? r.fields['reason'] : 'skipped';
      notRun[reason] = (notRun[reason] ?? 0) + 1;
      // The agent's campaign schedule closed this lesson hour without a test it could make.
      if (reason === 'not_possible') hoursNotPossible.add(hour);
    }
  }
  // Every lesson hour of the campaign so far without a word from any agent: the agents were offline.
  let offline = 0;
  let withoutSpeed = 0;
  const end = Math.min(to.getTime(), now.getTime());
  for (let h = Math.floor(from.getTime() / 3_600_000); h * 3_600_000 < end; h += 1) {
    // An hour counts when its middle is in lessons.
    if (lessonDay(h * 3_600_000 + 1_800_000, timetable) === undefined) continue;
    if (!hoursSeen.has(h)) offline += 1;
    else if (!hoursWithSpeed.has(h) && !hoursNotPossible.has(h)) withoutSpeed += 1;
  }
  if (offline > 0) notRun['agent_offline_hours'] = offline;
  if (withoutSpeed > 0) notRun['lesson_hours_without_speed_test'] = withoutSpeed;
  return {
    download,
    upload,
    latency,
    bottleneck,
    not_run: notRun,
    ...(uplink.length === 0 ? {} : { uplink }),
    ...(rooms.length === 0 ? {} : { rooms: roomCoverage(results, from, to, rooms) }),
  };
}

/**
 * The rooms an internal-network contract names, as the Wi-Fi survey walked
 * during the campaign found them (any hour: a survey walk is done when the
 * rooms are free). Room names match without regard to case or surrounding
 * spaces, as people type them on the survey.
 */
export function roomCoverage(
  results: readonly CampaignResult[],
  from: Date,
  to: Date,
  rooms: readonly string[],
): RoomSample[] {
  const wifi = results.filter((r) => {
    const at = Date.parse(r.at);
    return COVERAGE_MEASUREMENTS.includes(r.measurement) && at >= from.getTime() && at < to.getTime();
  });
  const found = new Map(
    analyseCoverage(wifi).rooms.map((room) => [room.room.trim().toLowerCase(), room.verdict] as const),
  );
  return rooms.map((room) => ({ room, verdict: found.get(room.trim().toLowerCase()) ?? 'not_surveyed' }));
}
