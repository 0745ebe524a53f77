import { expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError, uuidv7 } from '@skolnet/shared';
import { sha256Hex } from '../../collector/src/security/secrets.js';
import type { KyselyStore } from '../../collector/src/storage/kysely-store.js';
import { makeResult } from '../../collector/src/testing/fixtures.js';
import { describeStores } from './stores.js';

const HOUR_MS = 3_600_000;

/** Parallel redemptions of one code; more than one pooled connection on PostgreSQL. */
const PARALLEL_REDEEMS = 8;

async function enrolledAgent(store: KyselyStore): Promise<{ agentId: string; schoolId: string }> {
  const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 120 });
  const { code } = await store.createEnrollmentCode(school.id, 72 * HOUR_MS);
  const enrolled = await store.redeemEnrollmentCode(code, { hostname: 'srv1', agent_version: '0.1.0' });
  return { agentId: enrolled.agent_id, schoolId: school.id };
}

describeStores('Store', (getStore, backend) => {
  it('creates, lists and gets schools', async () => {
    const store = getStore();
    const b = await store.createSchool({ name: 'B skole', municipality: 'Bø', pupils: 10 });
    const a = await store.createSchool({ name: 'A skole', municipality: 'Ål', pupils: 20 });
    expect((await store.listSchools()).map((s) => s.name)).toEqual(['A skole', 'B skole']);
    expect(await store.getSchool(b.id)).toEqual(b);
    expect(await store.getSchool(a.id)).toEqual(a);
    expect(typeof (await store.getSchool(a.id))?.pupils).toBe('number');
    expect(await store.getSchool('nope')).toBeUndefined();
  });

  it('orders names bytewise, whatever the database collation', async () => {
    const store = getStore();
    for (const name of ['b', 'Å', 'B', 'a', 'Z', 'ä']) {
      await store.createSchool({ name, municipality: 'M', pupils: 1 });
    }
    // UTF-8 byte order: upper-case ASCII, lower-case ASCII, then the rest.
    expect((await store.listSchools()).map((s) => s.name)).toEqual(['B', 'Z', 'a', 'b', 'Å', 'ä']);
  });

  it('issues human-typable codes and stores only their hash', async () => {
    const store = getStore();
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const now = new Date('2026-01-05T08:00:00.000Z');
    const issued = await store.createEnrollmentCode(school.id, 2 * HOUR_MS, now);
    expect(issued.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(issued.expires_at).toBe('2026-01-05T10:00:00.000Z');
    // Look past the store: the plain code must not be in the database.
    const rows = await backend.query<{ code_hash: string }>('select code_hash from enrollment_codes');
    expect(rows).toEqual([{ code_hash: sha256Hex(issued.code.replace('-', '')) }]);
  });

  it('refuses a code for an unknown school', async () => {
    await expect(getStore().createEnrollmentCode('missing', HOUR_MS)).rejects.toMatchObject({
      code: ErrorCodes.API_NOT_FOUND,
    });
  });

  it('redeems a code once, creating an agent whose secret is stored hashed', async () => {
    const store = getStore();
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const { code } = await store.createEnrollmentCode(school.id, HOUR_MS);
    // Typed in lower case with a space instead of the hyphen: still the same code.
    const typed = code.toLowerCase().replace('-', ' ');
    const enrolled = await store.redeemEnrollmentCode(typed, { hostname: 'h', agent_version: '1' });
    expect(enrolled.school_id).toBe(school.id);
    expect(enrolled.secret.length).toBeGreaterThanOrEqual(43);
    const agent = await store.findAgent(enrolled.agent_id);
    expect(agent?.secret_hash).toBe(sha256Hex(enrolled.secret));
    expect(agent?.hostname).toBe('h');

    const again = store.redeemEnrollmentCode(code, { hostname: 'h2', agent_version: '1' });
    await expect(again).rejects.toMatchObject({ code: ErrorCodes.ENROLL_CODE_INVALID });
  });

  it('lets exactly one of many concurrent redemptions win', async () => {
    // On PostgreSQL the calls run on separate pooled connections, truly in parallel.
    const store = getStore();
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const { code } = await store.createEnrollmentCode(school.id, HOUR_MS);
    const outcomes = await Promise.allSettled(
      Array.from({ length: PARALLEL_REDEEMS }, (_, i) =>
        store.redeemEnrollmentCode(code, { hostname: `h${i}`, agent_version: '1' }),
      ),
    );
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const lost of outcomes.filter((o) => o.status === 'rejected')) {
      expect(isSkolnetError(lost.reason, ErrorCodes.ENROLL_CODE_INVALID)).toBe(true);
    }
    // The losers' agents rolled back with their claim.
    const agents = await backend.query<{ id: string }>('select id from agents');
    expect(agents.map((a) => a.id)).toEqual([won[0]!.value.agent_id]);
  });

  it('refuses an expired code and an unknown one', async () => {
    const store = getStore();
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const issuedAt = new Date('2026-01-05T08:00:00.000Z');
    const { code } = await store.createEnrollmentCode(school.id, HOUR_MS, issuedAt);
    const atExpiry = new Date(issuedAt.getTime() + HOUR_MS);
    await expect(
      store.redeemEnrollmentCode(code, { hostname: 'h', agent_version: '1' }, atExpiry),
    ).rejects.toMatchObject({ code: ErrorCodes.ENROLL_CODE_INVALID });
    await expect(
      store.redeemEnrollmentCode('AAAAA-AAAAA', { hostname: 'h', agent_version: '1' }),
    ).rejects.toMatchObject({ code: ErrorCodes.ENROLL_CODE_INVALID });
    // Just before expiry it still works.
    const justBefore = new Date(atExpiry.getTime() - 1);
    await expect(
      store.redeemEnrollmentCode(code, { hostname: 'h', agent_version: '1' }, justBefore),
    ).resolves.toMatchObject({ school_id: school.id });
  });

  it('inserts results idempotently on id', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const batch = [
      makeResult(agentId, schoolId),
      makeResult(agentId, schoolId),
      makeResult(agentId, schoolId),
    ];
    expect(await store.insertResults(batch)).toEqual({ inserted: 3, duplicates: 0 });

    // Resending with one changed value and one new result: the stored copy wins, only the new one is added.
    const first = batch[0]!;
    const resent = [
      { ...first, fields: { rtt_avg_ms: 999 } },
      ...batch.slice(1),
      makeResult(agentId, schoolId),
    ];
    expect(await store.insertResults(resent)).toEqual({ inserted: 1, duplicates: 3 });
    const count = await store.countResults({ schoolId });
    expect(count).toBe(4);
    expect(typeof count).toBe('number');
    const stored = await store.latestResults(schoolId, { limit: 10 });
    expect(stored.find((r) => r.id === first.id)?.fields).toEqual(first.fields);
  });

  it('stores overlapping batches sent concurrently once each, without deadlock', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const results = Array.from({ length: 300 }, () => makeResult(agentId, schoolId));
    // Same rows in opposite order on separate pooled connections: the worst case for lock order.
    const outcomes = await Promise.all([
      store.insertResults(results),
      store.insertResults([...results].reverse()),
      store.insertResults(results.slice(100, 200)),
    ]);
    expect(outcomes.reduce((n, o) => n + o.inserted, 0)).toBe(300);
    expect(outcomes.reduce((n, o) => n + o.duplicates, 0)).toBe(400);
    expect(await store.countResults({ agentId })).toBe(300);
  });

  it('stores results of a school without an enrolled agent (seeded or imported data)', async () => {
    const store = getStore();
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    expect(await store.insertResults([makeResult('imported', school.id)])).toEqual({
      inserted: 1,
      duplicates: 0,
    });
  });

  it('counts an id repeated within one call as a duplicate', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const r = makeResult(agentId, schoolId);
    expect(await store.insertResults([r, r])).toEqual({ inserted: 1, duplicates: 1 });
  });

  it('stores a large batch across several statements in one call', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const batch = Array.from({ length: 250 }, () => makeResult(agentId, schoolId));
    expect(await store.insertResults(batch)).toEqual({ inserted: 250, duplicates: 0 });
    expect(await store.countResults({ agentId })).toBe(250);
    expect(await store.countResults({ agentId, measurement: 'dns' })).toBe(0);
    expect(await store.countResults({ schoolId, measurement: 'latency' })).toBe(250);
  });

  it('stores nothing of a batch when one row violates a constraint', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    // An unknown school breaks the foreign key: the whole transaction rolls back.
    const batch = [
      ...Array.from({ length: 150 }, () => makeResult(agentId, schoolId)),
      makeResult(agentId, 'ghost-school'),
    ];
    await expect(store.insertResults(batch)).rejects.toThrow();
    expect(await store.countResults()).toBe(0);
    // The store is still usable after the failed transaction.
    expect(await store.insertResults(batch.slice(0, 1))).toEqual({ inserted: 1, duplicates: 0 });
  });

  it('normalises timestamps to UTC and filters results for scoring by time and kind', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    await store.insertResults([
      makeResult(agentId, schoolId, {
        at: '2026-03-01T10:00:00+02:00',
        measurement: 'throughput',
        fields: { download_mbps: 50 },
      }),
      makeResult(agentId, schoolId, {
        at: '2026-02-20T08:00:00Z',
        measurement: 'throughput',
        fields: { download_mbps: 10 },
      }),
      makeResult(agentId, schoolId, { at: '2026-03-01T09:00:00Z', measurement: 'dns' }),
    ]);
    const rows = await store.resultsForScoring(schoolId, new Date('2026-02-25T00:00:00Z'), [
      'throughput',
      'latency',
    ]);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.at).toBe('2026-03-01T08:00:00.000Z');
    expect(rows[0]!.fields).toEqual({ download_mbps: 50 });
    expect((await store.resultsForScoring(schoolId, new Date(0))).map((r) => r.at)).toEqual([
      '2026-02-20T08:00:00.000Z',
      '2026-03-01T08:00:00.000Z',
      '2026-03-01T09:00:00.000Z',
    ]);
    // `since` is inclusive.
    expect(await store.resultsForScoring(schoolId, new Date('2026-03-01T09:00:00Z'))).toHaveLength(1);
    expect(await store.resultsForScoring(schoolId, new Date(0), [])).toEqual([]);
  });

  it('returns the newest result per measurement and target', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const at = (minute: number): string => new Date(Date.UTC(2026, 0, 1, 10, minute)).toISOString();
    await store.insertResults([
      makeResult(agentId, schoolId, { at: at(1), tags: { target: 'gateway' }, fields: { rtt_avg_ms: 1 } }),
      makeResult(agentId, schoolId, { at: at(2), tags: { target: 'gateway' }, fields: { rtt_avg_ms: 2 } }),
      makeResult(agentId, schoolId, { at: at(3), tags: { target: 'collector' }, fields: { rtt_avg_ms: 30 } }),
      makeResult(agentId, schoolId, {
        at: at(0),
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 80 },
      }),
    ]);
    const latest = await store.latestResults(schoolId, { perMeasurement: true, limit: 10 });
    expect(latest.map((r) => [r.measurement, r.tags['target'], r.at])).toEqual([
      ['latency', 'collector', at(3)],
      ['latency', 'gateway', at(2)],
      ['throughput', undefined, at(0)],
    ]);
    expect(await store.latestResults(schoolId, { perMeasurement: true, limit: 2 })).toHaveLength(2);
    expect((await store.latestResults(schoolId, { limit: 10 })).map((r) => r.at)).toEqual([
      at(3),
      at(2),
      at(1),
      at(0),
    ]);
  });

  it('breaks ties in time by id, newest id first', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const at = '2026-01-01T10:00:00.000Z';
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    await store.insertResults(ids.map((id) => makeResult(agentId, schoolId, { id, at })));
    expect((await store.latestResults(schoolId, { limit: 10 })).map((r) => r.id)).toEqual([...ids].reverse());
  });

  it('records agent activity', async () => {
    const store = getStore();
    const { agentId } = await enrolledAgent(store);
    expect((await store.findAgent(agentId))?.last_seen_at).toBeNull();
    await store.touchAgent(agentId, new Date('2026-04-01T12:00:00Z'), '0.2.0');
    let agent = await store.findAgent(agentId);
    expect(agent?.last_seen_at).toBe('2026-04-01T12:00:00.000Z');
    expect(agent?.agent_version).toBe('0.2.0');
    await store.touchAgent(agentId, new Date('2026-04-02T12:00:00Z'));
    agent = await store.findAgent(agentId);
    expect(agent?.last_seen_at).toBe('2026-04-02T12:00:00.000Z');
    expect(agent?.agent_version).toBe('0.2.0');
    expect(await store.findAgent('nope')).toBeUndefined();
  });

  it('gets and overwrites meta values', async () => {
    const store = getStore();
    expect(await store.getMeta('k')).toBeUndefined();
    await store.setMeta('k', 'one');
    await store.setMeta('k', 'two');
    expect(await store.getMeta('k')).toBe('two');
    // Concurrent writers of one key: one value wins, neither fails.
    const other = await backend.open();
    await Promise.all([store.setMeta('k', 'three'), other.setMeta('k', 'four')]);
    expect(['three', 'four']).toContain(await store.getMeta('k'));
  });

  it('keeps data across reopening and does not re-run migrations', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    await store.insertResults([makeResult(agentId, schoolId)]);
    await store.close();
    // Two stores opening the migrated database at once (two collectors starting).
    const [a, b] = await Promise.all([backend.open(), backend.open()]);
    expect(await a.countResults()).toBe(1);
    expect(await b.listSchools()).toHaveLength(1);
  });

  it('binds every column to its value when statements are reused across calls of different sizes', async () => {
    const store = getStore();
    const { agentId, schoolId } = await enrolledAgent(store);
    const stored = new Map<string, ReturnType<typeof makeResult>>();
    // 100 and 37 rows repeat (the same statements again), 1 and 163 add others.
    for (const [n, i] of [100, 37, 100, 37, 1, 163].map((n, i) => [n, i] as const)) {
      const batch = Array.from({ length: n }, (_, k) =>
        makeResult(agentId, schoolId, {
          measurement: `m${i}`,
          fields: { rtt_avg_ms: i * 1000 + k, result: `r${k}` },
          tags: { target: `t${k}` },
          at: new Date(Date.UTC(2026, 0, 1, 0, i, k % 60)).toISOString(),
        }),
      );
      for (const r of batch) stored.set(r.id, r);
      expect(await store.insertResults(batch)).toEqual({ inserted: n, duplicates: 0 });
      expect(await store.insertResults(batch)).toEqual({ inserted: 0, duplicates: n });
    }
    const rows = await store.resultsForScoring(schoolId, new Date(0));
    expect(rows).toHaveLength(stored.size);
    for (const row of rows) {
      const { received_at, ...result } = row;
      expect(received_at).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(result).toEqual(stored.get(row.id));
    }
  });
});
