import { describe, expect, it } from 'vitest';
import { isInLessonHours, type Timetable } from '@skolnet/shared';
import {
  DEFAULT_TIMETABLE,
  advanceWithin,
  isLessonTime,
  lessonShare,
  monthKey,
  nextBoundary,
  outsideShare,
  timetableProblem,
  zonedInstant,
  zonedParts,
} from './timetable.js';

// Lessons to 17:00 (a school with afternoon lessons), not the default's 16:00: the instants below are for it.
const tt: Timetable = { ...DEFAULT_TIMETABLE, days: [...DEFAULT_TIMETABLE.days], end: '17:00' };
const at = (iso: string): Date => new Date(iso);

describe('timetable in Europe/Riga across the DST changes', () => {
  it('reads wall-clock time with the right offset on both sides of each change', () => {
    // 2026-03-29 01:00 UTC: 03:00 EET becomes 04:00 EEST.
    expect(zonedParts(at('2026-03-29T00:59:00Z'), 'Europe/Riga')).toMatchObject({ hour: 2, minute: 59 });
    expect(zonedParts(at('2026-03-29T01:00:00Z'), 'Europe/Riga')).toMatchObject({ hour: 4, minute: 0 });
    // 2026-10-25 01:00 UTC: 04:00 EEST becomes 03:00 EET.
    expect(zonedParts(at('2026-10-25T00:59:00Z'), 'Europe/Riga')).toMatchObject({ hour: 3, minute: 59 });
    expect(zonedParts(at('2026-10-25T01:00:00Z'), 'Europe/Riga')).toMatchObject({ hour: 3, minute: 0 });
    expect(zonedParts(at('2026-10-25T01:00:00Z'), 'Europe/Riga').weekday).toBe(7);
  });

  it('converts local wall time to instants in winter and summer', () => {
    expect(new Date(zonedInstant(2026, 3, 27, 8 * 60, 'Europe/Riga')).toISOString()).toBe(
      '2026-03-27T06:00:00.000Z',
    );
    expect(new Date(zonedInstant(2026, 3, 30, 8 * 60, 'Europe/Riga')).toISOString()).toBe(
      '2026-03-30T05:00:00.000Z',
    );
    expect(new Date(zonedInstant(2026, 10, 23, 17 * 60, 'Europe/Riga')).toISOString()).toBe(
      '2026-10-23T14:00:00.000Z',
    );
    expect(new Date(zonedInstant(2026, 10, 26, 17 * 60, 'Europe/Riga')).toISOString()).toBe(
      '2026-10-26T15:00:00.000Z',
    );
    // 03:30 on 29 March does not exist in Riga; it lands in the hour after the change.
    const skipped = zonedInstant(2026, 3, 29, 3 * 60 + 30, 'Europe/Riga');
    expect(skipped).toBeGreaterThanOrEqual(Date.parse('2026-03-29T00:30:00Z'));
    expect(skipped).toBeLessThanOrEqual(Date.parse('2026-03-29T01:30:00Z'));
  });

  it('knows lesson hours on the school days around each change', () => {
    // Friday before the spring change: EET, UTC+2.
    expect(isLessonTime(at('2026-03-27T05:59:00Z'), tt)).toBe(false);
    expect(isLessonTime(at('2026-03-27T06:00:00Z'), tt)).toBe(true);
    expect(isLessonTime(at('2026-03-27T14:59:00Z'), tt)).toBe(true);
    expect(isLessonTime(at('2026-03-27T15:00:00Z'), tt)).toBe(false);
    // The weekend of the change: no lessons.
    expect(isLessonTime(at('2026-03-29T09:00:00Z'), tt)).toBe(false);
    // Monday after: EEST, UTC+3.
    expect(isLessonTime(at('2026-03-30T04:59:00Z'), tt)).toBe(false);
    expect(isLessonTime(at('2026-03-30T05:00:00Z'), tt)).toBe(true);
    expect(isLessonTime(at('2026-03-30T13:59:00Z'), tt)).toBe(true);
    expect(isLessonTime(at('2026-03-30T14:00:00Z'), tt)).toBe(false);
    // Autumn: Friday in EEST, Monday in EET.
    expect(isLessonTime(at('2026-10-23T05:00:00Z'), tt)).toBe(true);
    expect(isLessonTime(at('2026-10-26T05:30:00Z'), tt)).toBe(false);
    expect(isLessonTime(at('2026-10-26T06:00:00Z'), tt)).toBe(true);
  });

  it('finds the next boundary over the DST weekend', () => {
    expect(nextBoundary(at('2026-03-27T15:00:00Z'), tt)?.toISOString()).toBe('2026-03-30T05:00:00.000Z');
    expect(nextBoundary(at('2026-03-30T05:00:00Z'), tt)?.toISOString()).toBe('2026-03-30T14:00:00.000Z');
    expect(nextBoundary(at('2026-10-23T15:00:00Z'), tt)?.toISOString()).toBe('2026-10-26T06:00:00.000Z');
  });

  it('counts only lesson time, or only the rest, when advancing', () => {
    // Friday 16:00 EET + 2 h of lesson time: 1 h on Friday, 1 h on Monday (EEST).
    expect(advanceWithin(at('2026-03-27T14:00:00Z'), 2 * 3_600_000, true, tt).toISOString()).toBe(
      '2026-03-30T06:00:00.000Z',
    );
    // Friday 16:00 + 1 h outside lessons: the hour after 17:00.
    expect(advanceWithin(at('2026-03-27T14:00:00Z'), 3_600_000, false, tt).toISOString()).toBe(
      '2026-03-27T16:00:00.000Z',
    );
    // Lessons around the clock: all time is lesson time.
    const always: Timetable = {
      timezone: 'Europe/Riga',
      days: [1, 2, 3, 4, 5, 6, 7],
      start: '00:00',
      end: '24:00',
    };
    expect(nextBoundary(at('2026-03-27T14:00:00Z'), always)).toBeUndefined();
    expect(advanceWithin(at('2026-03-27T14:00:00Z'), 60_000, true, always).toISOString()).toBe(
      '2026-03-27T14:01:00.000Z',
    );
    expect(outsideShare(always)).toBe(0);
  });

  it('puts the month boundary at local midnight', () => {
    // 2026-03-31 23:30 in Riga (EEST) is still March; 00:30 is April.
    expect(monthKey(at('2026-03-31T20:30:00Z'), 'Europe/Riga')).toBe('2026-03');
    expect(monthKey(at('2026-03-31T21:30:00Z'), 'Europe/Riga')).toBe('2026-04');
    expect(monthKey(at('2026-03-31T21:30:00Z'), 'UTC')).toBe('2026-03');
  });

  it("counts the same lesson hours as the collector's score (TZif offsets here, Intl there)", () => {
    // The agent reads offsets from the host's zone files; the shared rule's default is Intl.
    const start = Date.UTC(2025, 0, 1);
    const span = Date.UTC(2028, 0, 1) - start;
    for (let i = 0; i < 5000; i += 1) {
      // A fixed, evenly spread (golden-ratio) sequence of instants over three years and six DST changes.
      const t = new Date(start + Math.floor(((i * 0.6180339887498949) % 1) * span));
      expect(isLessonTime(t, tt)).toBe(isInLessonHours(t, tt));
    }
  });

  it('validates what the schema cannot', () => {
    expect(timetableProblem(tt)).toBeUndefined();
    expect(timetableProblem({ ...tt, timezone: 'Europe/Atlantis' })).toMatch(/unknown time zone/);
    expect(timetableProblem({ ...tt, start: '17:00', end: '08:00' })).toMatch(/before end/);
    expect(timetableProblem({ ...tt, days: [1, 1] })).toMatch(/twice/);
    expect(lessonShare(tt)).toBeCloseTo((5 * 9) / (7 * 24));
    expect(outsideShare(tt)).toBe(0.1);
  });
});
