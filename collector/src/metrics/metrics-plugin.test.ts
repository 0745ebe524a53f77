import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type CollectorMessage,
} from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { parsePrometheusText } from '../testing/prometheus-text.js';
import { METRICS_PATH } from './metrics-plugin.js';

describe('/metrics', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let base: string;
  let agentId: string;
  let schoolId: string;
  let secret: string;
  const now = new Date('2026-03-02T10:00:00.000Z');
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    const school = await store.createSchool({ name: 'Vik skule', municipality: 'Vik', pupils: 100 });
    schoolId = school.id;
    const enrolled = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, 3_600_000)).code,
      { hostname: 'srv1', agent_version: '0.1.0' },
    );
    agentId = enrolled.agent_id;
    secret = enrolled.secret;
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => now } });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await app.close();
    await cleanup();
  });

  /** An authenticated agent connection that yields the collector's messages in order. */
  /** A result measured a minute before the collector's clock (a later one would be refused as future). */
  const measured = (): ReturnType<typeof makeResult> =>
    makeResult(agentId, schoolId, { at: new Date(now.getTime() - 60_000).toISOString() });

  async function agent(): Promise<{ send(v: unknown): void; next(): Promise<CollectorMessage> }> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
    sockets.push(ws);
    const inbox: CollectorMessage[] = [];
    const waiting: ((m: CollectorMessage) => void)[] = [];
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as CollectorMessage;
      const w = waiting.shift();
      if (w) w(m);
      else inbox.push(m);
    });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const next = (): Promise<CollectorMessage> =>
      inbox.length > 0 ? Promise.resolve(inbox.shift()!) : new Promise((r) => waiting.push(r));
    const send = (v: unknown): void => ws.send(typeof v === 'string' ? v : JSON.stringify(v));
    send({ type: 'hello', protocol: PROTOCOL_VERSION, agent_id: agentId, secret, agent_version: '0.1.1' });
    expect((await next()).type).toBe('welcome');
    return { send, next };
  }

  async function scrape(): Promise<ReturnType<typeof parsePrometheusText>> {
    const res = await fetch(`${base}${METRICS_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(await res.text());
  }

  it('counts ingest, connected agents and their outbox lag, with no per-agent labels', async () => {
    const empty = await scrape();
    expect(empty.value('skolnet_ingest_results_total')).toBe(0);
    expect(empty.value('skolnet_agents_connected')).toBe(0);

    const a = await agent();
    const good = [measured(), measured()];
    const bad = { ...measured(), fields: { 'Bad Name': 1 } };
    a.send({
      type: 'batch',
      batch_id: 'b1',
      results: [...good, bad],
      outbox: { depth: 7, oldest_at: '2026-03-02T09:58:00.000Z' },
    });
    expect((await a.next()).type).toBe('ack');
    // The same results again: duplicates, stored once.
    a.send({ type: 'batch', batch_id: 'b2', results: good, outbox: { depth: 2 } });
    expect((await a.next()).type).toBe('ack');
    a.send('not json');
    expect((await a.next()).type).toBe('error');

    const m = await scrape();
    expect(m.types.get('skolnet_ingest_batch_store_seconds')).toBe('histogram');
    expect(m.value('skolnet_ingest_results_total')).toBe(2);
    expect(m.value('skolnet_ingest_duplicate_results_total')).toBe(2);
    expect(m.value('skolnet_ingest_batches_total')).toBe(2);
    expect(m.value('skolnet_ingest_rejected_results_total', { code: ErrorCodes.INGEST_RESULT_INVALID })).toBe(
      1,
    );
    expect(m.value('skolnet_ingest_malformed_messages_total')).toBe(1);
    expect(m.value('skolnet_ingest_store_errors_total')).toBe(0);
    expect(m.value('skolnet_ingest_batch_store_seconds_count')).toBe(2);
    expect(m.value('skolnet_ingest_batch_store_seconds_bucket', { le: '+Inf' })).toBe(2);
    expect(m.value('skolnet_agents_connected')).toBe(1);
    // The latest report counts: depth 2, and no oldest_at any more.
    expect(m.value('skolnet_agent_outbox_results')).toBe(2);
    expect(m.value('skolnet_agent_outbox_reporting_agents')).toBe(1);
    expect(m.value('skolnet_agent_outbox_oldest_age_seconds')).toBe(0);
    // No export configured: its counters are there, at zero.
    expect(m.value('skolnet_export_points_written_total')).toBe(0);
    expect(m.value('skolnet_export_points_buffered')).toBe(0);

    const labelValues = m.samples.flatMap((s) => Object.values(s.labels));
    for (const personal of [agentId, schoolId, 'Vik skule', 'Vik', secret]) {
      expect(labelValues).not.toContain(personal);
    }
  });

  it('reports the age of the oldest waiting result', async () => {
    const a = await agent();
    a.send({
      type: 'batch',
      batch_id: 'b1',
      results: [measured()],
      outbox: { depth: 40, oldest_at: '2026-03-02T09:58:00.000Z' },
    });
    expect((await a.next()).type).toBe('ack');
    const m = await scrape();
    expect(m.value('skolnet_agent_outbox_results')).toBe(40);
    expect(m.value('skolnet_agent_outbox_oldest_age_seconds')).toBe(120);
  });

  it('counts a batch the store failed to commit, and does not ack it', async () => {
    const a = await agent();
    store.insertResults = () => Promise.reject(new Error('disk full'));
    a.send({ type: 'batch', batch_id: 'b1', results: [measured()] });
    const reply = await a.next();
    expect(reply).toMatchObject({ type: 'error', code: ErrorCodes.STORE_FAILED, batch_id: 'b1' });
    const m = await scrape();
    expect(m.value('skolnet_ingest_store_errors_total')).toBe(1);
    expect(m.value('skolnet_ingest_batches_total')).toBe(0);
  });
});
