import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Measurement, createValidator, type Timetable } from '@skolnet/shared';
import { probeRegistry } from '../probes/registry.js';
import { DataBudget } from './data-budget.js';
import type { CounterSource } from './link-load.js';
import type { ProbeRun } from './probe-runner.js';
import { createSeededRandom } from './random-gaps.js';
import {
  BUSY_RETRY_DELAYS_MS,
  HEAVY_PROBES,
  SchoolSchedule,
  formatSchoolTime,
  skipMeasurement,
  type ScheduleSettings,
} from './school-schedule.js';
import { createScheduler, type ScheduleSkip } from './scheduler.js';
import { DEFAULT_TIMETABLE, isLessonTime } from './timetable.js';

const timetable: Timetable = { ...DEFAULT_TIMETABLE, days: [...DEFAULT_TIMETABLE.days] };
const settings: ScheduleSettings = { timetable, busyThresholdMbps: 20 };
const HOUR = 3_600_000;

/** Counters growing by `bytesPerRead` on each read: with an instant sleep and a fake clock, a fixed rate. */
function counters(bytesPerRead: number): CounterSource {
  let rx = 0;
  return {
    read: () => {
      rx += bytesPerRead;
      return Promise.resolve({ iface: 'eth0', rxBytes: rx, txBytes: 0 });
    },
  };
}

const run = (probe: string, measurements: ProbeRun['measurements']): ProbeRun => ({
  probe,
  measurements,
  errors: [],
  durationMs: 1,
  gathered: Promise.resolve(),
  stillGathering: () => false,
});

describe('SchoolSchedule', () => {
  let dir: string;
  let now: Date;
  let budget: DataBudget;
  const make = (source: CounterSource, seed = 1): SchoolSchedule =>
    new SchoolSchedule({
      settings,
      budget,
      counters: source,
      random: createSeededRandom(seed),
      now: () => now,
      busyWindowMs: 2000,
      monotonic: () => now.getTime(),
      // The window passes on the fake clock only.
      sleep: (ms) => {
        now = new Date(now.getTime() + ms);
        return Promise.resolve();
      },
    });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-sched-'));
    now = new Date('2026-03-30T07:00:00Z'); // Monday 10:00 in Riga
    budget = new DataBudget({ file: join(dir, 'budget.json'), now: () => now, timezone: 'Europe/Riga' });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names heavy probes that exist in the registry', () => {
    for (const name of HEAVY_PROBES) expect(Object.keys(probeRegistry)).toContain(name);
  });

  it('puts heavy runs in lesson hours but for the outside share, at the interval’s rate, across DST', () => {
    const schedule = make(counters(0), 2026);
    // Simulate a year of throughput runs every 6 h on average, through both DST changes.
    let t = new Date('2026-01-05T00:00:00Z').getTime();
    const end = new Date('2027-01-04T00:00:00Z').getTime();
    let inside = 0;
    let runs = 0;
    while (t < end) {
      t += schedule.nextDelay('throughput', 6 * HOUR, new Date(t));
      runs += 1;
      if (isLessonTime(new Date(t), timetable)) inside += 1;
    }
    expect(Math.abs(inside / runs - 0.9)).toBeLessThan(0.03);
    // 364 days / 6 h = 1456 runs; gaps scale with the hours they are counted in.
    expect(Math.abs(runs / 1456 - 1)).toBeLessThan(0.08);
  });

  it('starts heavy probes at once in the first assessment, then by the timetable, and says why', () => {
    const saturdayNight = new Date('2026-03-28T21:00:00Z'); // 23:00 in Riga (UTC+2 before the DST change)
    const schedule = new SchoolSchedule({
      settings,
      budget,
      counters: counters(0),
      random: createSeededRandom(3),
      now: () => saturdayNight,
      firstAssessment: true,
    });
    expect(schedule.inFirstAssessment).toBe(true);
    expect(schedule.firstDelay('throughput', 6 * HOUR, saturdayNight)).toBeUndefined();
    schedule.endFirstAssessment();
    const delay = schedule.firstDelay('throughput', 6 * HOUR, saturdayNight) ?? 0;
    expect(delay).toBeGreaterThan(0);
    const due = new Date(saturdayNight.getTime() + delay);
    expect(schedule.explainPlan('throughput', due, saturdayNight)).toMatch(
      isLessonTime(due, timetable)
        ? /^outside lesson hours now; heavy tests wait for lessons \(Mon-Fri 08:00-16:00 Europe\/Riga\)$/
        : /^one of the 10 % of heavy tests run outside lesson hours/,
    );
    expect(schedule.explainPlan('latency', due, saturdayNight)).toBeUndefined();
    expect(formatSchoolTime(new Date('2026-03-30T07:42:00Z'), 'Europe/Riga')).toBe(
      '2026-03-30 10:42 Europe/Riga (Mon)',
    );
  });

  it('lets light probes run at any hour at exponential gaps', () => {
    const schedule = make(counters(0));
    expect(schedule.firstDelay('latency', 300_000, now)).toBeUndefined();
    const sunday = new Date('2026-03-29T12:00:00Z');
    const d = schedule.nextDelay('latency', 300_000, sunday);
    expect(d).toBeGreaterThanOrEqual(30_000);
    expect(d).toBeLessThanOrEqual(900_000);
  });

  it('skips a heavy test while other traffic is above the threshold, retrying a bounded number of times', async () => {
    // 10 MB per 2 s window = 40 Mbit/s.
    const schedule = make(counters(10_000_000));
    const ac = new AbortController();
    const first = await schedule.gate('throughput', 0, ac.signal);
    expect(first).toMatchObject({
      run: false,
      skip: {
        probe: 'throughput',
        reason: 'busy',
        observedMbps: 40,
        thresholdMbps: 20,
        retryInMs: BUSY_RETRY_DELAYS_MS[0],
      },
    });
    const last = await schedule.gate('throughput', BUSY_RETRY_DELAYS_MS.length, ac.signal);
    expect(last.run).toBe(false);
    expect(!last.run && last.skip.retryInMs).toBeUndefined();
    // Light probes never wait.
    expect(await schedule.gate('latency', 0, ac.signal)).toEqual({ run: true });
    // A quiet line: 1 MB per 2 s = 4 Mbit/s.
    expect(await make(counters(1_000_000)).gate('throughput', 0, ac.signal)).toEqual({ run: true });
  });

  it('counts a busy uplink from a recent snmp_network result', async () => {
    const schedule = make(counters(0));
    schedule.observe(
      run('snmp', [
        {
          measurement: 'snmp_network',
          fields: { result: 'ok', uplink_in_bps: 80_000_000, uplink_out_bps: 1_000_000 },
          tags: {},
          at: now.toISOString(),
        },
      ]),
    );
    const decision = await schedule.gate('ndt7', 0, new AbortController().signal);
    expect(decision).toMatchObject({ run: false, skip: { reason: 'busy', observedMbps: 80 } });
  });

  it('skips when the budget would be passed and counts what runs moved', async () => {
    budget.configure({ budgetMb: 500 });
    const schedule = make(counters(0));
    const signal = new AbortController().signal;
    expect(await schedule.gate('throughput', 0, signal)).toEqual({ run: true });
    schedule.observe(
      run('throughput', [
        {
          measurement: 'throughput',
          fields: { bytes_down: 200_000_000, bytes_up: 150_000_000 },
          tags: {},
          at: now.toISOString(),
        },
      ]),
    );
    expect(budget.snapshot().used_bytes).toBe(350_000_000);
    const decision = await schedule.gate('throughput', 0, signal);
    expect(decision).toMatchObject({
      run: false,
      skip: { reason: 'budget', estimateBytes: 350_000_000, remainingBytes: 150_000_000 },
    });
    expect(!decision.run && decision.skip.retryInMs).toBeUndefined();
  });

  it('gives up a lesson-hour slot the busy line pushed past the end of lessons', async () => {
    const schedule = make(counters(0), 3);
    // Plan until one lands inside lesson hours.
    for (let i = 0; i < 20; i += 1) {
      const at = new Date(now.getTime() + schedule.nextDelay('throughput', 6 * HOUR, now));
      if (isLessonTime(at, timetable)) break;
    }
    now = new Date('2026-03-30T15:30:00Z'); // 18:30 in Riga
    const signal = new AbortController().signal;
    expect(await schedule.gate('throughput', 1, signal)).toMatchObject({
      run: false,
      skip: { reason: 'outside_hours' },
    });
    // A first attempt is never refused for the hour: the planner put it there.
    expect(await schedule.gate('throughput', 0, signal)).toEqual({ run: true });
  });

  it('records a skip as a valid measurement', () => {
    const check = createValidator(Measurement);
    const skip: ScheduleSkip = {
      probe: 'throughput',
      reason: 'busy',
      observedMbps: 41.23456,
      thresholdMbps: 20,
      attempt: 1,
      retryInMs: 1_200_000,
      at: now,
    };
    const m = skipMeasurement(skip);
    expect(check.check(m).ok).toBe(true);
    expect(m).toEqual({
      measurement: 'schedule_skip',
      fields: {
        result: 'skipped',
        reason: 'busy',
        attempt: 1,
        observed_mbps: 41.235,
        threshold_mbps: 20,
        retry_in_s: 1200,
      },
      tags: { probe: 'throughput', reason: 'busy' },
      at: now.toISOString(),
    });
  });
});

describe('Scheduler with a gate', () => {
  it('reports skips, retries the slot, then runs', async () => {
    const skips: ScheduleSkip[] = [];
    const ran: string[] = [];
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => (resolveDone = r));
    const attempts: number[] = [];
    const scheduler = createScheduler({
      probes: [{ name: 'throughput', probe: { gather: async () => {} }, intervalMs: 60_000 }],
      initialDelayMaxMs: 0,
      policy: {
        nextDelay: () => 60_000,
        gate: (probe, attempt) => {
          attempts.push(attempt);
          if (attempt < 2)
            return Promise.resolve({
              run: false,
              skip: { probe, reason: 'busy', attempt, retryInMs: 1, at: new Date() },
            });
          return Promise.resolve({ run: true });
        },
      },
      onSkip: (s) => void skips.push(s),
      onRun: (r) => {
        ran.push(r.probe);
        resolveDone();
      },
    });
    scheduler.start();
    await done;
    const next = await vi.waitFor(() => {
      const due = scheduler.nextRuns().throughput;
      expect(due).toBeInstanceOf(Date);
      return due;
    });
    await scheduler.stop();
    expect(attempts).toEqual([0, 1, 2]);
    expect(skips.map((s) => s.attempt)).toEqual([0, 1]);
    expect(ran).toEqual(['throughput']);
    expect(next).toBeInstanceOf(Date);
    expect(scheduler.nextRuns().throughput).toBeUndefined();
  });
});

describe('SchoolSchedule in an acceptance campaign', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-campaign-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /**
   * A week of the agent's throughput probe under the campaign's schedule,
   * as the scheduler drives it (first delay, gate, run, next delay), on a
   * fake clock; the line is busy at a share of the checks.
   */
  async function campaignWeek(
    seed: number,
    start: number,
    busyShare: number,
  ): Promise<{ tests: number[]; skips: number[]; notPossible: number[]; endsAt: number }> {
    let now = new Date(start);
    const endsAt = start + 7 * 24 * HOUR;
    const busy = createSeededRandom(seed ^ 0xb05);
    let rx = 0;
    const notPossible: number[] = [];
    const schedule = new SchoolSchedule({
      settings: { ...settings, campaign: { id: 'c1', endsAt } },
      budget: new DataBudget({
        file: join(dir, `budget-${seed}.json`),
        now: () => now,
        timezone: 'Europe/Riga',
      }),
      // 20 MB in the 2 s window is 80 Mbit/s: busy at the default 20 Mbit/s threshold.
      counters: {
        read: () => {
          rx += busy() < busyShare ? 20e6 : 0;
          return Promise.resolve({ iface: 'eth0', rxBytes: rx, txBytes: 0 });
        },
      },
      random: createSeededRandom(seed),
      now: () => now,
      busyWindowMs: 2000,
      monotonic: () => now.getTime(),
      sleep: (ms) => {
        now = new Date(now.getTime() + ms);
        return Promise.resolve();
      },
      onCampaignHour: (closed) => notPossible.push(closed.slot.start),
    });
    const signal = new AbortController().signal;
    const tests: number[] = [];
    const skips: number[] = [];
    let due = start + (schedule.firstDelay('throughput', 900_000, now) ?? 0);
    let attempt = 0;
    while (due < endsAt) {
      now = new Date(due);
      const decision = await schedule.gate('throughput', attempt, signal);
      if (!decision.run) skips.push(now.getTime());
      if (!decision.run && decision.skip.retryInMs !== undefined) {
        attempt += 1;
        due = now.getTime() + decision.skip.retryInMs;
        continue;
      }
      attempt = 0;
      if (decision.run) {
        tests.push(now.getTime());
        now = new Date(now.getTime() + 25_000);
        schedule.observe(
          run('throughput', [
            {
              measurement: 'throughput',
              fields: { download_mbps: 48, upload_mbps: 47 },
              tags: {},
              at: now.toISOString(),
            },
          ]),
        );
      }
      due = now.getTime() + schedule.nextDelay('throughput', 900_000, now);
    }
    return { tests, skips, notPossible, endsAt };
  }

  /** Riga's lesson hours (Mon-Fri 08:00-17:00) from `start` to `end` with a minute's room left in them. */
  function lessonHours(start: number, end: number): number[] {
    const hours: number[] = [];
    for (let h = Math.ceil(start / HOUR) * HOUR; h < end; h += HOUR) {
      if (isLessonTime(new Date(h), timetable) && h + HOUR - 60_000 > start) hours.push(h);
    }
    const first = Math.floor(start / HOUR) * HOUR;
    if (first < start && isLessonTime(new Date(first), timetable) && first + HOUR - 60_000 > start)
      hours.unshift(first);
    return hours;
  }

  it('tests in every lesson hour and never at night or at weekends, over seeds and start times', async () => {
    // Starts at any quarter hour of a fortnight in March 2026, across the DST change.
    for (let seed = 1; seed <= 12; seed += 1) {
      const start =
        Date.parse('2026-03-16T00:00:00Z') + Math.floor(createSeededRandom(seed)() * 1344) * 900_000;
      const week = await campaignWeek(seed, start, 0);
      for (const t of week.tests) expect(isLessonTime(new Date(t), timetable)).toBe(true);
      const tested = new Set(week.tests.map((t) => Math.floor(t / HOUR) * HOUR));
      const missing = lessonHours(start, week.endsAt).filter((h) => !tested.has(h));
      expect(
        missing.map((h) => new Date(h).toISOString()),
        `seed ${seed}`,
      ).toEqual([]);
      expect(week.notPossible).toEqual([]);
    }
  });

  it('says in the log why a campaign test goes where it goes', () => {
    const now = new Date('2026-03-16T06:10:00Z');
    // Friday 16:00 Riga: the end of the last lesson of the default timetable.
    const endsAt = Date.parse('2026-03-20T14:00:00Z');
    const schedule = new SchoolSchedule({
      settings: { ...settings, campaign: { id: 'c1', endsAt } },
      budget: new DataBudget({ file: join(dir, 'budget.json'), now: () => now, timezone: 'Europe/Riga' }),
      counters: counters(0),
      random: createSeededRandom(1),
      now: () => now,
    });
    const due = new Date(now.getTime() + schedule.nextDelay('throughput', 900_000, now));
    expect(schedule.explainPlan('throughput', due, now)).toBe(
      'acceptance campaign c1 until 2026-03-20 16:00 Europe/Riga (Fri): a test at a random time in every lesson hour (Mon-Fri 08:00-16:00 Europe/Riga)',
    );
  });

  it('tries a busy hour again within the hour and reports an hour it could not test as not possible', async () => {
    for (let seed = 1; seed <= 6; seed += 1) {
      const start = Date.parse('2026-03-16T05:00:00Z');
      const week = await campaignWeek(seed, start, 0.5);
      for (const t of week.tests) expect(isLessonTime(new Date(t), timetable)).toBe(true);
      const tested = new Set(week.tests.map((t) => Math.floor(t / HOUR) * HOUR));
      const reported = new Set(week.notPossible);
      for (const h of lessonHours(start, week.endsAt)) {
        expect(tested.has(h) || reported.has(h), new Date(h).toISOString()).toBe(true);
      }
      // Retried within the hour: hours whose first try was busy got their test all the same.
      const retriedAndTested = [...tested].filter((h) => week.skips.some((s) => s >= h && s < h + HOUR));
      expect(retriedAndTested.length).toBeGreaterThan(0);
      expect(week.skips.every((s) => isLessonTime(new Date(s), timetable))).toBe(true);
    }
  });
});
