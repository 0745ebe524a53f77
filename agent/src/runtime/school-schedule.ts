import type { Fields, Measurement, Tags, Timetable } from '@skolnet/shared/core';
import type { DataBudget } from './data-budget.js';
import { bytesMoved } from './data-budget.js';
import type { CounterSource, UplinkReading } from './link-load.js';
import { DEFAULT_BUSY_WINDOW_MS, loadVerdict, sampleTraffic, uplinkReading } from './link-load.js';
import type { ProbeRun } from './probe-runner.js';
import { exponentialGap, type RandomSource } from './random-gaps.js';
import {
  CAMPAIGN_TEST_ROOM_MS,
  planCampaignTest,
  type ClosedSlot,
  type LessonHourSlot,
} from './campaign-schedule.js';
import type { GateDecision, SchedulePolicy, ScheduleSkip } from './scheduler.js';
import { advanceWeighted, isLessonTime, lessonShare, outsideShare, zonedParts } from './timetable.js';

/**
 * Probes that move bulk data over the school's internet line: they follow
 * the timetable, wait while the line is busy and count against the data
 * budget. From the registry: `throughput` (two directions up to 400 MB
 * each), `ndt7` (about ten seconds each way at line rate) and
 * `bottleneck` (a WAN download at line rate). Every other probe sends a
 * few packets (ping, DNS, a TCP handshake, SNMP) and runs on its interval
 * at any hour.
 */
export const HEAVY_PROBES: readonly string[] = ['throughput', 'ndt7', 'bottleneck'];

/** True when `probe` is one of {@link HEAVY_PROBES}. */
export function isHeavyProbe(probe: string): boolean {
  return HEAVY_PROBES.includes(probe);
}

/** Measurement name of a skipped heavy test. */
export const SCHEDULE_SKIP_MEASUREMENT = 'schedule_skip';

/**
 * Waits before trying a slot again whose line was busy, in ms: 10, 20 and
 * 40 minutes, then the slot is given up and the next one planned. A busy
 * spell in a school is usually a lesson (45 minutes); three tries span
 * 70 minutes, past the end of it, without polling the line all day.
 */
export const BUSY_RETRY_DELAYS_MS: readonly number[] = [10 * 60_000, 20 * 60_000, 40 * 60_000];

/**
 * The heavy probe an acceptance campaign places in every lesson hour: it
 * measures download and upload in one run (docs/acceptance.md).
 */
export const CAMPAIGN_PROBE = 'throughput';

/** An acceptance campaign the collector pushed: its id and when it ends, in ms since the epoch. */
export interface CampaignSettings {
  id: string;
  endsAt: number;
}

/** The school-specific settings the schedule follows. */
export interface ScheduleSettings {
  timetable: Timetable;
  /** Other traffic above this makes a heavy test wait, in Mbit/s. */
  busyThresholdMbps: number;
  /** An acceptance campaign in progress, when the collector pushed one. */
  campaign?: CampaignSettings;
}

/** Options of {@link SchoolSchedule}. */
export interface SchoolScheduleOptions {
  settings: ScheduleSettings;
  budget: DataBudget;
  /** Interface counters of this host. */
  counters: CounterSource;
  random: RandomSource;
  now: () => Date;
  /** How long counters are watched, in ms. Default {@link DEFAULT_BUSY_WINDOW_MS}. */
  busyWindowMs?: number;
  /** Waits the busy window; injected for tests. Default: a timer that ends early on abort. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Monotonic ms for the busy window's length; injected for tests. Default `performance.now`. */
  monotonic?: () => number;
  /** The options a probe runs with, for estimating bytes it does not report. */
  optionsOf?: (probe: string) => Readonly<Record<string, unknown>>;
  /**
   * True while the first assessment is due (the first after enrollment,
   * or one asked for with `run --assess-now`): heavy probes then start at
   * once like the others, whatever the timetable says, until
   * {@link SchoolSchedule.endFirstAssessment}. Default false.
   */
  firstAssessment?: boolean;
  /**
   * Told of every lesson hour of an acceptance campaign in which no test
   * was possible, so the agent records it (a `schedule_skip` result with
   * reason `not_possible`) instead of leaving the hour silently empty.
   */
  onCampaignHour?: (closed: ClosedSlot & { outcome: 'not_possible' }) => void;
}

/** What the campaign's tests have done, kept per campaign id. */
interface CampaignProgress {
  id: string;
  tested: Set<number>;
  tries: Map<number, number>;
  givenUp: Set<number>;
  accountedUntil: number;
  /** The lesson hour the planned test belongs to. */
  slot: LessonHourSlot | undefined;
}

/**
 * The agent's schedule policy: light probes at exponential gaps around
 * their interval at any hour; heavy probes ({@link HEAVY_PROBES}) mostly
 * in lesson hours, a share outside them for comparison, each run checked
 * against the data budget and the line's load first.
 */
export class SchoolSchedule implements SchedulePolicy {
  #settings: ScheduleSettings;
  readonly #o: SchoolScheduleOptions;
  readonly #plannedInside = new Map<string, boolean>();
  #uplink: UplinkReading | undefined;
  #firstAssessment: boolean;
  #campaign: CampaignProgress | undefined;

  constructor(options: SchoolScheduleOptions) {
    this.#o = options;
    this.#settings = options.settings;
    this.#firstAssessment = options.firstAssessment ?? false;
  }

  /** True while heavy probes' first runs ignore the timetable. */
  get inFirstAssessment(): boolean {
    return this.#firstAssessment;
  }

  /** Ends the first assessment: from now on the timetable places every heavy run. */
  endFirstAssessment(): void {
    this.#firstAssessment = false;
  }

  /** The settings in force. */
  get settings(): ScheduleSettings {
    return this.#settings;
  }

  /** Replaces the settings (a pushed configuration); the caller re-plans. */
  configure(settings: ScheduleSettings): void {
    this.#settings = settings;
  }

  /**
   * Light probes start soon. Heavy probes too during the first assessment
   * (a person who just enrolled the agent, or ran `npm start`, is waiting
   * for a score); otherwise the timetable places them from the start.
   */
  firstDelay(probe: string, intervalMs: number, now: Date): number | undefined {
    if (!isHeavyProbe(probe)) return undefined;
    if (this.#firstAssessment) {
      // Not a lesson-hour slot: a busy retry of it is never given up as `outside_hours`.
      this.#plannedInside.delete(probe);
      return undefined;
    }
    // Exponential gaps are memoryless: the first one drawn like any other
    // is exactly what a run already in progress would leave.
    return this.nextDelay(probe, intervalMs, now);
  }

  /**
   * Why a heavy run planned for `due` goes there, in words for the log:
   * whether it waits for lesson hours or is one of the comparison runs
   * outside them. Undefined for a light probe (they run at any hour).
   */
  explainPlan(probe: string, due: Date, now: Date): string | undefined {
    if (!isHeavyProbe(probe)) return undefined;
    const tt = this.#settings.timetable;
    const hours = describeLessonHours(tt);
    const campaign = this.#settings.campaign;
    if (probe === CAMPAIGN_PROBE && campaign && due.getTime() < campaign.endsAt) {
      return (
        `acceptance campaign ${campaign.id} until ${formatSchoolTime(new Date(campaign.endsAt), tt.timezone)}: ` +
        `a test at a random time in every lesson hour (${hours})`
      );
    }
    if (lessonShare(tt) >= 1) return `lessons all week (${hours}): a random gap around its interval`;
    const dueInside = isLessonTime(due, tt);
    if (dueInside && !isLessonTime(now, tt))
      return `outside lesson hours now; heavy tests wait for lessons (${hours})`;
    if (dueInside) return `a random gap around its interval, within lesson hours (${hours})`;
    return `one of the ${Math.round(outsideShare(tt) * 100)} % of heavy tests run outside lesson hours (${hours}), for comparison`;
  }

  /**
   * A gap drawn around the interval. For a heavy probe it is counted on a
   * weighted clock: lesson time runs faster, the rest slower, so that the
   * outside share of runs lands outside lesson hours and the rest inside,
   * and over weeks runs still average one per interval.
   */
  nextDelay(probe: string, intervalMs: number, now: Date): number {
    if (probe === CAMPAIGN_PROBE && this.#campaignActive(now)) {
      const next = this.#planCampaign(now);
      if (next) {
        this.#plannedInside.set(probe, true);
        return next.getTime() - now.getTime();
      }
      // No lesson hour left before the campaign ends: the everyday schedule from its end on.
      const endsAt = new Date(this.#settings.campaign!.endsAt);
      return endsAt.getTime() - now.getTime() + this.nextDelay(probe, intervalMs, endsAt);
    }
    const gap = exponentialGap(intervalMs, this.#o.random);
    if (!isHeavyProbe(probe)) return gap;
    const tt = this.#settings.timetable;
    const share = lessonShare(tt);
    const outside = outsideShare(tt);
    const at =
      share >= 1
        ? new Date(now.getTime() + gap)
        : advanceWeighted(now, gap, (1 - outside) / share, outside / (1 - share), tt);
    this.#plannedInside.set(probe, isLessonTime(at, tt));
    return at.getTime() - now.getTime();
  }

  /** Budget, then hours (for a retry), then the line's load. */
  async gate(probe: string, attempt: number, signal: AbortSignal): Promise<GateDecision> {
    if (!isHeavyProbe(probe)) return { run: true };
    const now = this.#o.now();
    const base = { probe, attempt, at: now };
    const campaign = probe === CAMPAIGN_PROBE && this.#campaignActive(now) ? this.#campaign : undefined;
    const t = now.getTime();
    if (campaign?.slot && !(t >= campaign.slot.start && t < campaign.slot.end - CAMPAIGN_TEST_ROOM_MS / 2)) {
      // The timer came after its hour (the host slept): that hour is closed by the next plan.
      campaign.slot = undefined;
      return { run: false, skip: { ...base, reason: 'outside_hours' } };
    }
    if (campaign) {
      const decision = await this.#gateChecks(probe, attempt, signal, base);
      if (decision.run) return decision;
      return { run: false, skip: this.#campaignRetry(campaign, decision.skip, now) };
    }
    if (attempt > 0 && this.#plannedInside.get(probe) && !isLessonTime(now, this.#settings.timetable)) {
      // A slot the line kept busy until lessons ended: an evening figure
      // would stand in for a lesson-time one, so the slot is given up.
      return { run: false, skip: { ...base, reason: 'outside_hours' } };
    }
    return this.#gateChecks(probe, attempt, signal, base);
  }

  /** The budget, then the line's load. */
  async #gateChecks(
    probe: string,
    attempt: number,
    signal: AbortSignal,
    base: { probe: string; attempt: number; at: Date },
  ): Promise<GateDecision> {
    const budget = this.#o.budget.check(probe);
    if (!budget.ok) {
      return {
        run: false,
        skip: {
          ...base,
          reason: 'budget',
          estimateBytes: budget.estimateBytes,
          remainingBytes: Math.max(0, budget.budgetBytes - budget.usedBytes),
        },
      };
    }
    const sleep = this.#o.sleep ?? abortableSleep;
    const sample = await sampleTraffic(
      this.#o.counters,
      this.#o.busyWindowMs ?? DEFAULT_BUSY_WINDOW_MS,
      (ms) => sleep(ms, signal),
      this.#o.monotonic,
    );
    const threshold = this.#settings.busyThresholdMbps;
    const verdict = loadVerdict(sample, this.#uplink, this.#o.now(), threshold);
    if (!verdict.busy) return { run: true };
    const retryInMs = BUSY_RETRY_DELAYS_MS[attempt];
    return {
      run: false,
      skip: {
        ...base,
        reason: 'busy',
        ...(verdict.observedMbps !== undefined ? { observedMbps: verdict.observedMbps } : {}),
        thresholdMbps: threshold,
        ...(retryInMs !== undefined ? { retryInMs } : {}),
      },
    };
  }

  /**
   * Learns from a finished run: the bytes a heavy run moved go to the
   * budget; an `snmp_network` result gives the uplink's load; a campaign
   * test that measured both directions gives its lesson hour its test,
   * any other outcome counts as a try of the hour.
   * @throws SkolnetError `SKOLNET_STATE_FAILED` when the budget cannot be saved
   */
  observe(run: ProbeRun): void {
    for (const m of run.measurements) {
      const reading = uplinkReading(m);
      if (reading) this.#uplink = reading;
    }
    const campaign = this.#campaign;
    if (run.probe === CAMPAIGN_PROBE && campaign?.slot) {
      const measured = run.measurements.some(
        (m) => typeof m.fields['download_mbps'] === 'number' && typeof m.fields['upload_mbps'] === 'number',
      );
      const start = campaign.slot.start;
      if (measured) campaign.tested.add(start);
      else campaign.tries.set(start, (campaign.tries.get(start) ?? 0) + 1);
      campaign.slot = undefined;
    }
    if (!isHeavyProbe(run.probe)) return;
    const bytes = bytesMoved(run.probe, run.measurements, this.#o.optionsOf?.(run.probe));
    if (bytes !== undefined && bytes > 0) this.#o.budget.record(run.probe, bytes);
  }

  /** True while the pushed campaign has not ended; a new campaign id starts its counts afresh. */
  #campaignActive(now: Date): boolean {
    const c = this.#settings.campaign;
    if (!c || now.getTime() >= c.endsAt) return false;
    if (this.#campaign?.id !== c.id) {
      this.#campaign = {
        id: c.id,
        tested: new Set(),
        tries: new Map(),
        givenUp: new Set(),
        accountedUntil: now.getTime(),
        slot: undefined,
      };
    }
    return true;
  }

  /** The campaign test's next time (the pure plan of campaign-schedule.ts), reporting hours that are over. */
  #planCampaign(now: Date): Date | undefined {
    const c = this.#campaign!;
    const plan = planCampaignTest({
      now,
      endsAt: new Date(this.#settings.campaign!.endsAt),
      timetable: this.#settings.timetable,
      state: c,
      random: this.#o.random,
    });
    c.accountedUntil = plan.accountedUntil;
    for (const closed of plan.closed) {
      if (closed.outcome === 'not_possible') this.#o.onCampaignHour?.(closed);
    }
    c.slot = plan.next?.slot;
    return plan.next?.due;
  }

  /**
   * A campaign test that may not run now counts as a try of its hour and
   * is tried again within the hour while room is left (a spent budget
   * gives the hour up: it will not come back within it).
   */
  #campaignRetry(c: CampaignProgress, skip: ScheduleSkip, now: Date): ScheduleSkip {
    const slot = c.slot!;
    c.tries.set(slot.start, (c.tries.get(slot.start) ?? 0) + 1);
    if (skip.reason === 'budget') c.givenUp.add(slot.start);
    const { retryInMs: _ignored, ...rest } = skip;
    const next = this.#planCampaign(now);
    if (next && c.slot?.start === slot.start) return { ...rest, retryInMs: next.getTime() - now.getTime() };
    // The hour is over for the campaign (and counted): the scheduler asks for the next one.
    return rest;
  }
}

const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** `Mon-Fri 08:00-16:00 Europe/Riga`: a timetable's lesson hours in a few words. */
export function describeLessonHours(tt: Timetable): string {
  const days = [...tt.days].sort((a, b) => a - b);
  const consecutive = days.every((d, i) => i === 0 || d === (days[i - 1] ?? 0) + 1);
  const name = (d: number): string => WEEKDAY_NAMES[d - 1] ?? String(d);
  const dayText =
    days.length > 2 && consecutive
      ? `${name(days[0] ?? 1)}-${name(days[days.length - 1] ?? 7)}`
      : days.map(name).join(',');
  return `${dayText} ${tt.start}-${tt.end} ${tt.timezone}`;
}

/** `2026-12-07 09:42 Europe/Riga (Mon)`: an instant as the school's wall clock shows it. */
export function formatSchoolTime(at: Date, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)} ${timeZone} (${WEEKDAY_NAMES[p.weekday - 1] ?? ''})`;
}

/** The result a skipped slot leaves, so the collector sees why a test is missing. */
export function skipMeasurement(skip: ScheduleSkip): Measurement {
  const fields: Fields = { result: 'skipped', reason: skip.reason, attempt: skip.attempt };
  const round = (n: number): number => Math.round(n * 1000) / 1000;
  if (skip.observedMbps !== undefined) fields.observed_mbps = round(skip.observedMbps);
  if (skip.thresholdMbps !== undefined) fields.threshold_mbps = skip.thresholdMbps;
  if (skip.estimateBytes !== undefined) fields.estimate_bytes = skip.estimateBytes;
  if (skip.remainingBytes !== undefined) fields.budget_remaining_bytes = skip.remainingBytes;
  if (skip.retryInMs !== undefined) fields.retry_in_s = Math.round(skip.retryInMs / 1000);
  if (skip.cause !== undefined) fields.cause = skip.cause;
  const tags: Tags = { probe: skip.probe, reason: skip.reason };
  return { measurement: SCHEDULE_SKIP_MEASUREMENT, fields, tags, at: skip.at.toISOString() };
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
