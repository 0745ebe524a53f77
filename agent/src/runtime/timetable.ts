import {
  DEFAULT_LESSON_HOURS,
  isInLessonHours,
  type Timetable,
  type ZoneOffsetFn,
} from '@skolnet/shared/core';
import { zoneOffset } from './zone-offset.js';

/**
 * Share of heavy tests placed outside lesson hours when the timetable
 * does not say: one in ten, enough for an evening and weekend reference
 * of the same line within a month at the default intervals, while the
 * figure that matters (the line while pupils use it) gets the rest.
 */
export const DEFAULT_OUTSIDE_SHARE = 0.1;

/**
 * The timetable an agent follows until its school's own arrives: the
 * lesson hours the collector's score also assumes without one
 * (`DEFAULT_LESSON_HOURS` of `@skolnet/shared`), with the default outside share.
 */
export const DEFAULT_TIMETABLE: Readonly<Required<Timetable>> = Object.freeze({
  ...DEFAULT_LESSON_HOURS,
  outside_share: DEFAULT_OUTSIDE_SHARE,
});

const MINUTES_PER_DAY = 1440;

/** Local calendar fields of an instant in a time zone. */
export interface ZonedParts {
  year: number;
  /** 1-12. */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
}

/**
 * Offset of `timeZone` from UTC at instant `t`, in ms (Riga: +2 h in
 * winter, +3 h in summer), from the system's time zone database (see
 * zone-offset.ts; Intl only where there is none).
 * @throws Error when the zone is unknown; timetables are checked with
 *   {@link timetableProblem} before they are used.
 */
function offsetAt(t: number, timeZone: string): number {
  const offset = zoneOffset(timeZone, t);
  if (offset === undefined) throw new Error(`unknown time zone "${timeZone}"`);
  return offset;
}

/** The wall-clock fields of `at` in `timeZone` (an IANA name), DST included. */
export function zonedParts(at: Date, timeZone: string): ZonedParts {
  const wall = new Date(at.getTime() + offsetAt(at.getTime(), timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    hour: wall.getUTCHours(),
    minute: wall.getUTCMinutes(),
    second: wall.getUTCSeconds(),
    weekday: wall.getUTCDay() === 0 ? 7 : wall.getUTCDay(),
  };
}

/** True when `timeZone` is an IANA name this host's time zone database (or, lacking one, Intl) knows. */
export function isValidTimeZone(timeZone: string): boolean {
  return zoneOffset(timeZone, 0) !== undefined;
}

/**
 * The instant at local wall time `minutes` after midnight of the local
 * date year-month-day. A wall time skipped by a spring DST change maps an
 * hour later; one repeated in autumn maps to its first occurrence's
 * neighbourhood. Either is fine for placing tests.
 */
export function zonedInstant(
  year: number,
  month: number,
  day: number,
  minutes: number,
  timeZone: string,
): number {
  const wall = Date.UTC(year, month - 1, day, 0, minutes);
  const first = wall - offsetAt(wall, timeZone);
  const second = offsetAt(first, timeZone);
  return wall - second;
}

/** `HH:MM` → minutes after midnight (`24:00` → 1440). */
export function minutesOf(hhmm: string): number {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
}

/**
 * What is wrong with a timetable beyond its schema (the time zone must
 * exist, lessons must start before they end), or undefined.
 */
export function timetableProblem(tt: Timetable): string | undefined {
  if (!isValidTimeZone(tt.timezone)) return `timetable.timezone: unknown time zone "${tt.timezone}"`;
  if (minutesOf(tt.start) >= minutesOf(tt.end))
    return `timetable: start ${tt.start} must be before end ${tt.end}`;
  if (new Set(tt.days).size !== tt.days.length) return 'timetable.days: a day is listed twice';
  return undefined;
}

/** Fraction of a week inside lesson hours (ignoring the DST hour). */
export function lessonShare(tt: Timetable): number {
  return (tt.days.length * (minutesOf(tt.end) - minutesOf(tt.start))) / (7 * MINUTES_PER_DAY);
}

/** The outside share in force: the timetable's, or the default; 0 when lessons fill the week. */
export function outsideShare(tt: Timetable): number {
  if (lessonShare(tt) >= 1) return 0;
  return tt.outside_share ?? DEFAULT_OUTSIDE_SHARE;
}

/** Calendar month of `at` in `timeZone`, `YYYY-MM`: the data budget's period. */
export function monthKey(at: Date, timeZone: string): string {
  const p = zonedParts(at, timeZone);
  return `${p.year}-${String(p.month).padStart(2, '0')}`;
}

/**
 * Lesson windows [start, end) in ms, merged where one ends as the next
 * begins, for the local days from `before` days before `at` to `after`
 * days after it.
 */
function windowsAround(at: number, tt: Timetable, before: number, after: number): [number, number][] {
  const p = zonedParts(new Date(at), tt.timezone);
  const start = minutesOf(tt.start);
  const end = minutesOf(tt.end);
  const out: [number, number][] = [];
  for (let k = -before; k <= after; k += 1) {
    // Calendar arithmetic on a UTC date: the local date k days on.
    const d = new Date(Date.UTC(p.year, p.month - 1, p.day + k));
    const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
    if (!tt.days.includes(weekday)) continue;
    const y = d.getUTCFullYear();
    const m = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    const w: [number, number] = [
      zonedInstant(y, m, day, start, tt.timezone),
      zonedInstant(y, m, day, end, tt.timezone),
    ];
    const last = out.at(-1);
    if (last && last[1] >= w[0]) last[1] = Math.max(last[1], w[1]);
    else out.push(w);
  }
  return out;
}

/** Offsets from the system's time zone database, so the shared helper never loads ICU here. */
const tzifOffset: ZoneOffsetFn = (timeZone, ms) => zoneOffset(timeZone, ms);

/**
 * True when `at` falls in lesson hours: the one definition the collector
 * scores with too (`isInLessonHours` of the shared package), fed this
 * host's zone offsets.
 */
export function isLessonTime(at: Date, tt: Timetable): boolean {
  return isInLessonHours(at, tt, { zoneOffset: tzifOffset });
}

/**
 * The next instant after `at` where lesson hours begin or end, or
 * undefined when the status never changes (lessons around the clock).
 */
export function nextBoundary(at: Date, tt: Timetable): Date | undefined {
  if (lessonShare(tt) >= 1) return undefined;
  const t = at.getTime();
  // Eight days ahead always reach the next lesson day of any timetable.
  for (const [s, e] of windowsAround(t, tt, 1, 8)) {
    if (s > t) return new Date(s);
    if (e > t) return new Date(e);
  }
  return undefined;
}

/**
 * The instant reached by counting `amountMs` of weighted time from
 * `from`: each millisecond of lesson time counts `insideWeight`, each
 * millisecond outside counts `outsideWeight`. A gap drawn around an
 * interval and counted this way places runs as a Poisson process whose
 * rate is higher in lesson hours and lower outside (0 = never), while the
 * mean number of runs per week stays one per interval when the weights
 * are (1 − outside share) / lesson share and outside share / (1 − lesson share).
 */
export function advanceWeighted(
  from: Date,
  amountMs: number,
  insideWeight: number,
  outsideWeight: number,
  tt: Timetable,
): Date {
  let t = from.getTime();
  let remaining = amountMs;
  // Two boundaries a day: 1 000 steps cover well over a year of counting.
  for (let i = 0; i < 1000; i += 1) {
    const boundary = nextBoundary(new Date(t), tt);
    const weight = isLessonTime(new Date(t), tt) ? insideWeight : outsideWeight;
    if (boundary === undefined) return weight > 0 ? new Date(t + remaining / weight) : new Date(t);
    const room = (boundary.getTime() - t) * weight;
    if (weight > 0 && remaining < room) return new Date(t + remaining / weight);
    remaining -= room;
    t = boundary.getTime();
  }
  return new Date(t);
}

/** The instant reached by counting `amountMs` only of lesson time (`inside`) or only of the rest. */
export function advanceWithin(from: Date, amountMs: number, inside: boolean, tt: Timetable): Date {
  return advanceWeighted(from, amountMs, inside ? 1 : 0, inside ? 0 : 1, tt);
}
