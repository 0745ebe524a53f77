import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorCodes } from './errors.js';
import {
  intlZoneOffset,
  isInLessonHours,
  lessonDay,
  timetableMinutes,
  wallTime,
  type LessonTimetable,
  type ZoneOffsetFn,
} from './lesson-hours.js';
import type { Timetable } from './protocol.js';

// Latvian school week as the agent's default timetable has it (synthetic).
const riga: LessonTimetable = {
  timezone: 'Europe/Riga',
  days: [1, 2, 3, 4, 5],
  start: '08:00',
  end: '17:00',
};
const at = (iso: string): Date => new Date(iso);

describe('isInLessonHours in Europe/Riga across the DST changes', () => {
  it('starts and ends lessons at local 08:00 and 17:00 in winter (UTC+2) and summer (UTC+3)', () => {
    // Friday 27 March 2026, before the spring change: EET.
    expect(isInLessonHours(at('2026-03-27T05:59:00Z'), riga)).toBe(false);
    expect(isInLessonHours(at('2026-03-27T06:00:00Z'), riga)).toBe(true);
    expect(isInLessonHours(at('2026-03-27T14:59:59Z'), riga)).toBe(true);
    expect(isInLessonHours(at('2026-03-27T15:00:00Z'), riga)).toBe(false);
    // Sunday 29 March, the change itself: no lessons on a weekend.
    expect(isInLessonHours(at('2026-03-29T09:00:00Z'), riga)).toBe(false);
    // Monday 30 March: EEST, an hour earlier in UTC.
    expect(isInLessonHours(at('2026-03-30T04:59:00Z'), riga)).toBe(false);
    expect(isInLessonHours(at('2026-03-30T05:00:00Z'), riga)).toBe(true);
    expect(isInLessonHours(at('2026-03-30T13:59:00Z'), riga)).toBe(true);
    expect(isInLessonHours(at('2026-03-30T14:00:00Z'), riga)).toBe(false);
    // Autumn: Friday 23 October in EEST, Monday 26 October in EET.
    expect(isInLessonHours(at('2026-10-23T05:00:00Z'), riga)).toBe(true);
    expect(isInLessonHours(at('2026-10-26T05:30:00Z'), riga)).toBe(false);
    expect(isInLessonHours(at('2026-10-26T06:00:00Z'), riga)).toBe(true);
  });

  it('takes the weekday from the local date, not the UTC one', () => {
    const sunday: LessonTimetable = { ...riga, days: [7], start: '00:00', end: '02:00' };
    // Sunday 01:30 in Riga (EEST) is Saturday 22:30 UTC.
    expect(isInLessonHours(at('2026-06-06T22:30:00Z'), sunday)).toBe(true);
    expect(isInLessonHours(at('2026-06-07T22:30:00Z'), sunday)).toBe(false);
    expect(lessonDay(at('2026-06-06T22:30:00Z'), sunday)).toBe('2026-06-07');
  });

  it('counts lessons up to 24:00 and accepts a whole Timetable', () => {
    const late: Timetable = {
      timezone: 'Europe/Riga',
      days: [1],
      start: '20:00',
      end: '24:00',
      outside_share: 0.2,
    };
    // Monday 23:59 EET = 21:59 UTC.
    expect(isInLessonHours(at('2026-01-05T21:59:00Z'), late)).toBe(true);
    expect(isInLessonHours(at('2026-01-05T22:00:00Z'), late)).toBe(false);
  });

  it('names the school day of an instant in lessons, and none outside', () => {
    expect(lessonDay(at('2026-03-30T05:00:00Z'), riga)).toBe('2026-03-30');
    expect(lessonDay(at('2026-03-30T20:00:00Z'), riga)).toBeUndefined();
    expect(wallTime(at('2026-10-25T01:00:00Z'), 'Europe/Riga')).toEqual({
      date: '2026-10-25',
      weekday: 7,
      minutes: 3 * 60,
    });
  });

  it('uses the offsets a caller supplies instead of Intl', () => {
    const calls: string[] = [];
    const fixed: ZoneOffsetFn = (zone) => {
      calls.push(zone);
      return zone === 'Test/Plus10' ? 10 * 3_600_000 : undefined;
    };
    const tt: LessonTimetable = { timezone: 'Test/Plus10', days: [1], start: '08:00', end: '09:00' };
    // Monday 08:30 at UTC+10 is Sunday 22:30 UTC.
    expect(isInLessonHours(at('2026-01-04T22:30:00Z'), tt, { zoneOffset: fixed })).toBe(true);
    expect(calls).toEqual(['Test/Plus10']);
  });

  it('agrees with a wall-clock reading through Intl at every minute of a year (sampled)', () => {
    const hours = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Riga',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const weekdays: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2025, 0, 1), max: Date.UTC(2028, 0, 1) }), (ms) => {
        const p: Record<string, string> = {};
        for (const part of hours.formatToParts(ms)) p[part.type] = part.value;
        const minutes = Number(p['hour']) * 60 + Number(p['minute']);
        const expected = (weekdays[p['weekday'] ?? ''] ?? 0) <= 5 && minutes >= 480 && minutes < 1020;
        expect(isInLessonHours(ms, riga)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('bad input', () => {
  it('says which part is wrong with a stable code', () => {
    expect(() =>
      isInLessonHours(at('2026-01-05T08:00:00Z'), { ...riga, timezone: 'Europe/Atlantis' }),
    ).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONFIG_INVALID,
        message: expect.stringMatching(/Atlantis/),
      }),
    );
    expect(() => isInLessonHours(at('2026-01-05T08:00:00Z'), { ...riga, start: '8:00' })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CONFIG_INVALID,
        message: expect.stringMatching(/timetable\.start/),
      }),
    );
    expect(() => isInLessonHours(new Date(NaN), riga)).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }),
    );
    expect(() => timetableMinutes('24:30')).toThrow(
      expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }),
    );
    expect(timetableMinutes('24:00')).toBe(1440);
    expect(intlZoneOffset('Europe/Atlantis', 0)).toBeUndefined();
  });
});
