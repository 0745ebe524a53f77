import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  uuidv7,
  type CollectorMessage,
  type Result,
} from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import type { Store } from '../storage/store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';

interface Agent {
  agentId: string;
  schoolId: string;
  secret: string;
}

/** An authenticated agent connection that hands back collector messages in order. */
async function connectAgent(
  url: string,
  agent: Agent,
): Promise<{ ws: WebSocket; next: () => Promise<CollectorMessage> }> {
  const ws = new WebSocket(url, PROTOCOL_NAME);
  const inbox: CollectorMessage[] = [];
  const waiting: ((m: CollectorMessage) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const m = JSON.parse(data.toString('utf8')) as CollectorMessage;
    const w = waiting.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  const next = (): Promise<CollectorMessage> => {
    const m = inbox.shift();
    return m ? Promise.resolve(m) : new Promise((r) => waiting.push(r));
  };
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent_id: agent.agentId,
      secret: agent.secret,
      agent_version: '0.1.0',
    }),
  );
  expect((await next()).type).toBe('welcome');
  return { ws, next };
}

describe('ingest from many agents at once', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance | undefined;
  let agents: Agent[];
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    agents = [];
    for (let s = 0; s < 4; s += 1) {
      const school = await store.createSchool({ name: `Skole ${s}`, municipality: 'Vik', pupils: 100 });
      for (let a = 0; a < 4; a += 1) {
        const enrolled = await store.redeemEnrollmentCode(
          (await store.createEnrollmentCode(school.id, 3_600_000)).code,
          { hostname: `pc${a}`, agent_version: '0.1.0' },
        );
        agents.push({ agentId: enrolled.agent_id, schoolId: school.id, secret: enrolled.secret });
      }
    }
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await app?.close();
    app = undefined;
    await cleanup();
  });

  async function start(over?: Store): Promise<string> {
    app = buildApp({ store: over ?? store, logger: false, dashboardAssets: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    return `${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`;
  }

  it('acks every batch of every agent once stored, and a resend changes nothing', async () => {
    const url = await start();
    const sent = new Map<string, Result[][]>();
    await Promise.all(
      agents.map(async (agent) => {
        const { ws, next } = await connectAgent(url, agent);
        sockets.push(ws);
        const batches = Array.from({ length: 3 }, () =>
          Array.from({ length: 40 }, () => makeResult(agent.agentId, agent.schoolId)),
        );
        sent.set(agent.agentId, batches);
        // One batch in flight, as the agent sends, then the first one again.
        for (const [i, results] of [...batches, batches[0]!].entries()) {
          ws.send(JSON.stringify({ type: 'batch', batch_id: `b${i}`, results }));
          const ack = await next();
          expect(ack).toMatchObject({ type: 'ack', batch_id: `b${i}`, rejected: [] });
          expect(ack.type === 'ack' && ack.accepted).toEqual(results.map((r) => r.id));
        }
      }),
    );
    expect(await store.countResults()).toBe(agents.length * 3 * 40);
    for (const agent of agents) {
      expect(await store.countResults({ agentId: agent.agentId })).toBe(120);
    }
  });

  it('fails only the batch the store refuses; the batches stored beside it are acked', async () => {
    // A store that refuses any transaction holding a result measured as
    // "poison", as a database would refuse a row it cannot take.
    const insertResults: Store['insertResults'] = (results, at) =>
      results.some((r) => r.measurement === 'poison')
        ? Promise.reject(new Error('row refused'))
        : store.insertResults(results, at);
    const refusing = new Proxy(store, {
      get: (target, key: keyof Store) => {
        if (key === 'insertResults') return insertResults;
        const value: unknown = Reflect.get(target, key);
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    });
    const url = await start(refusing);
    const connections = await Promise.all(agents.map((a) => connectAgent(url, a)));
    sockets.push(...connections.map((c) => c.ws));
    const replies = await Promise.all(
      connections.map(async ({ ws, next }, i) => {
        const agent = agents[i]!;
        const results = Array.from({ length: 20 }, () =>
          makeResult(agent.agentId, agent.schoolId, i === 5 ? { measurement: 'poison', id: uuidv7() } : {}),
        );
        ws.send(JSON.stringify({ type: 'batch', batch_id: `b${i}`, results }));
        return next();
      }),
    );
    for (const [i, reply] of replies.entries()) {
      if (i === 5) {
        expect(reply).toMatchObject({ type: 'error', code: ErrorCodes.STORE_FAILED, batch_id: 'b5' });
      } else {
        expect(reply).toMatchObject({ type: 'ack', batch_id: `b${i}` });
      }
    }
    expect(await store.countResults()).toBe((agents.length - 1) * 20);
    expect(await store.countResults({ agentId: agents[5]!.agentId })).toBe(0);
  });
});
