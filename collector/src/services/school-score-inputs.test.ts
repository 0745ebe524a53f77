/**
 * The score's inputs as the service reads them from a real store (SQLite,
 * hourly rollups), with an injected clock: capacity in lesson hours, the
 * school days of evidence, and the list, the detail and the plan agreeing.
 * Synthetic results written by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '@skolnet/shared';
import { DEFAULT_SCORING_CONFIG } from '../scoring/score-config.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { createDataChanges, trackStoreChanges } from './data-changes.js';
import { createSchoolService, type SchoolService } from './school-service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Friday 13 March 2026, 14:00 UTC (16:00 in Riga): the end of a school week. */
const NOW = new Date('2026-03-13T14:00:00.000Z');
/** Monday 9 March 2026, 10:00 in Riga (EET, UTC+2). */
const MONDAY_1000 = Date.parse('2026-03-09T08:00:00Z');

describe('school score inputs through the service', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let now: Date;
  let schools: SchoolService;
  let schoolId: string;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    const changes = createDataChanges();
    const tracked = trackStoreChanges(store, changes);
    now = NOW;
    schoolId = (await tracked.createSchool({ name: 'Mazā skola', municipality: 'Alūksne', pupils: 30 }, NOW))
      .id;
    const code = await store.createEnrollmentCode(schoolId, HOUR_MS, NOW);
    const agentId = (await store.redeemEnrollmentCode(code.code, { hostname: 'h', agent_version: '1' }, NOW))
      .agent_id;
    const result = (at: number, over: Partial<Result>): Result =>
      makeResult(agentId, schoolId, { at: new Date(at).toISOString(), ...over });
    const results: Result[] = [];
    for (let day = 0; day < 4; day += 1) {
      const lesson = MONDAY_1000 + day * DAY_MS;
      // In lessons the line gives 12 Mbit/s; at 03:00 Riga, with nobody on it, 900.
      results.push(
        result(lesson, {
          measurement: 'throughput',
          tags: {},
          fields: { result: 'success', download_mbps: 12 },
        }),
        result(lesson - 7 * HOUR_MS, {
          measurement: 'throughput',
          tags: {},
          fields: { result: 'success', download_mbps: 900 },
        }),
      );
      // Twelve probe runs of 500 pings in the lesson hour: one with a single reply.
      for (let i = 0; i < 12; i += 1) {
        const received = day === 0 && i === 0 ? 1 : 500;
        results.push(
          result(lesson + i * 5 * 60_000, {
            fields: {
              result: 'success',
              rtt_avg_ms: 20,
              jitter_ms: 2,
              loss_pct: (100 * (500 - received)) / 500,
              sent: 500,
              received,
            },
          }),
        );
      }
    }
    await tracked.insertResults(results);
    schools = createSchoolService({
      store: tracked,
      scoring: () => DEFAULT_SCORING_CONFIG,
      now: () => now,
      changes,
    });
  });
  afterEach(async () => {
    await cleanup();
  });

  it('scores lesson-hour capacity, counts its school days and agrees across list, detail and plan', async () => {
    const detail = await schools.detail(schoolId, 5, 0);
    expect(detail.components.download).toMatchObject({ median_mbps: 12, samples: 4, hours: 'lesson' });
    expect(detail.confidence).toMatchObject({ evidence_school_days: 4, outside_lessons: [] });
    // 48 runs in lessons, one of them not available; its 499 lost pings of 24,000 are the loss.
    expect(detail.components.availability?.share).toBeCloseTo(47 / 48, 12);
    expect(detail.components.loss?.pct).toBeCloseTo((100 * 499) / 24_000, 9);
    // 12 Mbit/s cannot carry a class of video: the ramp caps the total at 20 + 60 × 12/30 = 44.
    expect(detail.caps_applied).toContain('class_video');
    expect(detail.score).toBeLessThanOrEqual(44);
    const [summary] = await schools.list();
    expect(summary).toMatchObject({ id: schoolId, score: detail.score, band: detail.band });
    const [planned] = await schools.planSchools();
    expect(planned?.figures).toMatchObject({
      download_mbps: 12,
      capacity_hours: 'lesson',
      evidence_school_days: 4,
    });
  });

  it('never counts an issued laptop’s results in the score, its rollups or the plan’s figures', async () => {
    const before = await schools.detail(schoolId, 5, 0);
    // A pupil's issued laptop of the same school measures at home in the same lesson hours:
    // a fast line (900 Mbit/s) and a lossy one; neither is the school's connection.
    const code = await store.createEnrollmentCode(schoolId, HOUR_MS, NOW);
    const laptop = (
      await store.redeemEnrollmentCode(
        code.code,
        { hostname: 'laptop', agent_version: '1', role: 'issued_laptop' },
        NOW,
      )
    ).agent_id;
    const home: Result[] = [];
    for (let day = 0; day < 4; day += 1) {
      const lesson = MONDAY_1000 + day * DAY_MS;
      for (let i = 0; i < 3; i += 1) {
        const at = new Date(lesson + i * 60_000).toISOString();
        home.push(
          makeResult(laptop, schoolId, {
            at,
            measurement: 'throughput',
            tags: {},
            fields: { result: 'success', download_mbps: 900 },
          }),
          makeResult(laptop, schoolId, {
            at,
            fields: {
              result: 'success',
              rtt_avg_ms: 300,
              jitter_ms: 80,
              loss_pct: 50,
              sent: 500,
              received: 250,
            },
          }),
        );
      }
    }
    await store.insertResults(home);
    const since = new Date(NOW.getTime() - 7 * DAY_MS);
    // The rollups the score reads hold the school's agent alone.
    const rollups = await store.hourlyRollups({ schoolId, since, measurements: ['throughput'] });
    expect(rollups.filter((r) => r.field === 'download_mbps').reduce((n, r) => n + r.count, 0)).toBe(8);
    expect((await store.resultsForScoring(schoolId, since)).some((r) => r.agent_id === laptop)).toBe(false);
    now = new Date(NOW.getTime() + 1);
    await schools.list();
    await schools.settled();
    const after = await schools.detail(schoolId, 5, 0);
    expect(after.components).toEqual(before.components);
    expect(after.score).toBe(before.score);
    const [planned] = await schools.planSchools();
    expect(planned?.figures).toMatchObject({ download_mbps: 12, evidence_school_days: 4 });
    // Home connectivity still sees the laptop.
    expect((await store.issuedLaptopResults(schoolId, since)).every((r) => r.agent_id === laptop)).toBe(true);
    expect((await store.issuedLaptopResults(schoolId, since)).length).toBe(home.length);
  });

  it('drops results that leave the window as the injected clock moves on', async () => {
    expect((await schools.list())[0]?.band).not.toBe('insufficient_data');
    // A week and a half later, the results are outside the 7-day window.
    now = new Date(NOW.getTime() + 10 * DAY_MS);
    // The old model is served while the rebuild for the new window runs behind it.
    await schools.list();
    await schools.settled();
    const [later] = await schools.list();
    expect(later).toMatchObject({ score: null, band: 'insufficient_data' });
  });
});
