import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AGENT_STREAM_PATH, ErrorCodes, PROTOCOL_VERSION, type Ack, type Result } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { connectStream, type StreamTestClient } from '../testing/stream-test-client.js';

/**
 * Results an agent sends that are well-formed JSON but not a measurement:
 * each is rejected alone, with the path of the bad field, and nothing of
 * it is stored (issue item 12).
 */
describe('stream ingest refuses loose results', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let client: StreamTestClient;
  let agentId: string;
  let schoolId: string;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 });
    schoolId = school.id;
    const enrolled = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, 3_600_000)).code,
      { hostname: 'srv1', agent_version: '0.1.0' },
    );
    agentId = enrolled.agent_id;
    app = buildApp({ store, logger: false, dashboardAssets: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    client = await connectStream(`${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`);
    client.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent_id: agentId,
      secret: enrolled.secret,
      agent_version: '0.1.0',
    });
    expect((await client.next()).type).toBe('welcome');
  });
  afterEach(async () => {
    client.ws.terminate();
    await app.close();
    await cleanup();
  });

  it.each<[string, Partial<Result>, string]>([
    ['a negative round trip', { fields: { rtt_avg_ms: -4.2, result: 'success' } }, '/fields/rtt_avg_ms'],
    ['a negative loss', { fields: { loss_pct: -1 } }, '/fields/loss_pct'],
    [
      'a negative rate',
      { measurement: 'throughput', fields: { download_mbps: -93 } },
      '/fields/download_mbps',
    ],
    ['a day that does not exist (30 February)', { at: '2026-02-30T10:00:00.000Z' }, '/at'],
    ['29 February of a common year', { at: '2026-02-29T10:00:00Z' }, '/at'],
    ['31 April', { at: '2026-04-31T10:00:00Z' }, '/at'],
  ])('rejects %s with its path and stores nothing', async (_what, over, path) => {
    const bad = makeResult(agentId, schoolId, over);
    const good = makeResult(agentId, schoolId);
    client.send({ type: 'batch', batch_id: 'b-1', results: [good, bad] });
    const ack = (await client.next()) as Ack;
    expect(ack.accepted).toEqual([good.id]);
    expect(ack.rejected).toHaveLength(1);
    expect(ack.rejected[0]).toMatchObject({ id: bad.id, code: ErrorCodes.INGEST_RESULT_INVALID });
    expect(ack.rejected[0]!.message).toContain(`/results/1${path}`);
    expect((await store.latestResults(schoolId, { limit: 10 })).map((r) => r.id)).toEqual([good.id]);
  });

  it('keeps signed units and real leap days', async () => {
    const wifi = makeResult(agentId, schoolId, {
      measurement: 'wifi',
      fields: { rssi_dbm: -61, snr_db: -2, signal_pct: 0 },
      at: '2024-02-29T10:00:00.000Z',
    });
    client.send({ type: 'batch', batch_id: 'b-2', results: [wifi] });
    const ack = (await client.next()) as Ack;
    expect(ack).toMatchObject({ accepted: [wifi.id], rejected: [] });
  });
});
