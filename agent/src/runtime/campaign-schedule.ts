import type { Timetable } from '@skolnet/shared/core';
import type { RandomSource } from './random-gaps.js';
import { minutesOf, zonedInstant, zonedParts } from './timetable.js';

/**
 * Where the throughput tests of a vendor-acceptance campaign go
 * (docs/acceptance.md, docs/scheduling.md): at least one download and one
 * upload test in every lesson hour of the school's timetable, at a random
 * time within the hour, none outside lesson hours. Pure: the caller gives
 * the clock reading, the random source and what happened so far, and gets
 * the next test's time and the hours that are over.
 */

/**
 * Room a test needs before the end of its hour, in ms: a throughput test
 * with the default settings runs about 25 s (2 s warm-up and 10 s per
 * direction, plus connection set-up; throughput/README.md) and its result
 * is stamped when it ends, so it starts at least a minute before the hour
 * ends to stay in it.
 */
export const CAMPAIGN_TEST_ROOM_MS = 60_000;

/**
 * Shortest wait before a failed or skipped test of an hour is tried again
 * in the same hour, in ms: two minutes lets a short burst of other traffic
 * pass without spending the hour's room on back-to-back attempts.
 */
export const CAMPAIGN_RETRY_GAP_MS = 2 * 60_000;

/**
 * A retry goes at a random time at most this long after its earliest
 * moment, in ms: drawn over the whole rest of the hour, each retry would
 * use up half of what is left, and an hour would see only two or three.
 * Eight minutes gives a busy hour five or more tries.
 */
export const CAMPAIGN_RETRY_SPREAD_MS = 8 * 60_000;

const HOUR_MS = 3_600_000;
/** Longest look ahead for the next lesson hour, in days: past any weekend and a two-week holiday. */
const MAX_LOOKAHEAD_DAYS = 16;

/** One lesson hour: a local clock hour within lesson time, [start, end) in ms since the epoch. */
export interface LessonHourSlot {
  start: number;
  end: number;
}

/** What the campaign's tests have done so far. */
export interface CampaignScheduleState {
  /** Start of every lesson hour whose test succeeded (both directions measured). */
  tested: ReadonlySet<number>;
  /** Start of a lesson hour → tries that failed or were skipped in it. */
  tries: ReadonlyMap<number, number>;
  /** Start of every lesson hour given up before its end (a try that cannot succeed within it, such as a spent data budget). */
  givenUp?: ReadonlySet<number>;
  /** Every lesson hour starting before this instant (ms) has been accounted already. */
  accountedUntil: number;
}

/** A lesson hour that is over for the campaign's schedule: it got its test, or no test was possible. */
export type ClosedSlot =
  | { slot: LessonHourSlot; outcome: 'tested' }
  | {
      slot: LessonHourSlot;
      outcome: 'not_possible';
      /** `failed`: every try failed or was skipped; `missed`: no try at all (the agent was off or asleep, or the hour too short). */
      cause: 'failed' | 'missed';
      tries: number;
    };

/** The answer of {@link planCampaignTest}. */
export interface CampaignPlan {
  /** The next test and its hour; undefined when no lesson hour is left before the campaign ends. */
  next: { due: Date; slot: LessonHourSlot } | undefined;
  /** Hours that are over since `accountedUntil`, oldest first. */
  closed: ClosedSlot[];
  /** The new `accountedUntil`: the start of the next test's hour, or the campaign's end. */
  accountedUntil: number;
}

/** Input of {@link planCampaignTest}. */
export interface CampaignPlanInput {
  now: Date;
  /** The campaign's end: no test starts after `endsAt − testRoomMs`. */
  endsAt: Date;
  timetable: Timetable;
  state: CampaignScheduleState;
  random: RandomSource;
  /** Default {@link CAMPAIGN_TEST_ROOM_MS}. */
  testRoomMs?: number;
  /** Default {@link CAMPAIGN_RETRY_GAP_MS}. */
  retryGapMs?: number;
}

/**
 * The lesson hours of the local days around `from`..`to` that overlap
 * [from, to): each lesson window of the timetable cut at the local clock
 * hours (08:00-09:00, ...; a window starting 08:15 gives 08:15-09:00), so
 * the hours are the ones a school and the collector's hourly counts see.
 */
export function lessonHourSlots(from: number, to: number, tt: Timetable): LessonHourSlot[] {
  const out: LessonHourSlot[] = [];
  if (!(to > from)) return out;
  const first = zonedParts(new Date(from), tt.timezone);
  const startMin = minutesOf(tt.start);
  const endMin = minutesOf(tt.end);
  // One day before `from`: a window of the previous local day cannot reach into it (end ≤ 24:00), but DST can shift by an hour.
  for (let k = -1; ; k += 1) {
    const d = new Date(Date.UTC(first.year, first.month - 1, first.day + k));
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const dayStart = zonedInstant(y, m, day, 0, tt.timezone);
    if (dayStart >= to) break;
    const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    if (!tt.days.includes(weekday)) continue;
    const wStart = zonedInstant(y, m, day, startMin, tt.timezone);
    const wEnd = zonedInstant(y, m, day, endMin, tt.timezone);
    let t = wStart;
    while (t < wEnd) {
      const end = Math.min(nextLocalHour(t, tt.timezone), wEnd);
      if (end > from && t < to) out.push({ start: t, end });
      t = end;
    }
  }
  return out;
}

/** The next full hour of the local clock after `t`. */
function nextLocalHour(t: number, timeZone: string): number {
  const p = zonedParts(new Date(t), timeZone);
  const intoHour = (p.minute * 60 + p.second) * 1000 + (t % 1000);
  return t - intoHour + HOUR_MS;
}

/**
 * Places the campaign's next throughput test: in the earliest lesson hour
 * (from `state.accountedUntil` on) that has not had its test and still
 * has room, at a uniformly random time between the earliest moment it may
 * start and the last that leaves the test room to end within the hour; a
 * retry after a failed or skipped try of that hour goes between
 * {@link CAMPAIGN_RETRY_GAP_MS} and that plus
 * {@link CAMPAIGN_RETRY_SPREAD_MS} later.
 * A failed or skipped test is thus tried again within the same hour
 * while room is left. Hours passed over on the way are closed: `tested`,
 * or `not_possible` (`failed` after tries, `missed` when none was made:
 * the agent was off or asleep through it, or it is shorter than a test),
 * so an hour without a test is counted, never silently missing.
 */
export function planCampaignTest(input: CampaignPlanInput): CampaignPlan {
  const { now, endsAt, timetable, state, random } = input;
  const room = input.testRoomMs ?? CAMPAIGN_TEST_ROOM_MS;
  const gap = input.retryGapMs ?? CAMPAIGN_RETRY_GAP_MS;
  const spread = CAMPAIGN_RETRY_SPREAD_MS;
  const t = now.getTime();
  const end = endsAt.getTime();
  const closed: ClosedSlot[] = [];
  let accounted = state.accountedUntil;
  let from = state.accountedUntil;
  const horizon = Math.min(end, Math.max(t, from) + MAX_LOOKAHEAD_DAYS * 86_400_000);
  while (from < horizon) {
    // A day at a time: the next lesson hour is usually close.
    const until = Math.min(horizon, from + 86_400_000);
    for (const slot of lessonHourSlots(from, until, timetable)) {
      // An hour across the edge of two walks comes once.
      if (slot.end <= accounted) continue;
      if (state.tested.has(slot.start)) {
        closed.push({ slot, outcome: 'tested' });
        accounted = slot.end;
        continue;
      }
      const tries = state.tries.get(slot.start) ?? 0;
      const earliest = Math.max(slot.start, t + (tries > 0 ? gap : 0));
      const latest = Math.min(slot.end, end) - room;
      if (earliest <= latest && !state.givenUp?.has(slot.start)) {
        const last = tries > 0 ? Math.min(latest, earliest + spread) : latest;
        const due = earliest + random() * (last - earliest);
        return { next: { due: new Date(due), slot }, closed, accountedUntil: slot.start };
      }
      // No room left in it (it is over, nearly over, or shorter than a test): closed.
      closed.push({ slot, outcome: 'not_possible', cause: tries > 0 ? 'failed' : 'missed', tries });
      accounted = slot.end;
    }
    from = until;
  }
  return { next: undefined, closed, accountedUntil: accounted };
}
