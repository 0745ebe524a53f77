import { beforeEach, expect, it } from 'vitest';
import { uuidv7, type Result } from '@skolnet/shared';
import type { KyselyStore } from '../../collector/src/storage/kysely-store.js';
import { hourOf } from '../../collector/src/storage/rollups.js';
import type { HourlyRollup } from '../../collector/src/storage/store.js';
import { makeResult } from '../../collector/src/testing/fixtures.js';
import { describeStores } from './stores.js';

const AGENT = 'agent-1';
const T0 = Date.parse('2026-03-10T06:00:00.000Z');
const MIN_MS = 60_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 60 * MIN_MS;

/** Rounds of ingest racing a recompute: enough for the two to overlap on two pooled connections. */
const RACE_ROUNDS = 25;
/** Hours marked dirty at once in the parallel refresh test. */
const MARKED_HOURS = 60;
/** Hours one batch touches in the lock-order test (each a dirty mark): a wide window for the batches to overlap. */
const CROSSED_HOURS = 400;
/** Pairs of crossing batches in the lock-order test. */
const CROSSED_ROUNDS = 5;

function latency(schoolId: string, atMs: number, rtt: number, over: Partial<Result> = {}): Result {
  return makeResult(AGENT, schoolId, {
    id: uuidv7(atMs),
    at: new Date(atMs).toISOString(),
    fields: { result: 'success', rtt_avg_ms: rtt, loss_pct: 0, sent: 10 },
    tags: { target: 'collector' },
    ...over,
  });
}

function pick(rollups: HourlyRollup[], where: Partial<HourlyRollup>): HourlyRollup[] {
  return rollups.filter((r) => Object.entries(where).every(([k, v]) => r[k as keyof HourlyRollup] === v));
}

// Hourly rollups and retention through plain store calls, on every backend.
describeStores('rollups and retention', (getStore, backend) => {
  let store: KyselyStore;
  let schoolId: string;

  /** Closes the store and opens the same database again, as a restarted collector does. */
  const reopen = async (): Promise<KyselyStore> => {
    await store.close();
    store = await backend.open();
    return store;
  };

  beforeEach(async () => {
    store = getStore();
    schoolId = (await store.createSchool({ name: 'Roll school', municipality: 'Rīga', pupils: 100 })).id;
  });

  it('rolls each hour up per target, outcome and numeric field with nearest-rank percentiles', async () => {
    // Hour 06: 20 successful probes to the collector with rtt 1..20, one timeout, one gateway probe.
    const results = Array.from({ length: 20 }, (_, i) => latency(schoolId, T0 + i * MIN_MS, i + 1));
    results.push(
      latency(schoolId, T0 + 30 * MIN_MS, 0, {
        fields: { result: 'timeout', loss_pct: 100, sent: 10 },
      }),
      latency(schoolId, T0 + 31 * MIN_MS, 0.5, { tags: { target: 'gateway' } }),
      // Hour 07: one probe.
      latency(schoolId, T0 + 61 * MIN_MS, 7),
    );
    expect(await store.insertResults(results)).toEqual({ inserted: 23, duplicates: 0 });
    expect(await store.pendingRollupHours()).toBe(2);

    const rollups = await store.hourlyRollups({ schoolId, since: new Date(T0) });
    expect(await store.pendingRollupHours()).toBe(0);
    const [rtt] = pick(rollups, {
      hour: '2026-03-10T06:00:00.000Z',
      target: 'collector',
      outcome: 'success',
      field: 'rtt_avg_ms',
    });
    // Nearest rank: p50 is the 10th of 20 values, p95 the 19th.
    expect(rtt).toMatchObject({
      measurement: 'latency',
      count: 20,
      min: 1,
      max: 20,
      mean: 10.5,
      p50: 10,
      p95: 19,
    });
    expect(
      pick(rollups, { hour: '2026-03-10T06:00:00.000Z', outcome: 'timeout', field: 'loss_pct' })[0],
    ).toMatchObject({ target: 'collector', count: 1, min: 100, p95: 100 });
    expect(pick(rollups, { target: 'gateway', field: 'rtt_avg_ms' })[0]).toMatchObject({
      count: 1,
      p50: 0.5,
    });
    expect(pick(rollups, { hour: '2026-03-10T07:00:00.000Z', field: 'rtt_avg_ms' })[0]).toMatchObject({
      count: 1,
      p50: 7,
    });
    // The string field `result` is the outcome, not a rolled-up number.
    expect(pick(rollups, { field: 'result' })).toEqual([]);
    expect(await store.hourlyRollups({ schoolId, since: new Date(T0 + 60 * MIN_MS) })).toHaveLength(
      pick(rollups, { hour: '2026-03-10T07:00:00.000Z' }).length,
    );
    expect(
      await store.hourlyRollups({ schoolId, since: new Date(T0), measurements: ['throughput'] }),
    ).toEqual([]);
  });

  it('recomputes an hour when a late result arrives; a resent batch marks nothing', async () => {
    const first = [latency(schoolId, T0, 10), latency(schoolId, T0 + MIN_MS, 30)];
    await store.insertResults(first);
    expect(await store.refreshRollups()).toBe(1);
    expect(await store.insertResults(first)).toEqual({ inserted: 0, duplicates: 2 });
    expect(await store.pendingRollupHours()).toBe(0);

    await store.insertResults([latency(schoolId, T0 + 50 * MIN_MS, 20)]);
    expect(await store.pendingRollupHours()).toBe(1);
    const [rtt] = pick(await store.hourlyRollups({ schoolId, since: new Date(T0) }), { field: 'rtt_avg_ms' });
    expect(rtt).toMatchObject({ count: 3, min: 10, max: 30, mean: 20, p50: 20, p95: 30 });
  });

  it('leaves hours marked since `markedBefore` for later; reads refresh them anyway', async () => {
    await store.insertResults([latency(schoolId, T0, 10)]);
    const marked = Date.now();
    expect(await store.refreshRollups({ markedBefore: new Date(marked - MIN_MS) })).toBe(0);
    expect(await store.pendingRollupHours()).toBe(1);
    // A read covering the hour refreshes it whatever the age of its mark.
    const [rtt] = pick(await store.hourlyRollups({ schoolId, since: new Date(T0) }), { field: 'rtt_avg_ms' });
    expect(rtt).toMatchObject({ count: 1, p50: 10 });
    expect(await store.pendingRollupHours()).toBe(0);

    await store.insertResults([latency(schoolId, T0 + MIN_MS, 30)]);
    expect(await store.refreshRollups({ markedBefore: new Date(Date.now() + 1_000) })).toBe(1);
    expect(await store.pendingRollupHours()).toBe(0);
  });

  it('keeps dirty hours across a restart and refreshes them in bounded steps', async () => {
    await store.insertResults([0, 1, 2].map((i) => latency(schoolId, T0 + i * 60 * MIN_MS, 10 + i)));
    store = await reopen();
    expect(await store.pendingRollupHours()).toBe(3);
    expect(await store.refreshRollups({ limit: 2 })).toBe(2);
    expect(await store.pendingRollupHours()).toBe(1);
    expect(await store.refreshRollups({ limit: 2 })).toBe(1);
    expect(await store.refreshRollups()).toBe(0);
    const rtts = pick(await store.hourlyRollups({ schoolId, since: new Date(0) }), { field: 'rtt_avg_ms' });
    expect(rtts.map((r) => [r.hour, r.p50])).toEqual([
      ['2026-03-10T06:00:00.000Z', 10],
      ['2026-03-10T07:00:00.000Z', 11],
      ['2026-03-10T08:00:00.000Z', 12],
    ]);
  });

  it('deletes raw results only once rolled up, in chunks, and never lets a late result shrink an old hour', async () => {
    const old = Array.from({ length: 5 }, (_, i) => latency(schoolId, T0 + i * MIN_MS, 10 + i));
    const recent = latency(schoolId, T0 + 10 * DAY_MS, 50);
    await store.insertResults([...old, recent]);
    const cutoff = new Date(T0 + DAY_MS);

    // The old hour is still dirty: nothing is deleted before it is rolled up.
    expect(await store.deleteResultsBefore(cutoff, 2)).toEqual({ deleted: 0, more: false });
    expect(await store.countResults()).toBe(6);

    await store.refreshRollups({ before: cutoff });
    expect(await store.deleteResultsBefore(cutoff, 2)).toEqual({ deleted: 2, more: true });
    expect(await store.deleteResultsBefore(cutoff, 2)).toEqual({ deleted: 2, more: true });
    expect(await store.deleteResultsBefore(cutoff, 2)).toEqual({ deleted: 1, more: false });
    expect(await store.countResults()).toBe(1);

    // A result for the purged hour arrives late: the hour keeps its statistics over all five.
    await store.insertResults([latency(schoolId, T0 + 30 * MIN_MS, 99)]);
    const rollups = await store.hourlyRollups({ schoolId, since: new Date(T0) });
    expect(pick(rollups, { hour: hourOf(new Date(T0)), field: 'rtt_avg_ms' })[0]).toMatchObject({
      count: 5,
      min: 10,
      max: 14,
    });
    expect(await store.pendingRollupHours()).toBe(0);
    // The late raw row goes with the next retention run.
    expect((await store.deleteResultsBefore(cutoff, 100)).deleted).toBe(1);
    expect(await store.countResults()).toBe(1);
  });

  it('deletes rollups of hours before the rollup cutoff in chunks', async () => {
    await store.insertResults([0, 1, 2].map((i) => latency(schoolId, T0 + i * 60 * MIN_MS, 10)));
    await store.refreshRollups();
    const perHour = (await store.hourlyRollups({ schoolId, since: new Date(T0) })).length / 3;
    const cutoff = new Date(T0 + 2 * 60 * MIN_MS);
    const first = await store.deleteRollupsBefore(cutoff, perHour);
    expect(first).toEqual({ deleted: perHour, more: true });
    expect(await store.deleteRollupsBefore(cutoff, 100)).toEqual({ deleted: perHour, more: false });
    const left = await store.hourlyRollups({ schoolId, since: new Date(0) });
    expect(new Set(left.map((r) => r.hour))).toEqual(new Set(['2026-03-10T08:00:00.000Z']));
  });

  it('keeps an hour dirty when results arrive while it is being recomputed', async () => {
    // On PostgreSQL the two calls run on separate pooled connections, as
    // ingest and the background job do; SQLite runs them one after the other.
    let n = 0;
    for (let round = 0; round < RACE_ROUNDS; round += 1) {
      const batch = Array.from({ length: 4 }, () => {
        n += 1;
        return latency(schoolId, T0 + n * 1_000, n);
      });
      await Promise.all([store.insertResults(batch), store.refreshRollups()]);
    }
    // Whatever interleaving happened, the last result of every round is in
    // the rollup once the hour is refreshed: no mark was cleared unseen.
    await store.refreshRollups();
    expect(await store.pendingRollupHours()).toBe(0);
    const rollups = await backend.query<{ count: unknown; max: unknown }>(
      "select count, max from rollups_hourly where field = 'rtt_avg_ms'",
    );
    expect(rollups.map((r) => [Number(r.count), Number(r.max)])).toEqual([[n, n]]);
  });

  it('lets several collectors recompute the same hours at once', async () => {
    await store.insertResults(
      Array.from({ length: MARKED_HOURS }, (_, i) => latency(schoolId, T0 + i * HOUR_MS, i)),
    );
    // Collectors sharing one database, or a read beside the background job.
    const outcomes = await Promise.allSettled([
      store.refreshRollups(),
      store.refreshRollups(),
      store.refreshRollups({ limit: MARKED_HOURS / 2 }),
      store.hourlyRollups({ schoolId, since: new Date(T0) }),
    ]);
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    expect(await store.pendingRollupHours()).toBe(0);
    const rtts = pick(await store.hourlyRollups({ schoolId, since: new Date(0) }), { field: 'rtt_avg_ms' });
    expect(rtts.map((r) => [r.count, r.p50])).toEqual(Array.from({ length: MARKED_HOURS }, (_, i) => [1, i]));
  });

  it('stores batches marking the same hours in opposite order at once, without deadlock', async () => {
    // Ids run forward in both batches (the store writes in id order), but
    // the hours run forward in one and backward in the other, so the dirty
    // marks come in opposite order unless the store orders them too.
    const base = T0 + 100 * DAY_MS;
    const batch = (reverse: boolean, offsetMs: number): Result[] =>
      Array.from({ length: CROSSED_HOURS }, (_, i) =>
        latency(schoolId, T0 + (reverse ? CROSSED_HOURS - 1 - i : i) * HOUR_MS + offsetMs, 1, {
          id: uuidv7(base + offsetMs * CROSSED_HOURS + i),
        }),
      );
    for (let round = 0; round < CROSSED_ROUNDS; round += 1) {
      const outcomes = await Promise.allSettled([
        store.insertResults(batch(false, 2 * round * 1_000)),
        store.insertResults(batch(true, (2 * round + 1) * 1_000)),
      ]);
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    }
    expect(await store.countResults()).toBe(2 * CROSSED_ROUNDS * CROSSED_HOURS);
    expect(await store.pendingRollupHours()).toBe(CROSSED_HOURS);
  });
});
