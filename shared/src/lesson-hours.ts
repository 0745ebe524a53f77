import { ErrorCodes, SkolnetError } from './errors.js';
import type { Timetable } from './protocol.js';

/**
 * Lesson hours: whether an instant falls inside a school's timetable. One
 * definition for the agent (which places heavy tests in lessons) and the
 * collector (which scores a school on what its line does while pupils use
 * it). Pure: the only outside fact is the time zone's offset, which the
 * caller may supply (the agent reads the system's TZif files to keep ICU's
 * memory out of its long-running path; see docs/footprint.md).
 */

/**
 * Offset of `timeZone` (an IANA name) from UTC at instant `ms`, in ms
 * (Riga: +2 h in winter, +3 h in summer); undefined when the zone is unknown.
 */
export type ZoneOffsetFn = (timeZone: string, ms: number) => number | undefined;

/** The parts of a {@link Timetable} that define lesson hours; a whole `Timetable` fits. */
export type LessonTimetable = Pick<Timetable, 'timezone' | 'days' | 'start' | 'end'>;

/**
 * The lesson hours of a school that has no timetable of its own: Monday to
 * Friday, 08:00-16:00, Europe/Riga. One default for both sides, so the agent
 * places its heavy tests in the hours the collector's score counts as
 * lessons: the agent follows it until a timetable is pushed, and the
 * scoring config's `school_hours` and `time_zone` default to it. The hours
 * are judgement for Latvian general education (lessons roughly 08:00-16:00,
 * Monday to Friday; docs/methodology.md). Frozen: callers copy `days`.
 */
export const DEFAULT_LESSON_HOURS: Readonly<LessonTimetable> = Object.freeze({
  timezone: 'Europe/Riga',
  // Frozen too; typed mutable so a copy spreads into a Timetable.
  days: Object.freeze([1, 2, 3, 4, 5]) as number[],
  start: '08:00',
  end: '16:00',
});

/** Options of the lesson-hour helpers. */
export interface LessonHoursOptions {
  /** Where zone offsets come from; default {@link intlZoneOffset}. */
  zoneOffset?: ZoneOffsetFn;
}

/** Local wall-clock reading of an instant in a time zone. */
export interface WallTime {
  /** Local calendar date, `YYYY-MM-DD`: the school day an instant belongs to. */
  date: string;
  /** ISO weekday: 1 = Monday ... 7 = Sunday. */
  weekday: number;
  /** Minutes after local midnight, 0-1439 (seconds dropped). */
  minutes: number;
}

const MINUTES_PER_DAY = 1440;
/** `HH:MM`, 00:00-24:00, as the Timetable schema allows (24:00 only as an end). */
const HHMM = /^([01][0-9]|2[0-4]):([0-5][0-9])$/;

const intlFormats = new Map<string, Intl.DateTimeFormat | null>();

/**
 * {@link ZoneOffsetFn} through `Intl` (ICU's time zone data, DST included).
 * One formatter per zone is kept; an unknown zone gives undefined.
 */
export const intlZoneOffset: ZoneOffsetFn = (timeZone, ms) => {
  let format = intlFormats.get(timeZone);
  if (format === undefined) {
    try {
      // en-US with h23 gives plain numbers; the locale does not matter for the fields.
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      format = null;
    }
    intlFormats.set(timeZone, format);
  }
  if (format === null) return undefined;
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(ms)) p[part.type] = Number(part.value);
  const wall = Date.UTC(
    p['year'] ?? 1970,
    (p['month'] ?? 1) - 1,
    p['day'] ?? 1,
    p['hour'] ?? 0,
    p['minute'] ?? 0,
    p['second'] ?? 0,
  );
  return wall - Math.floor(ms / 1000) * 1000;
};

/** `HH:MM` → minutes after midnight (`24:00` → 1440); throws on anything else. */
export function timetableMinutes(hhmm: string, key = 'time'): number {
  const m = HHMM.exec(hhmm);
  const minutes = m ? Number(m[1]) * 60 + Number(m[2]) : NaN;
  if (!(minutes <= MINUTES_PER_DAY)) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `timetable.${key}: expected HH:MM (00:00-24:00), got "${hhmm}"`,
    );
  }
  return minutes;
}

function toMs(at: Date | number): number {
  const ms = typeof at === 'number' ? at : at.getTime();
  if (!Number.isFinite(ms))
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, 'lesson hours: invalid instant');
  return ms;
}

/**
 * The local wall-clock reading of `at` in `timeZone`, with the offset in
 * force at that instant (so Riga reads UTC+2 in winter, UTC+3 in summer).
 * @throws SkolnetError `SKOLNET_CONFIG_INVALID` for an unknown zone or an invalid instant.
 */
export function wallTime(at: Date | number, timeZone: string, options: LessonHoursOptions = {}): WallTime {
  const ms = toMs(at);
  const offset = (options.zoneOffset ?? intlZoneOffset)(timeZone, ms);
  if (offset === undefined) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `timetable.timezone: unknown time zone "${timeZone}"`);
  }
  const wall = new Date(ms + offset);
  const day = wall.getUTCDay();
  return {
    date: wall.toISOString().slice(0, 10),
    weekday: day === 0 ? 7 : day,
    minutes: wall.getUTCHours() * 60 + wall.getUTCMinutes(),
  };
}

/**
 * True when `at` falls in the school's lesson hours: its local wall-clock
 * time in `timetable.timezone` is on one of `timetable.days` (ISO
 * weekdays), at or after `start` and before `end`. The offset is the one in
 * force at `at`, so the local 08:00 start is 06:00 UTC in a Riga winter and
 * 05:00 UTC in summer. On the night of a DST change a wall time that is
 * skipped never occurs and one that is repeated counts both times; no
 * school timetable starts or ends in those hours.
 * @throws SkolnetError `SKOLNET_CONFIG_INVALID` for an unknown zone, a
 *   time that is not `HH:MM`, or an invalid instant.
 */
export function isInLessonHours(
  at: Date | number,
  timetable: LessonTimetable,
  options: LessonHoursOptions = {},
): boolean {
  return lessonDay(at, timetable, options) !== undefined;
}

/**
 * The school day `at` belongs to, `YYYY-MM-DD` in the timetable's zone,
 * when `at` falls in lesson hours ({@link isInLessonHours}); undefined
 * otherwise. Counting distinct values gives the school days with evidence
 * in lessons.
 * @throws as {@link isInLessonHours}.
 */
export function lessonDay(
  at: Date | number,
  timetable: LessonTimetable,
  options: LessonHoursOptions = {},
): string | undefined {
  const local = wallTime(at, timetable.timezone, options);
  return wallTimeInLessons(local, timetable) ? local.date : undefined;
}

/**
 * The rule behind {@link isInLessonHours}, for a wall-clock reading already
 * taken in the timetable's zone (a caller that also needs the local date
 * reads the clock once).
 * @throws SkolnetError `SKOLNET_CONFIG_INVALID` for a time that is not `HH:MM`.
 */
export function wallTimeInLessons(local: WallTime, timetable: LessonTimetable): boolean {
  const start = timetableMinutes(timetable.start, 'start');
  const end = timetableMinutes(timetable.end, 'end');
  return timetable.days.includes(local.weekday) && local.minutes >= start && local.minutes < end;
}
