import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempStore, makeResult } from '../../testing/fixtures.js';
import { createSqliteStore } from '../kysely-store.js';
import { openSqliteDatabase } from '../kysely/sqlite-connection.js';
import { laptopRollupsMigration } from './0010-laptop-rollups.js';

const NOW = new Date('2026-03-13T14:00:00.000Z');
const HOUR_MS = 3_600_000;

describe('migration 0010: issued laptops out of hours already rolled up', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it("marks every hour holding a laptop's result dirty, and no other hour", async () => {
    const temp = await createTempStore();
    cleanup = temp.cleanup;
    let store = temp.store;
    const schoolId = (
      await store.createSchool({ name: 'Mazā skola', municipality: 'Alūksnes novads', pupils: 30 }, NOW)
    ).id;
    const enroll = async (role?: 'issued_laptop') => {
      const code = await store.createEnrollmentCode(schoolId, HOUR_MS, NOW);
      const hello = { hostname: role ?? 'server', agent_version: '1', ...(role ? { role } : {}) };
      return (await store.redeemEnrollmentCode(code.code, hello, NOW)).agent_id;
    };
    const laptop = await enroll('issued_laptop');
    const server = await enroll();
    // Synthetic: the laptop in two hours (two results in the first), the server in a third.
    await store.insertResults([
      makeResult(laptop, schoolId, { at: '2026-03-10T08:05:00.000Z' }),
      makeResult(laptop, schoolId, { at: '2026-03-10T08:55:00.000Z' }),
      makeResult(laptop, schoolId, { at: '2026-03-11T09:10:00.000Z' }),
      makeResult(server, schoolId, { at: '2026-03-12T10:10:00.000Z' }),
    ]);
    // As a collector that rolled these hours up before: nothing is pending.
    await store.refreshRollups();
    expect(await store.pendingRollupHours()).toBe(0);
    await store.close();

    const { db } = await openSqliteDatabase(join(temp.dir, 'test.db'));
    // The rollup an older collector wrote for the laptop's first hour.
    await db
      .insertInto('rollups_hourly')
      .values({
        school_id: schoolId,
        measurement: 'latency',
        target: 'collector',
        outcome: 'success',
        hour: '2026-03-10T08:00:00.000Z',
        field: 'rtt_avg_ms',
        count: 2,
        min: 12.5,
        max: 12.5,
        mean: 12.5,
        p50: 12.5,
        p95: 12.5,
      })
      .execute();
    await laptopRollupsMigration.up(db as never);
    const marks = await db.selectFrom('rollups_dirty').select(['school_id', 'measurement', 'hour']).execute();
    await db.destroy();
    expect(marks.map((m) => m.hour).sort()).toEqual(['2026-03-10T08:00:00.000Z', '2026-03-11T09:00:00.000Z']);
    expect(marks.every((m) => m.school_id === schoolId && m.measurement === 'latency')).toBe(true);

    // The next refresh recomputes them from the school's own rows only: the
    // laptop's hour goes.
    store = await createSqliteStore(join(temp.dir, 'test.db'));
    temp.store = store;
    expect(await store.pendingRollupHours()).toBe(2);
    await store.refreshRollups();
    expect(await store.pendingRollupHours()).toBe(0);
    const hours = await store.hourlyRollups({
      schoolId,
      measurements: ['latency'],
      since: new Date('2026-03-10T00:00:00.000Z'),
    });
    expect([...new Set(hours.map((h) => h.hour))]).toEqual(['2026-03-12T10:00:00.000Z']);
  });
});
