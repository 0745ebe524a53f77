import { afterEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_NAME,
  PROTOCOL_VERSION,
  type Ack,
  type CollectorMessage,
  type EnrollResponse,
} from '@skolnet/shared';
import { startCollector, type RunningCollector } from '../../collector/src/server.js';
import { makeResult } from '../../collector/src/testing/fixtures.js';
import { createAdminToken } from '../support/collector.js';
import { createSchoolAndCode } from '../support/enrollment.js';
import { describeStores } from './stores.js';

/** Parallel enrollments with one code over HTTP. */
const PARALLEL_ENROLLS = 6;

/** How often a test looks again for something the collector does after answering, in ms. */
const POLL_INTERVAL_MS = 50;
/** Most looks before giving up on it. */
const POLL_ATTEMPTS = 200;

/** Calls `read` until `done` accepts its value; throws after {@link POLL_ATTEMPTS} tries. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const value = await read();
    if (done(value) || attempt >= POLL_ATTEMPTS) return value;
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** Opens the agent stream and says hello; resolves with the socket once welcomed. */
async function connectAgent(
  url: string,
  sockets: WebSocket[],
  agent: { agent_id: string; secret: string },
): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
  sockets.push(ws);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const welcome = awaitMessage(ws, (m) => m.type === 'welcome');
  ws.send(
    JSON.stringify({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent_id: agent.agent_id,
      secret: agent.secret,
      agent_version: '0.1.0',
    }),
  );
  await welcome;
  return ws;
}

/** Reads collector messages until `pick` accepts one. */
function awaitMessage<T extends CollectorMessage>(
  ws: WebSocket,
  pick: (m: CollectorMessage) => boolean,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      const message = JSON.parse(data.toString('utf8')) as CollectorMessage;
      if (!pick(message)) return;
      ws.off('message', onMessage);
      resolve(message as T);
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`stream closed (${code}) before the expected message`)));
  });
}

// The whole path (REST, enrollment, WebSocket ingest, reads) on each store.
describeStores('collector', (getStore, backend) => {
  let running: RunningCollector | undefined;
  const sockets: WebSocket[] = [];

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await running?.close();
    running = undefined;
  });

  it('enrolls an agent, ingests its batch over the stream and serves it back', async () => {
    running = await startCollector({
      database: backend.url(),
      port: 0,
      logger: false,
      dashboardAssets: false,
    });
    const { url } = running;
    const adminToken = await createAdminToken(running);
    const { schoolId, code } = await createSchoolAndCode(url, adminToken, {
      name: 'Fjellheim skule',
      municipality: 'Valmieras novads',
      pupils: 240,
    });

    // Several agents race for the one code: exactly one gets it.
    const enrolls = await Promise.all(
      Array.from({ length: PARALLEL_ENROLLS }, (_, i) =>
        fetch(`${url}/api/v1/enroll`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code, hostname: `srv${i}`, agent_version: '0.1.0' }),
        }),
      ),
    );
    expect(enrolls.map((r) => r.status).sort()).toEqual([
      201,
      ...Array<number>(PARALLEL_ENROLLS - 1).fill(401),
    ]);
    const enrolled = (await enrolls.find((r) => r.status === 201)!.json()) as EnrollResponse;
    for (const refused of enrolls.filter((r) => r.status === 401)) {
      expect(await refused.json()).toMatchObject({ code: ErrorCodes.ENROLL_CODE_INVALID });
    }

    const ws = new WebSocket(`${url.replace('http', 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
    sockets.push(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const welcome = awaitMessage(ws, (m) => m.type === 'welcome');
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: enrolled.agent_id,
        secret: enrolled.secret,
        agent_version: '0.1.0',
      }),
    );
    expect(await welcome).toMatchObject({ agent_id: enrolled.agent_id, school_id: schoolId });

    const results = [
      makeResult(enrolled.agent_id, schoolId, {
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 93.5 },
      }),
      makeResult(enrolled.agent_id, schoolId, { tags: { target: 'gateway' }, fields: { rtt_avg_ms: 1.2 } }),
      makeResult(enrolled.agent_id, schoolId, { tags: { target: 'collector' }, fields: { rtt_avg_ms: 18 } }),
    ];
    const send = async (batchId: string): Promise<Ack> => {
      const ack = awaitMessage<Ack>(ws, (m) => m.type === 'ack' && m.batch_id === batchId);
      ws.send(JSON.stringify({ type: 'batch', batch_id: batchId, results }));
      return ack;
    };
    const ids = results.map((r) => r.id).sort();
    expect((await send('b1')).accepted.sort()).toEqual(ids);
    // A resend (the ack was lost) is accepted again and stores nothing new.
    expect((await send('b2')).accepted.sort()).toEqual(ids);

    // Read back through the REST API and, past the collector, through another store.
    const detailRes = await fetch(`${url}/api/v1/schools/${schoolId}`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    expect(detailRes.status).toBe(200);
    const detail = (await detailRes.json()) as { name: string; latest: { id: string }[] };
    expect(detail.name).toBe('Fjellheim skule');
    expect(detail.latest.map((r) => r.id).sort()).toEqual(ids);
    expect(await getStore().countResults({ schoolId })).toBe(3);
    expect((await getStore().findAgent(enrolled.agent_id))?.last_seen_at).not.toBeNull();
    expect(getStore().dialect).toBe(backend.dialect);
  });

  it('enrolls an agent with a role, scores its school from rollups and pushes it a configuration', async () => {
    running = await startCollector({
      database: backend.url(),
      port: 0,
      logger: false,
      dashboardAssets: false,
    });
    const { url } = running;
    const adminToken = await createAdminToken(running);
    const admin = { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' };

    const { schoolId, code, role } = await createSchoolAndCode(
      url,
      adminToken,
      { name: 'Lia skole', municipality: 'Ludzas novads', pupils: 180 },
      { role: 'lab_pc' },
    );
    expect(role).toBe('lab_pc');
    const enrollRes = await fetch(`${url}/api/v1/enroll`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, hostname: 'lab-07', agent_version: '0.1.0' }),
    });
    expect(enrollRes.status).toBe(201);
    const enrolled = (await enrollRes.json()) as EnrollResponse;
    expect(enrolled.role).toBe('lab_pc');

    const ws = await connectAgent(url, sockets, enrolled);
    // Two hours of the last day, so the rollups have two buckets per series.
    const now = Date.now();
    const at = (minutesAgo: number): string => new Date(now - minutesAgo * 60_000).toISOString();
    const results = [
      ...[20, 90].map((m) =>
        makeResult(enrolled.agent_id, schoolId, {
          at: at(m),
          measurement: 'throughput',
          tags: { target: 'collector' },
          fields: { result: 'success', download_mbps: 80 + m, upload_mbps: 20 },
        }),
      ),
      ...[10, 15, 80, 85].map((m) =>
        makeResult(enrolled.agent_id, schoolId, {
          at: at(m),
          fields: { result: 'success', rtt_avg_ms: 10 + m / 10, jitter_ms: 1, loss_pct: 0 },
        }),
      ),
    ];
    const ack = awaitMessage<Ack>(ws, (m) => m.type === 'ack' && m.batch_id === 'b1');
    ws.send(JSON.stringify({ type: 'batch', batch_id: 'b1', results }));
    expect((await ack).accepted).toHaveLength(results.length);

    // The school's score comes from the hourly rollups, computed on read.
    const detail = (await (await fetch(`${url}/api/v1/schools/${schoolId}`, { headers: admin })).json()) as {
      confidence: { throughput_samples: number; latency_samples: number };
    };
    expect(detail.confidence).toMatchObject({ throughput_samples: 2, latency_samples: 4 });
    const rollups = await backend.query<{ measurement: string; count: unknown }>(
      `select measurement, count from rollups_hourly
       where school_id = '${schoolId}' and field in ('download_mbps', 'rtt_avg_ms')`,
    );
    const counted = (measurement: string): number =>
      rollups.filter((r) => r.measurement === measurement).reduce((n, r) => n + Number(r.count), 0);
    expect([counted('throughput'), counted('latency')]).toEqual([2, 4]);
    expect(await getStore().pendingRollupHours()).toBe(0);

    // The administrator's listing shows the role and the live connection.
    const listing = await fetch(`${url}/api/v1/schools/${schoolId}/agents`, { headers: admin });
    expect(listing.status).toBe(200);
    expect(await listing.json()).toMatchObject({
      agents: [{ id: enrolled.agent_id, role: 'lab_pc', connected: true, config: { version: 0 } }],
    });

    // A school configuration reaches the connected agent, and its ack is recorded.
    const pushed = awaitMessage<Extract<CollectorMessage, { type: 'config' }>>(
      ws,
      (m) => m.type === 'config',
    );
    const setRes = await fetch(`${url}/api/v1/schools/${schoolId}/agent-config`, {
      method: 'PUT',
      headers: admin,
      body: JSON.stringify({ probes: { latency: { interval_s: 120 } }, data_budget_mb: 300 }),
    });
    expect(setRes.status).toBe(200);
    expect(await setRes.json()).toEqual({
      changed: [{ agent_id: enrolled.agent_id, version: 1, pushed: true }],
    });
    expect(await pushed).toMatchObject({ version: 1, config: { data_budget_mb: 300 } });
    ws.send(JSON.stringify({ type: 'config_ack', version: 1, applied: true }));
    const described = await eventually(
      () => getStore().describeAgent(enrolled.agent_id),
      (a) => a?.config.applied_version === 1,
    );
    expect(described?.config).toMatchObject({ version: 1, applied_version: 1, pending: false, error: null });
  });
});
