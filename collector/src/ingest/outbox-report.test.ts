import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { AGENT_STREAM_PATH, PROTOCOL_VERSION } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { connectStream } from '../testing/stream-test-client.js';
import { MAX_REPORTED_OUTBOX_DEPTH, checkOutboxReport } from './outbox-report.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const LIMITS = { maxSkewMs: 5 * 60_000, earliest: new Date('2020-01-01T00:00:00.000Z') };

describe('checkOutboxReport', () => {
  it('takes a real backlog and refuses a depth or a date no outbox can have', () => {
    expect(checkOutboxReport({ depth: 0 }, NOW, LIMITS)).toEqual({ ok: true, depth: 0, oldest: undefined });
    const week = new Date(NOW.getTime() - 7 * 24 * HOUR_MS);
    expect(checkOutboxReport({ depth: 500_000, oldest_at: week.toISOString() }, NOW, LIMITS)).toEqual({
      ok: true,
      depth: 500_000,
      oldest: week,
    });
    expect(checkOutboxReport({ depth: MAX_REPORTED_OUTBOX_DEPTH + 1 }, NOW, LIMITS)).toEqual({
      ok: false,
      reason: 'depth_out_of_range',
    });
    expect(checkOutboxReport({ depth: 2 ** 53 }, NOW, LIMITS)).toMatchObject({
      reason: 'depth_out_of_range',
    });
    expect(checkOutboxReport({ depth: 1, oldest_at: '1970-01-01T00:00:00.000Z' }, NOW, LIMITS)).toMatchObject(
      {
        reason: 'oldest_before_earliest',
      },
    );
    expect(checkOutboxReport({ depth: 1, oldest_at: '2100-01-01T00:00:00.000Z' }, NOW, LIMITS)).toMatchObject(
      {
        reason: 'oldest_in_future',
      },
    );
  });
});

/** Issue 20 item 10: one agent set the fleet-wide outbox gauges to 2^53 results and 1970. */
describe('outbox reports through the agent stream', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  const clients: WebSocket[] = [];
  const logLines: string[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    app = buildApp({
      store,
      logger: { level: 'warn', stream: { write: (line: string) => void logLines.push(line) } },
      dashboardAssets: false,
      config: { now: () => NOW },
    });
    await app.ready();
  });
  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await app.close();
    await cleanup();
    logLines.length = 0;
  });

  /** An enrolled agent's stream, welcomed; `send` sends a batch with this outbox report and waits for its ack. */
  async function agentStream(base: string, name: string) {
    const school = await store.createSchool({ name, municipality: 'Vik', pupils: 10 }, NOW);
    const agent = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, HOUR_MS, NOW)).code,
      { hostname: name, agent_version: '0.1.0' },
      NOW,
    );
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
    let n = 0;
    return {
      agentId: agent.agent_id,
      async send(outbox: Record<string, unknown>): Promise<void> {
        n += 1;
        const at = new Date(NOW.getTime() - HOUR_MS).toISOString();
        const result = makeResult(agent.agent_id, school.id, { at });
        client.send({ type: 'batch', batch_id: `${name}-${n}`, results: [result], outbox });
        expect(await client.next()).toMatchObject({ type: 'ack' });
      },
    };
  }

  it('keeps an impossible report out of the gauges, counts it and names the agent once', async () => {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const honest = await agentStream(base, 'honest');
    const liar = await agentStream(base, 'liar');
    await honest.send({ depth: 40, oldest_at: new Date(NOW.getTime() - 2 * HOUR_MS).toISOString() });
    await liar.send({ depth: 2 ** 53 - 1, oldest_at: new Date(NOW.getTime() - HOUR_MS).toISOString() });
    await liar.send({ depth: 3, oldest_at: '1970-01-01T00:00:00.000Z' });

    const metrics = (await app.inject('/metrics')).body;
    // Only the honest agent's backlog, and its age: two hours.
    expect(metrics).toMatch(/^skolnet_agent_outbox_results 40$/m);
    expect(metrics).toMatch(/^skolnet_agent_outbox_oldest_age_seconds 7200$/m);
    expect(metrics).toMatch(/^skolnet_agent_outbox_reports_refused_total\{reason="depth_out_of_range"\} 1$/m);
    expect(metrics).toMatch(
      /^skolnet_agent_outbox_reports_refused_total\{reason="oldest_before_earliest"\} 1$/m,
    );
    const warnings = logLines.filter((l) => l.includes('impossible outbox'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ agent_id: liar.agentId, reason: 'depth_out_of_range' });
  });
});
