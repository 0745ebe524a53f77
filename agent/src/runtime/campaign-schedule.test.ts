import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Timetable } from '@skolnet/shared/core';
import {
  CAMPAIGN_TEST_ROOM_MS,
  lessonHourSlots,
  planCampaignTest,
  type ClosedSlot,
  type LessonHourSlot,
} from './campaign-schedule.js';
import { createSeededRandom } from './random-gaps.js';
import { isLessonTime, zonedParts } from './timetable.js';

const DAY = 86_400_000;
/** How long a simulated throughput test runs, in ms: the default settings' 25 s. */
const TEST_MS = 25_000;

/** Zones with DST (Riga, New York), without (UTC), and with half-hour offsets (Kolkata, Adelaide). */
const ZONES = ['Europe/Riga', 'UTC', 'America/New_York', 'Asia/Kolkata', 'Australia/Adelaide'];

const hhmm = (minutes: number): string =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** Timetables of any days, any zone, lessons from 5 minutes to a whole day, at 5-minute steps. */
const timetableArb: fc.Arbitrary<Timetable> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    days: fc.uniqueArray(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 7 }),
    startStep: fc.integer({ min: 0, max: 286 }),
    lengthSteps: fc.integer({ min: 1, max: 288 }),
  })
  .map(({ timezone, days, startStep, lengthSteps }) => ({
    timezone,
    days,
    start: hhmm(startStep * 5),
    end: hhmm(Math.min(288, startStep + lengthSteps) * 5),
  }));

/** Campaign starts over two years (both DST changes of each zone), at any minute. */
const startArb = fc.integer({
  min: Date.parse('2026-01-01T00:00:00Z'),
  max: Date.parse('2027-12-31T00:00:00Z'),
});

interface Simulation {
  slots: LessonHourSlot[];
  /** When each successful test ran: [start, end]. */
  tests: { start: number; end: number; slot: number }[];
  closed: Map<number, ClosedSlot>;
}

/**
 * Runs the campaign's schedule as the agent does: ask for the next test,
 * wait for it (unless the agent is off then: it wakes at the end of the
 * off spell and asks again), run it (failing with `failShare`), repeat;
 * at the campaign's end ask once more to close the last hours.
 */
function simulate(
  tt: Timetable,
  start: number,
  days: number,
  seed: number,
  failShare: number,
  off: readonly [number, number][] = [],
): Simulation {
  const random = createSeededRandom(seed);
  const outcome = createSeededRandom(seed ^ 0x5eed);
  const endsAt = new Date(start + days * DAY);
  const tested = new Set<number>();
  const tries = new Map<number, number>();
  const state = { tested, tries, accountedUntil: start };
  const tests: Simulation['tests'] = [];
  const closed = new Map<number, ClosedSlot>();
  let now = start;
  for (let i = 0; i < 100_000; i += 1) {
    const plan = planCampaignTest({ now: new Date(now), endsAt, timetable: tt, state, random });
    for (const c of plan.closed) {
      expect(closed.has(c.slot.start), `hour ${new Date(c.slot.start).toISOString()} closed twice`).toBe(
        false,
      );
      closed.set(c.slot.start, c);
    }
    state.accountedUntil = plan.accountedUntil;
    if (!plan.next) break;
    const due = plan.next.due.getTime();
    expect(due).toBeGreaterThanOrEqual(now);
    const spell = off.find(([a, b]) => due >= a && due < b);
    if (spell) {
      now = spell[1];
      continue;
    }
    now = due;
    if (outcome() < failShare) {
      tries.set(plan.next.slot.start, (tries.get(plan.next.slot.start) ?? 0) + 1);
    } else {
      tested.add(plan.next.slot.start);
      tests.push({ start: now, end: now + TEST_MS, slot: plan.next.slot.start });
    }
    now += TEST_MS;
  }
  // The campaign is over: one last look closes the hours still open.
  const last = planCampaignTest({
    now: endsAt,
    endsAt,
    timetable: tt,
    state,
    random,
  });
  for (const c of last.closed) {
    expect(closed.has(c.slot.start)).toBe(false);
    closed.set(c.slot.start, c);
  }
  return { slots: lessonHourSlots(start, endsAt.getTime(), tt), tests, closed };
}

/** Hours with room for a test before both their end and the campaign's. */
const roomy = (slots: readonly LessonHourSlot[], start: number, endsAt: number): LessonHourSlot[] =>
  slots.filter((s) => Math.min(s.end, endsAt) - CAMPAIGN_TEST_ROOM_MS >= Math.max(s.start, start));

describe('lessonHourSlots', () => {
  it('cuts lesson time at the local clock hours and leaves nights and weekends out', () => {
    const tt: Timetable = { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5], start: '08:15', end: '10:30' };
    // Friday 4 December 2026 00:00 Riga to Monday 7 December 24:00.
    const from = Date.parse('2026-12-03T22:00:00Z');
    const slots = lessonHourSlots(from, from + 4 * DAY, tt).map((s) => [
      new Date(s.start).toISOString(),
      new Date(s.end).toISOString(),
    ]);
    expect(slots).toEqual([
      ['2026-12-04T06:15:00.000Z', '2026-12-04T07:00:00.000Z'],
      ['2026-12-04T07:00:00.000Z', '2026-12-04T08:00:00.000Z'],
      ['2026-12-04T08:00:00.000Z', '2026-12-04T08:30:00.000Z'],
      ['2026-12-07T06:15:00.000Z', '2026-12-07T07:00:00.000Z'],
      ['2026-12-07T07:00:00.000Z', '2026-12-07T08:00:00.000Z'],
      ['2026-12-07T08:00:00.000Z', '2026-12-07T08:30:00.000Z'],
    ]);
  });
});

describe('planCampaignTest', () => {
  it('retries a failed test within the same hour, then closes the hour as not possible', () => {
    const tt: Timetable = { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '08:00', end: '09:00' };
    const start = Date.parse('2026-12-07T08:00:00Z');
    const endsAt = new Date(start + DAY);
    const tries = new Map<number, number>();
    const state = { tested: new Set<number>(), tries, accountedUntil: start };
    const first = planCampaignTest({ now: new Date(start), endsAt, timetable: tt, state, random: () => 0.5 });
    expect(first.next?.slot.start).toBe(start);
    // It failed at 08:40: the retry is in the same hour, two minutes on at the earliest.
    tries.set(start, 1);
    const at = start + 40 * 60_000;
    const retry = planCampaignTest({ now: new Date(at), endsAt, timetable: tt, state, random: () => 0 });
    expect(retry.next).toEqual({ due: new Date(at + 2 * 60_000), slot: { start, end: start + 3_600_000 } });
    // It failed again at 08:58: no room left, the hour is not possible and the next day's is planned.
    tries.set(start, 2);
    const late = planCampaignTest({
      now: new Date(start + 58 * 60_000),
      endsAt,
      timetable: tt,
      state,
      random: () => 0,
    });
    expect(late.closed).toEqual([
      { slot: { start, end: start + 3_600_000 }, outcome: 'not_possible', cause: 'failed', tries: 2 },
    ]);
    expect(late.next).toBeUndefined();
  });

  it('gives every lesson hour a test, at a random time within it, and none at night or at weekends', () => {
    fc.assert(
      fc.property(
        timetableArb,
        startArb,
        fc.integer({ min: 1, max: 10 }),
        fc.integer(),
        (tt, start, days, seed) => {
          const endsAt = start + days * DAY;
          const sim = simulate(tt, start, days, seed, 0);
          const inHour = new Map<number, number>();
          for (const test of sim.tests) {
            // Start and end in lesson time, in the hour it was planned for.
            expect(isLessonTime(new Date(test.start), tt)).toBe(true);
            expect(isLessonTime(new Date(test.end - 1), tt)).toBe(true);
            const slot = sim.slots.find((s) => s.start === test.slot)!;
            expect(test.start).toBeGreaterThanOrEqual(slot.start);
            expect(test.end).toBeLessThanOrEqual(slot.end);
            inHour.set(test.slot, (inHour.get(test.slot) ?? 0) + 1);
          }
          for (const slot of roomy(sim.slots, start, endsAt)) {
            expect(
              inHour.get(slot.start) ?? 0,
              `hour ${new Date(slot.start).toISOString()}`,
            ).toBeGreaterThanOrEqual(1);
          }
          // Each hour once: tested, or (too short for a test) not possible.
          for (const slot of sim.slots) {
            const c = sim.closed.get(slot.start);
            expect(c, `hour ${new Date(slot.start).toISOString()} not accounted`).toBeDefined();
            expect(c!.outcome).toBe(inHour.has(slot.start) ? 'tested' : 'not_possible');
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it('counts every lesson hour, tested or not possible, when tests fail and the agent is off for spells', () => {
    fc.assert(
      fc.property(
        timetableArb,
        startArb,
        fc.integer({ min: 1, max: 7 }),
        fc.integer(),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 36 })), {
          maxLength: 3,
        }),
        (tt, start, days, seed, failShare, spells) => {
          const endsAt = start + days * DAY;
          const off = spells.map(([at, hours]): [number, number] => {
            const a = start + at * days * DAY;
            return [a, a + hours * 3_600_000];
          });
          const sim = simulate(tt, start, days, seed, failShare, off);
          const testedHours = new Set(sim.tests.map((t) => t.slot));
          for (const slot of sim.slots) {
            const c = sim.closed.get(slot.start);
            expect(c, `hour ${new Date(slot.start).toISOString()} not accounted`).toBeDefined();
            if (testedHours.has(slot.start)) expect(c!.outcome).toBe('tested');
            else {
              expect(c).toMatchObject({ outcome: 'not_possible' });
              // Tries were made unless the agent was off, asleep, or the hour had no room.
              if (c!.outcome === 'not_possible' && c!.cause === 'missed') expect(c!.tries).toBe(0);
            }
          }
          for (const test of sim.tests) {
            expect(isLessonTime(new Date(test.start), tt)).toBe(true);
            expect(off.some(([a, b]) => test.start >= a && test.start < b)).toBe(false);
          }
          // Nothing after the campaign.
          expect(sim.tests.every((t) => t.end <= endsAt)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('places tests at different minutes of the hour from day to day (random, not fixed)', () => {
    const tt: Timetable = { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' };
    const start = Date.parse('2026-12-07T06:00:00Z');
    const sim = simulate(tt, start, 5, 42, 0);
    const minutes = new Set(sim.tests.map((t) => zonedParts(new Date(t.start), tt.timezone).minute));
    expect(sim.tests).toHaveLength(45);
    expect(minutes.size).toBeGreaterThan(20);
  });
});
