import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_VERSION,
  type Ack,
  type SchoolSummary,
} from '@skolnet/shared';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import type { AgentListing } from '../routes/agents-plugin.js';
import type { SchoolDetail } from '../routes/schools-plugin.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { connectStream } from '../testing/stream-test-client.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS, checkResultTime } from './result-clock.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const SKEW_MS = 5 * MINUTE_MS;
const EARLIEST = new Date('2020-01-01T00:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

describe('checkResultTime', () => {
  const limits = { maxSkewMs: SKEW_MS, earliest: EARLIEST };
  it('accepts the past and a lead within the skew, and refuses beyond either limit', () => {
    expect(checkResultTime(iso(NOW.getTime() - 30 * 24 * HOUR_MS), NOW, limits)).toBeUndefined();
    expect(checkResultTime(iso(NOW.getTime() + SKEW_MS), NOW, limits)).toBeUndefined();
    expect(checkResultTime(iso(NOW.getTime() + SKEW_MS + 1), NOW, limits)).toMatchObject({
      reason: 'future',
      offset_ms: SKEW_MS + 1,
    });
    expect(checkResultTime('1970-01-01T00:00:00.000Z', NOW, limits)?.reason).toBe('before_earliest');
    expect(checkResultTime(EARLIEST.toISOString(), NOW, limits)).toBeUndefined();
  });
  it('defaults to five minutes of skew', () => {
    expect(DEFAULT_MAX_CLOCK_SKEW_MS).toBe(SKEW_MS);
  });
});

describe('results dated in the future', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let token: string;
  let schoolId: string;
  let agent: { agent_id: string; secret: string };
  const clients: WebSocket[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 }, NOW);
    schoolId = school.id;
    agent = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, HOUR_MS, NOW)).code,
      { hostname: 'srv1', agent_version: '0.1.0' },
      NOW,
    );
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
    await app.ready();
  });
  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await app.close();
    await cleanup();
  });

  /** A throughput and a latency result that on their own give this school a score. */
  const scoringResults = (at: string): ReturnType<typeof makeResult>[] => [
    makeResult(agent.agent_id, schoolId, {
      measurement: 'throughput',
      fields: { download_mbps: 900 },
      tags: {},
      at,
    }),
    makeResult(agent.agent_id, schoolId, { fields: { rtt_avg_ms: 5, loss_pct: 0 }, at }),
  ];

  it('rejects them at ingest, counts them, tells the agent why, and flags its clock', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = await connectStream(`${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`);
    clients.push(client.ws);
    client.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent_id: agent.agent_id,
      secret: agent.secret,
      agent_version: '0.1.0',
    });
    expect(await client.next()).toMatchObject({ type: 'welcome' });

    const now = makeResult(agent.agent_id, schoolId, { at: NOW.toISOString() });
    const withinSkew = makeResult(agent.agent_id, schoolId, { at: iso(NOW.getTime() + 4 * MINUTE_MS) });
    const tenMinutesAhead = makeResult(agent.agent_id, schoolId, { at: iso(NOW.getTime() + 10 * MINUTE_MS) });
    const year2100 = makeResult(agent.agent_id, schoolId, { at: '2100-01-01T00:00:00.000Z' });
    const epoch = makeResult(agent.agent_id, schoolId, { at: '1970-01-01T00:00:00.000Z' });
    client.send({
      type: 'batch',
      batch_id: 'b1',
      results: [now, withinSkew, tenMinutesAhead, year2100, epoch],
    });
    const ack = (await client.next()) as Ack;
    expect(ack.accepted.sort()).toEqual([now.id, withinSkew.id].sort());
    expect(ack.rejected.map((r) => [r.id, r.code])).toEqual([
      [tenMinutesAhead.id, ErrorCodes.INGEST_RESULT_INVALID],
      [year2100.id, ErrorCodes.INGEST_RESULT_INVALID],
      [epoch.id, ErrorCodes.INGEST_RESULT_INVALID],
    ]);
    expect(ack.rejected[0]!.message).toMatch(/^\/results\/2\/at: .*ahead of the collector's clock/);
    expect(ack.rejected[2]!.message).toMatch(/^\/results\/4\/at: .*before 2020-01-01/);
    expect(await store.countResults({ agentId: agent.agent_id })).toBe(2);

    const metrics = (await app.inject('/metrics')).body;
    expect(metrics).toMatch(/^skolnet_ingest_clock_rejected_results_total\{reason="future"\} 2$/m);
    expect(metrics).toMatch(/^skolnet_ingest_clock_rejected_results_total\{reason="before_earliest"\} 1$/m);
    expect(metrics).toMatch(/^skolnet_agents_clock_wrong 1$/m);

    const listing = await app.inject({
      url: `/api/v1/schools/${schoolId}/agents`,
      headers: { authorization: `Bearer ${token}` },
    });
    const [listed] = listing.json<{ agents: AgentListing[] }>().agents;
    // The last misdated result of the batch was the 1970 one.
    expect(listed!.clock).toMatchObject({ reason: 'before_earliest', seen_at: NOW.toISOString() });
  });

  it('keeps results already stored with a future date out of the latest results and the score', async () => {
    // Stored the way an earlier collector did, without the ingest check.
    await app.store.insertResults(scoringResults('2100-01-01T00:00:00.000Z'), NOW);
    await app.store.insertResults([
      makeResult(agent.agent_id, schoolId, {
        fields: { rtt_avg_ms: 30, loss_pct: 0 },
        at: iso(NOW.getTime() - HOUR_MS),
      }),
    ]);
    const detail = (
      await app.inject({ url: `/api/v1/schools/${schoolId}`, headers: { authorization: `Bearer ${token}` } })
    ).json<SchoolDetail>();
    expect(detail.latest.map((r) => r.at)).toEqual([iso(NOW.getTime() - HOUR_MS)]);
    expect(detail).toMatchObject({ score: null, band: 'insufficient_data' });
    const list = (await app.inject('/api/v1/schools')).json<SchoolSummary[]>();
    expect(list[0]).toMatchObject({ score: null, band: 'insufficient_data' });

    // The same results measured an hour ago do score: the bound is what keeps them out.
    // Through the app's store, as ingest writes: the school read model hears of it.
    await app.store.insertResults(scoringResults(iso(NOW.getTime() - HOUR_MS)), NOW);
    const scored = (
      await app.inject({ url: `/api/v1/schools/${schoolId}`, headers: { authorization: `Bearer ${token}` } })
    ).json<SchoolDetail>();
    expect(scored.score).not.toBeNull();
  });
});
