import { once } from 'node:events';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, PROTOCOL_VERSION } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore } from '../testing/fixtures.js';

/** Short enough for a test; the default is 30 s. */
const HEARTBEAT_MS = 100;

/** Waits until `check` holds, polling; fails after `limitMs` (a bound, not a timing assertion). */
async function waitUntil(check: () => boolean, limitMs = 10_000): Promise<void> {
  const until = performance.now() + limitMs;
  while (!check()) {
    if (performance.now() > until) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('agent stream heartbeat', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let url: string;
  let agent: { agent_id: string; secret: string };
  const clients: WebSocket[] = [];

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 });
    agent = await store.redeemEnrollmentCode((await store.createEnrollmentCode(school.id, 3_600_000)).code, {
      hostname: 'srv1',
      agent_version: '0.1.0',
    });
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { ingest: { heartbeatIntervalMs: HEARTBEAT_MS } },
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    url = `${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`;
  });
  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await app.close();
    await cleanup();
  });

  /** An authenticated stream; with `answerPings: false` it behaves like a peer that vanished. */
  async function connect(answerPings: boolean): Promise<WebSocket> {
    const ws = new WebSocket(url, PROTOCOL_NAME, { autoPong: answerPings });
    clients.push(ws);
    await once(ws, 'open');
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: agent.agent_id,
        secret: agent.secret,
        agent_version: '0.1.0',
      }),
    );
    const [welcome] = (await once(ws, 'message')) as [Buffer];
    expect(JSON.parse(welcome.toString('utf8'))).toMatchObject({ type: 'welcome' });
    return ws;
  }

  it('closes a stream that answers no ping, so the agent no longer counts as connected', async () => {
    const silent = await connect(false);
    const closed = once(silent, 'close');
    expect(app.connectedAgents.list()).toHaveLength(1);
    await waitUntil(() => app.connectedAgents.list().length === 0);
    await closed;
    const metrics = await app.inject('/metrics');
    expect(metrics.body).toMatch(/^skolnet_agent_heartbeat_timeouts_total 1$/m);
    expect(metrics.body).toMatch(/^skolnet_agents_connected 0$/m);
  });

  it('keeps a quiet stream that answers its pings', async () => {
    const live = await connect(true);
    let pings = 0;
    live.on('ping', () => (pings += 1));
    // Several heartbeat intervals without any message from the agent.
    await waitUntil(() => pings >= 5);
    expect(live.readyState).toBe(WebSocket.OPEN);
    expect(app.connectedAgents.list()).toHaveLength(1);
  });
});
