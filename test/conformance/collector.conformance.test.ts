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
import { describeStores } from './stores.js';

/** Parallel enrollments with one code over HTTP. */
const PARALLEL_ENROLLS = 6;

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
    const admin = { authorization: `Bearer ${running.adminToken!}`, 'content-type': 'application/json' };

    const schoolRes = await fetch(`${url}/api/v1/schools`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'Fjellheim skule', municipality: 'Voss', pupils: 240 }),
    });
    expect(schoolRes.status).toBe(201);
    const school = (await schoolRes.json()) as { id: string };
    const codeRes = await fetch(`${url}/api/v1/schools/${school.id}/enrollment-codes`, {
      method: 'POST',
      headers: admin,
      body: '{}',
    });
    expect(codeRes.status).toBe(201);
    const { code } = (await codeRes.json()) as { code: string };

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
    expect(await welcome).toMatchObject({ agent_id: enrolled.agent_id, school_id: school.id });

    const results = [
      makeResult(enrolled.agent_id, school.id, {
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 93.5 },
      }),
      makeResult(enrolled.agent_id, school.id, { tags: { target: 'gateway' }, fields: { rtt_avg_ms: 1.2 } }),
      makeResult(enrolled.agent_id, school.id, { tags: { target: 'collector' }, fields: { rtt_avg_ms: 18 } }),
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
    const detailRes = await fetch(`${url}/api/v1/schools/${school.id}`);
    expect(detailRes.status).toBe(200);
    const detail = (await detailRes.json()) as { name: string; latest: { id: string }[] };
    expect(detail.name).toBe('Fjellheim skule');
    expect(detail.latest.map((r) => r.id).sort()).toEqual(ids);
    expect(await getStore().countResults({ schoolId: school.id })).toBe(3);
    expect((await getStore().findAgent(enrolled.agent_id))?.last_seen_at).not.toBeNull();
    expect(getStore().dialect).toBe(backend.dialect);
  });
});
