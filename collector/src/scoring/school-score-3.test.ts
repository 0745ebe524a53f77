/**
 * Known answers for what skolnet-score-3 changed (issue 16, item 8):
 * latency and jitter measured in lesson hours, a size-dependent minimum
 * for upload, a no-line cap that joins the class-video ramp without a
 * jump, and lesson hours from the school's own timetable. The cases are
 * synthetic, written by hand from the rules in docs/methodology.md; times
 * are fixed instants (the results' own clock), never the wall clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LessonTimetable } from '@skolnet/shared';
import {
  classUploadMbps,
  extractFigures,
  extractFiguresFromRollups,
  scoreFigures,
  scoreSchool,
  uploadPoints,
  uploadTargetMbps,
  type ScoringResult,
} from './school-score.js';
import { DEFAULT_SCORING_CONFIG, parseScoringConfig } from './score-config.js';
import {
  DAY_MS,
  HOUR_MS,
  MONDAY_0800,
  iso,
  perfectBut,
  rollUp,
  throughputRun,
} from '../testing/scoring-fixtures.js';

/** A successful latency probe run to the collector with the given round trip and jitter. */
function probe(at: number, rttMs: number, jitterMs: number): ScoringResult {
  return {
    measurement: 'latency',
    tags: { target: 'collector' },
    fields: {
      result: 'success',
      rtt_avg_ms: rttMs,
      jitter_ms: jitterMs,
      loss_pct: 0,
      sent: 500,
      received: 500,
    },
    at: iso(at),
  };
}

describe('latency and jitter measured in lesson hours', () => {
  // Monday to Friday: six probes in the 10:00 lesson hour (Riga) at 30 ms and 4 ms of jitter,
  // and twelve at night (03:00 Riga) at 250 ms and 40 ms, when a backup saturates the line.
  const lessons = [0, 1, 2, 3, 4].flatMap((d) =>
    Array.from({ length: 6 }, (_, i) => probe(MONDAY_0800 + d * DAY_MS + 2 * HOUR_MS + i * 300_000, 30, 4)),
  );
  const nights = [0, 1, 2, 3, 4].flatMap((d) =>
    Array.from({ length: 12 }, (_, i) =>
      probe(MONDAY_0800 + d * DAY_MS - 5 * HOUR_MS + i * 300_000, 250, 40),
    ),
  );

  it('night probes do not count when lesson-hour probes exist (raw results and rollups)', () => {
    const results = [...lessons, ...nights];
    for (const f of [extractFigures(results), extractFiguresFromRollups(rollUp(results))]) {
      expect(f).toMatchObject({
        rtt_median_ms: 30,
        rtt_p95_ms: 30,
        rtt_samples: 30,
        rtt_hours: 'lesson',
        jitter_ms: 4,
        jitter_samples: 30,
        jitter_hours: 'lesson',
      });
    }
    const s = scoreSchool({ pupils: 30, results });
    // 20 ms → 100, 300 ms → 0: 30 ms is 100 − 100 × 10/280 = 96.4; 4 ms of jitter is 100.
    expect(s.components.latency).toMatchObject({ score: 96.4, p95_ms: 30, hours: 'lesson' });
    expect(s.components.jitter).toMatchObject({ score: 100, median_ms: 4, hours: 'lesson' });
    expect(s.confidence.outside_lessons).not.toContain('latency');
  });

  it('falls back to any hour only without lesson-hour probes, and says so', () => {
    const s = scoreSchool({ pupils: 30, results: [...nights, throughputRun(MONDAY_0800 + 2 * HOUR_MS, 50)] });
    expect(s.components.latency).toMatchObject({ p95_ms: 250, hours: 'any' });
    expect(s.components.jitter).toMatchObject({ median_ms: 40, hours: 'any' });
    expect(s.confidence.outside_lessons).toEqual(['loss', 'latency', 'jitter']);
    expect(extractFiguresFromRollups(rollUp(nights))).toMatchObject({
      rtt_hours: 'any',
      jitter_hours: 'any',
    });
  });
});

describe('upload: a size-dependent minimum of one class in a video call', () => {
  it('the class upload rate is 30 pupils × 0.8 Mbit/s (Zoom, group video, high quality)', () => {
    expect(classUploadMbps()).toBeCloseTo(24, 12);
  });

  it('a 30-pupil school on 10 Mbit/s up is held to one class of video, not to its per-pupil target', () => {
    // Per pupil 0.33 Mbit/s would give 100; one class needs 24 Mbit/s: 100 × 10/24 = 41.7.
    const s = scoreFigures(perfectBut(100, 10), 30);
    expect(s.components.upload).toMatchObject({ score: 41.7, capped: true, per_pupil_mbps: 10 / 30 });
  });

  it('gives the figures docs/methodology.md quotes', () => {
    // 30 pupils on 7.5 Mbit/s up: 0.25 each was 100; one class's call needs 24: 31.3.
    expect(scoreFigures(perfectBut(100, 7.5), 30).components.upload?.score).toBe(31.3);
    // 96 pupils on 2.4 Mbit/s: per pupil 0.025 → 40, the class line 10.
    expect(uploadPoints(2.4, 96)).toBeCloseTo(10, 9);
  });

  it('a large school is still held to its per-pupil target', () => {
    // 900 pupils on 90 Mbit/s up: 0.1 Mbit/s each → 40 + 60 × 0.075/0.225 = 60.
    const s = scoreFigures(perfectBut(1000, 90), 900);
    expect(s.components.upload).toMatchObject({ score: 60, capped: false });
  });

  it('names the size-dependent upload target', () => {
    expect(uploadTargetMbps(12)).toBeCloseTo(24, 12);
    expect(uploadTargetMbps(900)).toBe(225);
    for (const pupils of [12, 30, 96, 900]) expect(uploadPoints(uploadTargetMbps(pupils), pupils)).toBe(100);
    expect(uploadPoints(uploadTargetMbps(30) - 1, 30)).toBeLessThan(100);
  });

  it('upload points are monotone and continuous in the measured rate (property)', () => {
    const u = DEFAULT_SCORING_CONFIG.components.upload;
    // Steepest slope per Mbit/s: the class line (100 over 24 Mbit/s) or the per-pupil curve's first part.
    const steepest = (pupils: number): number =>
      Math.max(100 / classUploadMbps(), 40 / 0.025 / Math.max(pupils, 1));
    expect(u.class_upload_mbps_per_pupil).toBe(0.8);
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3000 }),
        fc.oneof(fc.double({ min: 0, max: 1000, noNaN: true }), fc.double({ min: 15, max: 30, noNaN: true })),
        fc.double({ min: 0, max: 5, noNaN: true }),
        (pupils, mbps, step) => {
          const a = uploadPoints(mbps, pupils);
          const b = uploadPoints(mbps + step, pupils);
          expect(b).toBeGreaterThanOrEqual(a);
          expect(b - a).toBeLessThanOrEqual(steepest(pupils) * step + 1e-9);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('takes a configured per-pupil upload and names a bad one', () => {
    const c = parseScoringConfig({ components: { upload: { class_upload_mbps_per_pupil: 0.5 } } });
    expect(scoreFigures(perfectBut(100, 10), 30, c).components.upload?.score).toBeCloseTo(66.7, 9);
    expect(() => parseScoringConfig({ components: { upload: { class_upload_mbps_per_pupil: -1 } } })).toThrow(
      /components\.upload\.class_upload_mbps_per_pupil/,
    );
  });
});

describe('no jump where the no-line cap ends at 2 Mbit/s', () => {
  it('1.99 and 2.01 Mbit/s differ by a small amount, and under 2 Mbit/s the school stays a priority', () => {
    for (const pupils of [5, 30, 400]) {
      const below = scoreFigures(perfectBut(1.99), pupils);
      const above = scoreFigures(perfectBut(2.01), pupils);
      expect(below.caps_applied).toContain('no_line');
      expect(below.band).toBe('priority');
      // The class-video ramp's slope, 60 points over 30 Mbit/s, over 0.02 Mbit/s, plus rounding.
      expect((above.score ?? NaN) - (below.score ?? NaN)).toBeLessThanOrEqual(0.04 + 0.1 + 1e-9);
    }
    // At no rate: the no-line cap's own 20.
    expect(scoreFigures(perfectBut(0), 30).score).toBe(20);
  });

  it('the total is monotone and slope-bounded from 0 Mbit/s up (property)', () => {
    fc.assert(
      fc.property(
        // From a class's size up, where the per-pupil curve is no steeper than the caps.
        fc.integer({ min: 30, max: 3000 }),
        // Half the draws around the no-line limit.
        fc.oneof(fc.double({ min: 0, max: 60, noNaN: true }), fc.double({ min: 1.5, max: 2.5, noNaN: true })),
        fc.double({ min: 0, max: 0.1, noNaN: true }),
        (pupils, mbps, step) => {
          const a = scoreFigures(perfectBut(mbps), pupils);
          const b = scoreFigures(perfectBut(mbps + step), pupils);
          const dt = (b.score ?? NaN) - (a.score ?? NaN);
          // Steepest: the per-pupil download curve (40 per 0.1 Mbit/s a pupil) at its weight, the
          // school curve (6 per Mbit/s) or the class-video ramp above one class (80 per 7.5 Mbit/s).
          const slope = Math.max(0.3 * (400 / pupils), 6, 80 / 7.5);
          expect(dt).toBeGreaterThanOrEqual(-0.1 - 1e-9);
          expect(dt).toBeLessThanOrEqual(slope * step + 0.1 + 1e-9);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('an outage (availability under 50%) still caps the total at 20', () => {
    const down = { ...perfectBut(100), availability_share: 0.4 };
    expect(scoreFigures(down, 30)).toMatchObject({ score: 20, caps_applied: ['no_line'] });
  });
});

describe("lesson hours from the school's own timetable", () => {
  // An evening school (vakarskola): lessons Monday-Thursday 17:00-21:00 in Riga.
  const evening: LessonTimetable = {
    timezone: 'Europe/Riga',
    days: [1, 2, 3, 4],
    start: '17:00',
    end: '21:00',
  };
  // 12 Mbit/s at 10:00 Riga (day lessons), 60 Mbit/s at 18:00 (evening lessons), Monday-Wednesday.
  const results = [0, 1, 2].flatMap((d) => [
    throughputRun(MONDAY_0800 + d * DAY_MS + 2 * HOUR_MS, 12),
    throughputRun(MONDAY_0800 + d * DAY_MS + 10 * HOUR_MS, 60),
  ]);

  it('the same results give each school what its line does in its own lessons', () => {
    expect(extractFigures(results)).toMatchObject({ download_mbps: 12, capacity_hours: 'lesson' });
    expect(extractFigures(results, DEFAULT_SCORING_CONFIG, evening)).toMatchObject({
      download_mbps: 60,
      capacity_hours: 'lesson',
      evidence_school_days: 3,
      lesson_hours: 3,
    });
    expect(extractFiguresFromRollups(rollUp(results), DEFAULT_SCORING_CONFIG, evening)).toMatchObject({
      download_mbps: 60,
      evidence_school_days: 3,
    });
    expect(scoreSchool({ pupils: 30, results, timetable: evening }).components.download).toMatchObject({
      median_mbps: 60,
      hours: 'lesson',
    });
  });

  it("counts a lesson hour that starts on the half hour (rollups: by the hour's middle)", () => {
    const late: LessonTimetable = { ...evening, start: '17:30' };
    // 17:40 Riga is in lessons, 17:10 is not; the rollup hour 17:00-18:00 has its middle at 17:30: in.
    const at = (min: number): number => MONDAY_0800 + 9 * HOUR_MS + min * 60_000;
    expect(extractFigures([throughputRun(at(40), 60)], DEFAULT_SCORING_CONFIG, late).capacity_hours).toBe(
      'lesson',
    );
    expect(extractFigures([throughputRun(at(10), 60)], DEFAULT_SCORING_CONFIG, late).capacity_hours).toBe(
      'any',
    );
  });
});
