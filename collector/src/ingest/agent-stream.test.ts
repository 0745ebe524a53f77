import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  ProtocolLimits,
  uuidv7,
  type Ack,
  type ErrorMessage,
  type Welcome,
} from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { CollectorConfigOverrides } from '../plugins/config-plugin.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import type { Store } from '../storage/store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { connectStream as connect, type StreamTestClient as Client } from '../testing/stream-test-client.js';
import { CloseCodes } from './agent-session.js';

describe('agent stream', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance | undefined;
  let url: string;
  let agentId: string;
  let schoolId: string;
  let secret: string;
  let otherAgentId: string;
  const clients: WebSocket[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 });
    const other = await store.createSchool({ name: 'Bø skole', municipality: 'Bø', pupils: 10 });
    schoolId = school.id;
    const enrolled = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, 3_600_000)).code,
      {
        hostname: 'srv1',
        agent_version: '0.1.0',
      },
    );
    agentId = enrolled.agent_id;
    secret = enrolled.secret;
    otherAgentId = (
      await store.redeemEnrollmentCode((await store.createEnrollmentCode(other.id, 3_600_000)).code, {
        hostname: 'srv2',
        agent_version: '0.1.0',
      })
    ).agent_id;
  });

  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await app?.close();
    app = undefined;
    await cleanup();
  });

  async function start(options: { store?: Store; config?: CollectorConfigOverrides } = {}): Promise<void> {
    app = buildApp({
      store: options.store ?? store,
      logger: false,
      dashboardAssets: false,
      config: options.config ?? {},
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    url = `${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`;
  }

  async function open(protocols?: string | string[]): Promise<Client> {
    const client = await connect(url, protocols);
    clients.push(client.ws);
    return client;
  }

  const hello = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agent_id: agentId,
    secret,
    agent_version: '0.1.1',
    ...over,
  });

  async function authenticated(): Promise<Client> {
    const client = await open();
    client.send(hello());
    const welcome = await client.next();
    expect(welcome.type).toBe('welcome');
    return client;
  }

  describe('handshake', () => {
    it.each([
      ['another subprotocol', 'chat.v2'],
      ['no subprotocol', []],
    ])('refuses %s before upgrading', async (_name, protocols) => {
      await start();
      await expect(open(protocols)).rejects.toThrow('HTTP 400');
    });

    it('answers plain HTTP on the stream path with 426', async () => {
      await start();
      const res = await fetch(url.replace('ws', 'http'));
      expect(res.status).toBe(426);
    });

    it('welcomes an agent with the right secret and records it', async () => {
      await start();
      const client = await open();
      expect(client.ws.protocol).toBe(PROTOCOL_NAME);
      client.send(hello());
      const welcome = (await client.next()) as Welcome;
      expect(welcome).toMatchObject({
        type: 'welcome',
        agent_id: agentId,
        school_id: schoolId,
        max_batch_results: ProtocolLimits.maxBatchResults,
        max_message_bytes: ProtocolLimits.maxMessageBytes,
      });
      expect(app!.connectedAgents.list().map((c) => c.agent_id)).toEqual([agentId]);
      const agent = await store.findAgent(agentId);
      expect(agent?.last_seen_at).not.toBeNull();
      expect(agent?.agent_version).toBe('0.1.1');
    });

    it.each([
      ['a wrong secret', () => hello({ secret: 'w'.repeat(43) })],
      ['an unknown agent', () => hello({ agent_id: 'no-such-agent' })],
      ['a batch before hello', () => ({ type: 'batch', batch_id: 'b1', results: [] })],
      ['garbage before hello', () => 'not json'],
    ])('refuses %s with AUTH_UNAUTHORIZED and close 4401', async (_name, first) => {
      await start();
      const client = await open();
      client.send(first());
      const error = (await client.next()) as ErrorMessage;
      expect(error).toMatchObject({ type: 'error', code: ErrorCodes.AUTH_UNAUTHORIZED });
      expect((await client.closed).code).toBe(CloseCodes.unauthorized);
      expect(app!.connectedAgents.list()).toEqual([]);
    });

    it('refuses another protocol version with close 4400', async () => {
      await start();
      const client = await open();
      client.send(hello({ protocol: PROTOCOL_VERSION + 1 }));
      expect(await client.next()).toMatchObject({ code: ErrorCodes.PROTOCOL_VERSION });
      expect((await client.closed).code).toBe(CloseCodes.badVersion);
    });

    it('closes a connection that never says hello', async () => {
      await start({ config: { ingest: { helloTimeoutMs: 50 } } });
      const client = await open();
      expect(await client.next()).toMatchObject({ type: 'error', code: ErrorCodes.PROTOCOL_UNEXPECTED });
      expect((await client.closed).code).toBe(CloseCodes.helloTimeout);
    });

    it('forgets the connection when it closes', async () => {
      await start();
      const client = await authenticated();
      client.ws.close();
      await client.closed;
      // The server sees the close shortly after the client; wait for it without a fixed sleep.
      for (let i = 0; i < 100 && app!.connectedAgents.list().length > 0; i += 1)
        await new Promise((r) => setTimeout(r, 10));
      expect(app!.connectedAgents.list()).toEqual([]);
    });
  });

  describe('batches', () => {
    it('stores exactly the good results of a mixed batch and acks after storing', async () => {
      await start();
      const client = await authenticated();
      const good1 = makeResult(agentId, schoolId);
      const good2 = makeResult(agentId, schoolId, {
        measurement: 'throughput',
        fields: { download_mbps: 93.4 },
        tags: {},
      });
      const invalid = { ...makeResult(agentId, schoolId), fields: { rttAvg: 3 } };
      const foreignAgent = makeResult(otherAgentId, schoolId);
      const foreignSchool = makeResult(agentId, 'another-school');
      const batch = {
        type: 'batch',
        batch_id: 'b-1',
        results: [good1, invalid, foreignAgent, good2, foreignSchool, 42],
      };
      client.send(batch);

      const ack = (await client.next()) as Ack;
      expect(ack.type).toBe('ack');
      expect(ack.batch_id).toBe('b-1');
      expect(ack.accepted).toEqual([good1.id, good2.id]);
      expect(ack.rejected.map((r) => [r.id, r.code])).toEqual([
        [invalid.id, ErrorCodes.INGEST_RESULT_INVALID],
        [foreignAgent.id, ErrorCodes.INGEST_RESULT_FOREIGN],
        [foreignSchool.id, ErrorCodes.INGEST_RESULT_FOREIGN],
        ['', ErrorCodes.INGEST_RESULT_INVALID],
      ]);
      expect(ack.rejected[0]!.message).toContain('/results/1/fields');
      expect(ack.rejected[3]!.message).toContain('/results/5');

      // The ack comes after the transaction: the rows are there when the agent hears of them.
      expect(await store.countResults()).toBe(2);
      const stored = await store.latestResults(schoolId, { limit: 10 });
      expect(stored.map((r) => r.id).sort()).toEqual([good1.id, good2.id].sort());

      // Resending the same batch changes nothing and gets the same answer.
      client.send(batch);
      const again = (await client.next()) as Ack;
      expect(again.accepted).toEqual(ack.accepted);
      expect(again.rejected).toEqual(ack.rejected);
      expect(await store.countResults()).toBe(2);
    });

    it('acks an empty batch', async () => {
      await start();
      const client = await authenticated();
      client.send({ type: 'batch', batch_id: 'empty', results: [] });
      expect(await client.next()).toEqual({ type: 'ack', batch_id: 'empty', accepted: [], rejected: [] });
    });

    it('answers malformed messages with an error and keeps the connection', async () => {
      await start();
      const client = await authenticated();
      client.send('{"type": "batch", ');
      expect(await client.next()).toMatchObject({ type: 'error', code: ErrorCodes.PROTOCOL_MALFORMED });
      client.send({ type: 'launch_missiles' });
      expect(await client.next()).toMatchObject({ type: 'error', code: ErrorCodes.PROTOCOL_MALFORMED });
      const tooMany = Array.from({ length: ProtocolLimits.maxBatchResults + 1 }, () => ({}));
      client.send({ type: 'batch', batch_id: 'big', results: tooMany });
      expect(await client.next()).toMatchObject({
        type: 'error',
        code: ErrorCodes.PROTOCOL_MALFORMED,
        batch_id: 'big',
      });

      const result = makeResult(agentId, schoolId);
      client.send({ type: 'batch', batch_id: 'b-2', results: [result] });
      expect(await client.next()).toMatchObject({ type: 'ack', batch_id: 'b-2', accepted: [result.id] });
      expect(await store.countResults()).toBe(1);
    });

    it('closes with 1008 after too many malformed messages', async () => {
      await start({ config: { ingest: { maxMalformedMessages: 3 } } });
      const client = await authenticated();
      for (let i = 0; i < 3; i += 1) client.send('nope');
      expect((await client.closed).code).toBe(CloseCodes.policy);
    });

    it('closes an oversize message with 1009 and stores nothing', async () => {
      await start();
      const client = await authenticated();
      const padding = 'x'.repeat(ProtocolLimits.maxMessageBytes);
      client.send({
        type: 'batch',
        batch_id: 'huge',
        results: [makeResult(agentId, schoolId, { tags: { note: padding } })],
      });
      expect((await client.closed).code).toBe(1009);
      expect(await store.countResults()).toBe(0);
    });

    it('reports a store failure for the batch and does not ack it', async () => {
      const failing = new Proxy(store, {
        get(target, prop) {
          if (prop === 'insertResults') return () => Promise.reject(new Error('disk full'));
          const value: unknown = Reflect.get(target, prop, target);
          return typeof value === 'function'
            ? (value as (...args: unknown[]) => unknown).bind(target)
            : value;
        },
      });
      await start({ store: failing });
      const client = await authenticated();
      client.send({ type: 'batch', batch_id: 'b-3', results: [makeResult(agentId, schoolId)] });
      const error = (await client.next()) as ErrorMessage;
      expect(error).toMatchObject({ type: 'error', code: ErrorCodes.STORE_FAILED, batch_id: 'b-3' });
      expect(error.message).not.toContain('disk full');
      // The connection stays usable: a hello-less follow-up is still a malformed message, not a 4401.
      client.send('?');
      expect(await client.next()).toMatchObject({ code: ErrorCodes.PROTOCOL_MALFORMED });
    });

    it('acks batches in the order they were sent', async () => {
      await start();
      const client = await authenticated();
      const ids = Array.from({ length: 5 }, (_, i) => `b-${i}`);
      for (const batchId of ids) {
        client.send({
          type: 'batch',
          batch_id: batchId,
          results: Array.from({ length: 50 }, () => makeResult(agentId, schoolId, { id: uuidv7() })),
        });
      }
      const acks: string[] = [];
      for (let i = 0; i < ids.length; i += 1) acks.push(((await client.next()) as Ack).batch_id);
      expect(acks).toEqual(ids);
      expect(await store.countResults()).toBe(250);
    });
  });

  it('closes agent connections with 1001 when the collector closes', async () => {
    await start();
    const client = await authenticated();
    await app!.close();
    app = undefined;
    expect((await client.closed).code).toBe(1001);
  });
});
