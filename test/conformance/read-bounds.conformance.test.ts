import { beforeEach, expect, it } from 'vitest';
import { uuidv7, type Result } from '@skolnet/shared';
import type { KyselyStore } from '../../collector/src/storage/kysely-store.js';
import { makeResult } from '../../collector/src/testing/fixtures.js';
import { describeStores } from './stores.js';

const AGENT = 'agent-1';
const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function latency(schoolId: string, atMs: number, rtt: number): Result {
  return makeResult(AGENT, schoolId, {
    id: uuidv7(atMs),
    at: new Date(atMs).toISOString(),
    fields: { result: 'success', rtt_avg_ms: rtt, loss_pct: 0 },
    tags: { target: 'collector' },
  });
}

// Reads of results and rollups end at a time bound, so a result dated in
// the future never counts as the latest or enters a rollup read.
describeStores('upper time bound of reads', (getStore) => {
  let store: KyselyStore;
  let schoolId: string;

  beforeEach(async () => {
    store = getStore();
    schoolId = (await store.createSchool({ name: 'Bound school', municipality: 'Rīga', pupils: 10 })).id;
    await store.insertResults([
      latency(schoolId, NOW - HOUR_MS, 10),
      latency(schoolId, NOW + 2 * HOUR_MS, 20),
      latency(schoolId, Date.parse('9999-12-31T00:00:00.000Z'), 30),
    ]);
  });

  it('bounds latest results, scoring reads and rollups by an explicit until', async () => {
    const until = new Date(NOW);
    const since = new Date(NOW - DAY_MS);
    const latest = await store.latestResults(schoolId, { limit: 10, until });
    expect(latest.map((r) => r.fields.rtt_avg_ms)).toEqual([10]);
    const perTarget = await store.latestResults(schoolId, { limit: 10, perMeasurement: true, until });
    expect(perTarget.map((r) => r.fields.rtt_avg_ms)).toEqual([10]);
    const scoring = await store.resultsForScoring(schoolId, since, ['latency'], until);
    expect(scoring.map((r) => r.fields.rtt_avg_ms)).toEqual([10]);
    const rollups = await store.hourlyRollups({ schoolId, since, until });
    expect(new Set(rollups.map((r) => r.hour))).toEqual(new Set([new Date(NOW - HOUR_MS).toISOString()]));
  });

  it('takes the read horizon when a read gives no bound, and none without a horizon', async () => {
    const since = new Date(NOW - DAY_MS);
    expect(await store.latestResults(schoolId, { limit: 10 })).toHaveLength(3);
    store.setReadHorizon(() => new Date(NOW + 5 * 60_000));
    expect((await store.latestResults(schoolId, { limit: 10 })).map((r) => r.fields.rtt_avg_ms)).toEqual([
      10,
    ]);
    expect(await store.resultsForScoring(schoolId, since)).toHaveLength(1);
    expect((await store.hourlyRollups({ schoolId, since })).every((r) => Date.parse(r.hour) < NOW)).toBe(
      true,
    );
    store.setReadHorizon(undefined);
    expect(await store.resultsForScoring(schoolId, since)).toHaveLength(3);
  });
});
