/**
 * Each school scored in its own lesson hours: the timetable its agents are
 * given (`PUT /api/v1/schools/:id/agent-config`), the scoring config's
 * `school_hours` for a school without one. A real SQLite store, an injected
 * clock, synthetic results written by hand.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result, Timetable } from '@skolnet/shared';
import { DEFAULT_SCORING_CONFIG } from '../scoring/score-config.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import type { Store } from '../storage/store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { createDataChanges, trackStoreChanges } from './data-changes.js';
import { createSchoolService, type SchoolService } from './school-service.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Thursday 12 March 2026, 22:00 in Riga (EET, UTC+2). */
const NOW = new Date('2026-03-12T20:00:00.000Z');
/** Monday 9 March 2026, 10:00 in Riga. */
const MONDAY_1000 = Date.parse('2026-03-09T08:00:00Z');
/** An evening school (vakarskola): lessons Monday-Thursday 17:00-21:00 in Riga. */
const EVENING: Timetable = { timezone: 'Europe/Riga', days: [1, 2, 3, 4], start: '17:00', end: '21:00' };

/** The store with a count of calls per method, to see what a refresh reads. */
function counted(store: Store): { store: Store; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const proxy = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, calls };
}

describe("lesson hours from each school's own timetable", () => {
  let raw: KyselyStore;
  let tracked: KyselyStore;
  let cleanup: () => Promise<void>;
  let calls: Map<string, number>;
  let schools: SchoolService;
  let day: string;
  let evening: string;

  beforeEach(async () => {
    ({ store: raw, cleanup } = await createTempStore());
    const changes = createDataChanges();
    tracked = trackStoreChanges(raw, changes);
    const results: Result[] = [];
    const ids: string[] = [];
    for (const name of ['Dienas skola', 'Vakara skola']) {
      const id = (await tracked.createSchool({ name, municipality: 'Rīga', pupils: 200 }, NOW)).id;
      const code = await raw.createEnrollmentCode(id, HOUR_MS, NOW);
      const agentId = (await raw.redeemEnrollmentCode(code.code, { hostname: 'h', agent_version: '1' }, NOW))
        .agent_id;
      ids.push(id);
      const result = (at: number, over: Partial<Result>): Result =>
        makeResult(agentId, id, { at: new Date(at).toISOString(), ...over });
      // Both lines alike, Monday-Wednesday: busy at 10:00 (12 Mbit/s, 30 ms), quieter at 18:00
      // (60 Mbit/s, 120 ms while the evening's video lessons run).
      for (let d = 0; d < 3; d += 1) {
        for (const [offset, mbps, rtt] of [
          [0, 12, 30],
          [8 * HOUR_MS, 60, 120],
        ] as const) {
          const at = MONDAY_1000 + d * DAY_MS + offset;
          results.push(
            result(at, {
              measurement: 'throughput',
              tags: {},
              fields: { result: 'success', download_mbps: mbps },
            }),
            result(at + 60_000, {
              fields: {
                result: 'success',
                rtt_avg_ms: rtt,
                jitter_ms: 2,
                loss_pct: 0,
                sent: 20,
                received: 20,
              },
            }),
          );
        }
      }
    }
    [day, evening] = ids as [string, string];
    await tracked.insertResults(results);
    const counting = counted(tracked);
    calls = counting.calls;
    schools = createSchoolService({
      store: counting.store,
      scoring: () => DEFAULT_SCORING_CONFIG,
      now: () => NOW,
      changes,
    });
  });
  afterEach(async () => {
    await cleanup();
  });

  it('scores two schools on different timetables each in its own lessons, list, detail and plan agreeing', async () => {
    // No school has a timetable yet: both in the config's 08:00-16:00.
    const before = await schools.list();
    expect(before.map((s) => s.score)).toEqual([before[0]?.score, before[0]?.score]);
    expect((await schools.detail(evening, 1, 0)).components.download).toMatchObject({ median_mbps: 12 });
    expect(calls.get('schoolTimetables')).toBe(1);

    // The evening school's timetable, as its IT staff push it to its agents.
    await tracked.setSchoolAgentConfig(evening, { probes: {}, timetable: EVENING }, NOW);
    calls.clear();
    const after = await schools.list();
    // One refresh: one read of every timetable, and only the changed school's rollups.
    expect(calls.get('schoolTimetables')).toBe(1);
    expect(calls.get('hourlyRollups')).toBe(1);

    const dayDetail = await schools.detail(day, 1, 0);
    const eveningDetail = await schools.detail(evening, 1, 0);
    expect(dayDetail.components.download).toMatchObject({ median_mbps: 12, hours: 'lesson' });
    expect(dayDetail.components.latency).toMatchObject({ p95_ms: 30, hours: 'lesson' });
    expect(dayDetail.confidence).toMatchObject({ lesson_hours_from: 'config', evidence_school_days: 3 });
    expect(eveningDetail.components.download).toMatchObject({ median_mbps: 60, hours: 'lesson' });
    expect(eveningDetail.components.latency).toMatchObject({ p95_ms: 120, hours: 'lesson' });
    expect(eveningDetail.confidence).toMatchObject({ lesson_hours_from: 'school', evidence_school_days: 3 });

    const byId = new Map(after.map((s) => [s.id, s]));
    expect(byId.get(day)).toMatchObject({ score: dayDetail.score, band: dayDetail.band });
    expect(byId.get(evening)).toMatchObject({ score: eveningDetail.score, band: eveningDetail.band });
    const plan = new Map((await schools.planSchools()).map((p) => [p.id, p]));
    expect(plan.get(day)?.figures).toMatchObject({ download_mbps: 12, lesson_hours_from: 'config' });
    expect(plan.get(evening)?.figures).toMatchObject({ download_mbps: 60, lesson_hours_from: 'school' });
  });

  it('falls back to the config for a timetable it cannot use, and scores every other school', async () => {
    await tracked.setSchoolAgentConfig(evening, {
      probes: {},
      timetable: { ...EVENING, timezone: 'Mars/Olympus' },
    });
    const detail = await schools.detail(evening, 1, 0);
    expect(detail.components.download).toMatchObject({ median_mbps: 12 });
    expect(detail.confidence.lesson_hours_from).toBe('config');
    expect((await schools.list()).every((s) => s.score !== null)).toBe(true);
  });
});
