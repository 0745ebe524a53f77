import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError, openSqlite, uuidv7 } from '@skolnet/shared';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { sha256Hex } from '../security/secrets.js';
import { createSqliteStore, type KyselyStore } from './kysely-store.js';

const HOUR_MS = 3_600_000;

describe('KyselyStore on SQLite', () => {
  let store: KyselyStore;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, dir, cleanup } = await createTempStore());
  });
  afterEach(async () => {
    await cleanup();
  });

  async function enrolledAgent(): Promise<{ agentId: string; schoolId: string; secret: string }> {
    const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 120 });
    const { code } = await store.createEnrollmentCode(school.id, 72 * HOUR_MS);
    const enrolled = await store.redeemEnrollmentCode(code, { hostname: 'srv1', agent_version: '0.1.0' });
    return { agentId: enrolled.agent_id, schoolId: school.id, secret: enrolled.secret };
  }

  it('creates, lists and gets schools', async () => {
    const b = await store.createSchool({ name: 'B skole', municipality: 'Bø', pupils: 10 });
    const a = await store.createSchool({ name: 'A skole', municipality: 'Ål', pupils: 20 });
    expect((await store.listSchools()).map((s) => s.name)).toEqual(['A skole', 'B skole']);
    expect(await store.getSchool(b.id)).toEqual(b);
    expect(a.pupils).toBe(20);
    expect(await store.getSchool('nope')).toBeUndefined();
  });

  it('issues human-typable codes and stores only their hash', async () => {
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const now = new Date('2026-01-05T08:00:00.000Z');
    const issued = await store.createEnrollmentCode(school.id, 2 * HOUR_MS, now);
    expect(issued.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(issued.expires_at).toBe('2026-01-05T10:00:00.000Z');
    await store.close();

    // Look at the file directly: the plain code must not be in it.
    const raw = openSqlite(join(dir, 'test.db'), { readonly: true });
    const rows = raw.prepare('select code_hash from enrollment_codes').all() as { code_hash: string }[];
    raw.close();
    expect(rows).toEqual([{ code_hash: sha256Hex(issued.code.replace('-', '')) }]);
  });

  it('refuses a code for an unknown school', async () => {
    await expect(store.createEnrollmentCode('missing', HOUR_MS)).rejects.toMatchObject({
      code: ErrorCodes.API_NOT_FOUND,
    });
  });

  it('redeems a code once, creating an agent whose secret is stored hashed', async () => {
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

  it('lets only one of two concurrent redemptions win', async () => {
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const { code } = await store.createEnrollmentCode(school.id, HOUR_MS);
    const outcomes = await Promise.allSettled([
      store.redeemEnrollmentCode(code, { hostname: 'a', agent_version: '1' }),
      store.redeemEnrollmentCode(code, { hostname: 'b', agent_version: '1' }),
    ]);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const failed = outcomes.find((o) => o.status === 'rejected');
    expect(isSkolnetError(failed?.reason, ErrorCodes.ENROLL_CODE_INVALID)).toBe(true);
  });

  it('refuses an expired code and an unknown one', async () => {
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    const issuedAt = new Date('2026-01-05T08:00:00.000Z');
    const { code } = await store.createEnrollmentCode(school.id, HOUR_MS, issuedAt);
    const atExpiry = new Date(issuedAt.getTime() + HOUR_MS);
    await expect(
      store.redeemEnrollmentCode(code, { hostname: 'h', agent_version: '1' }, atExpiry),
    ).rejects.toMatchObject({
      code: ErrorCodes.ENROLL_CODE_INVALID,
    });
    await expect(
      store.redeemEnrollmentCode('AAAAA-AAAAA', { hostname: 'h', agent_version: '1' }),
    ).rejects.toMatchObject({
      code: ErrorCodes.ENROLL_CODE_INVALID,
    });
    // Just before expiry it still works.
    const justBefore = new Date(atExpiry.getTime() - 1);
    await expect(
      store.redeemEnrollmentCode(code, { hostname: 'h', agent_version: '1' }, justBefore),
    ).resolves.toMatchObject({
      school_id: school.id,
    });
  });

  it('inserts results idempotently on id', async () => {
    const { agentId, schoolId } = await enrolledAgent();
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
    expect(await store.countResults({ schoolId })).toBe(4);
    const stored = await store.latestResults(schoolId, { limit: 10 });
    expect(stored.find((r) => r.id === first.id)?.fields).toEqual(first.fields);
  });

  it('stores results of a school without an enrolled agent (seeded or imported data)', async () => {
    const school = await store.createSchool({ name: 'S', municipality: 'M', pupils: 1 });
    expect(await store.insertResults([makeResult('imported', school.id)])).toEqual({
      inserted: 1,
      duplicates: 0,
    });
  });

  it('counts an id repeated within one call as a duplicate', async () => {
    const { agentId, schoolId } = await enrolledAgent();
    const r = makeResult(agentId, schoolId);
    expect(await store.insertResults([r, r])).toEqual({ inserted: 1, duplicates: 1 });
  });

  it('stores a large batch across several statements in one call', async () => {
    const { agentId, schoolId } = await enrolledAgent();
    const batch = Array.from({ length: 250 }, () => makeResult(agentId, schoolId));
    expect(await store.insertResults(batch)).toEqual({ inserted: 250, duplicates: 0 });
    expect(await store.countResults({ agentId })).toBe(250);
  });

  it('binds every column to its value when statements are reused across calls of different sizes', async () => {
    const { agentId, schoolId } = await enrolledAgent();
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

  it('stores nothing of a batch when one row violates a constraint', async () => {
    const { agentId, schoolId } = await enrolledAgent();
    // An unknown school breaks the foreign key: the whole transaction rolls back.
    const batch = [makeResult(agentId, schoolId), makeResult(agentId, 'ghost-school')];
    await expect(store.insertResults(batch)).rejects.toThrow();
    expect(await store.countResults()).toBe(0);
  });

  it('normalises timestamps to UTC and filters results for scoring by time and kind', async () => {
    const { agentId, schoolId } = await enrolledAgent();
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
    expect(await store.resultsForScoring(schoolId, new Date(0))).toHaveLength(3);
  });

  it('returns the newest result per measurement and target', async () => {
    const { agentId, schoolId } = await enrolledAgent();
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
    expect(await store.latestResults(schoolId, { limit: 10 })).toHaveLength(4);
  });

  it('records agent activity', async () => {
    const { agentId } = await enrolledAgent();
    expect((await store.findAgent(agentId))?.last_seen_at).toBeNull();
    await store.touchAgent(agentId, new Date('2026-04-01T12:00:00Z'), '0.2.0');
    const agent = await store.findAgent(agentId);
    expect(agent?.last_seen_at).toBe('2026-04-01T12:00:00.000Z');
    expect(agent?.agent_version).toBe('0.2.0');
  });

  it('gets and overwrites meta values', async () => {
    expect(await store.getMeta('k')).toBeUndefined();
    await store.setMeta('k', 'one');
    await store.setMeta('k', 'two');
    expect(await store.getMeta('k')).toBe('two');
  });

  it('keeps data across reopening and does not re-run migrations', async () => {
    const { agentId, schoolId } = await enrolledAgent();
    await store.insertResults([makeResult(agentId, schoolId, { id: uuidv7() })]);
    await store.close();
    store = await createSqliteStore(join(dir, 'test.db'));
    expect(await store.countResults()).toBe(1);
    expect(await store.listSchools()).toHaveLength(1);
    await store.close();
  });
});
