/**
 * One default for a school's lesson hours: the agent places its heavy tests
 * in the hours the collector's score counts as lessons. Two defaults (the
 * agent once had 08:00-17:00, the score 08:00-16:00) sent one heavy test in
 * nine into an hour the score then read as outside lessons.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_LESSON_HOURS, isInLessonHours } from '@skolnet/shared';
import { agentConfigKeys } from '../../agent/src/config/agent-config.js';
import { DEFAULT_TIMETABLE } from '../../agent/src/runtime/timetable.js';
import { DEFAULT_SCORING_CONFIG } from '../../collector/src/scoring/score-config.js';

/** The scoring config's `school_hours` and zone, read as a timetable. */
function scoringLessonHours(): { timezone: string; days: number[]; start: string; end: string } {
  const { days, start_hour, end_hour } = DEFAULT_SCORING_CONFIG.school_hours;
  const hhmm = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;
  return {
    timezone: DEFAULT_SCORING_CONFIG.time_zone,
    days: [...days],
    start: hhmm(start_hour),
    end: hhmm(end_hour),
  };
}

const lessonParts = (t: { timezone: string; days: readonly number[]; start: string; end: string }) => ({
  timezone: t.timezone,
  days: [...t.days],
  start: t.start,
  end: t.end,
});

describe('the default lesson hours', () => {
  it("are the same for the agent's timetable, its config file's default and the score", () => {
    const scoring = scoringLessonHours();
    expect(lessonParts(DEFAULT_TIMETABLE)).toEqual(scoring);
    expect(lessonParts(agentConfigKeys.timetable.default)).toEqual(scoring);
    expect(scoring).toEqual(lessonParts(DEFAULT_LESSON_HOURS));
  });

  it('agree on every quarter hour of a week, DST change included', () => {
    const scoring = scoringLessonHours();
    // The week of the October 2026 change in Riga (Sunday 25th, 04:00 EEST → 03:00 EET).
    const from = Date.UTC(2026, 9, 19);
    for (let t = from; t < from + 8 * 24 * 3600_000; t += 15 * 60_000) {
      const agent = isInLessonHours(t, { ...DEFAULT_TIMETABLE, days: [...DEFAULT_TIMETABLE.days] });
      expect(agent, new Date(t).toISOString()).toBe(isInLessonHours(t, scoring));
    }
  });
});
