import { afterEach, describe, expect, it } from 'vitest';
import type { CollectorMessage, HardwareFingerprint } from '@skolnet/shared';
import { WsPeer } from '../../../test/support/ws-peer.js';
import { streamHandshake, type HelloSource } from './stream-handshake.js';
import { StreamSocket } from './stream-socket.js';

const SECRET = 's'.repeat(32);
const welcome = {
  type: 'welcome',
  agent_id: 'agent-1',
  school_id: 'school-1',
  server_time: '2026-03-02T08:00:00.000Z',
  max_batch_results: 200,
  max_message_bytes: 65_536,
};
const fingerprint: HardwareFingerprint = { machine_id_sha256: 'a'.repeat(64) };

let peer: WsPeer;
let socket: StreamSocket;
let aside: CollectorMessage[];

async function open(): Promise<StreamSocket> {
  peer = await WsPeer.listen();
  aside = [];
  socket = new StreamSocket({
    url: peer.url,
    handshakeTimeoutMs: 5_000,
    onAside: (m) => aside.push(m),
    onInvalid: () => {},
  });
  expect(await socket.opened()).toBe(true);
  return socket;
}

const source = (over: Partial<HelloSource> = {}): HelloSource => ({
  agentId: 'agent-1',
  secret: SECRET,
  agentVersion: '0.1.0-test',
  outbox: { depth: () => 7 },
  ...over,
});

afterEach(async () => {
  socket.terminate();
  await socket.closed;
  socket.dispose();
  await peer.close();
});

describe('streamHandshake', () => {
  it('says hello with what the agent holds and returns the welcome; a push before it goes aside', async () => {
    const s = await open();
    const conn = await peer.accepted();
    conn.ws.once('message', () => {
      conn.ws.send(JSON.stringify({ type: 'secret_confirmed' }));
      conn.ws.send(JSON.stringify(welcome));
    });
    let asked = 0;
    const outcome = await streamHandshake(
      s,
      source({
        secret: () => `${SECRET}${(asked += 1)}`,
        configVersion: () => 3,
        fingerprint: () => Promise.resolve(fingerprint),
      }),
      5_000,
    );
    expect(outcome).toEqual({ ok: true, welcome });
    expect(conn.received).toEqual([
      {
        type: 'hello',
        protocol: 1,
        agent_id: 'agent-1',
        secret: `${SECRET}1`,
        agent_version: '0.1.0-test',
        outbox_depth: 7,
        config_version: 3,
        fingerprint,
        capabilities: ['campaign'],
      },
    ]);
    expect(aside.map((m) => m.type)).toEqual(['secret_confirmed']);
  });

  it('leaves out what the agent cannot say: no configuration version, a fingerprint that fails', async () => {
    const s = await open();
    const conn = await peer.accepted();
    conn.ws.once('message', () => conn.ws.send(JSON.stringify(welcome)));
    const outcome = await streamHandshake(
      s,
      source({
        configVersion: () => undefined,
        fingerprint: () => Promise.reject(new Error('no machine id')),
      }),
      5_000,
    );
    expect(outcome.ok).toBe(true);
    expect(conn.received[0]).not.toHaveProperty('config_version');
    expect(conn.received[0]).not.toHaveProperty('fingerprint');
  });

  it('ends the connection when no welcome comes in time', async () => {
    const s = await open();
    const conn = await peer.accepted();
    const outcome = await streamHandshake(s, source(), 50);
    expect(outcome).toEqual({ ok: false, reason: 'no welcome from the collector in time' });
    expect(s.isClosed).toBe(true);
    // Dropped, not closed with a frame: 1006 on the collector's side.
    expect(await conn.closed).toBe(1006);
  });

  it('reports the close when the collector closes instead of welcoming', async () => {
    const s = await open();
    const conn = await peer.accepted();
    conn.ws.once('message', () => conn.ws.close(4401, 'unauthorized'));
    expect(await streamHandshake(s, source(), 5_000)).toEqual({
      ok: false,
      reason: 'connection closed (4401 unauthorized)',
    });
  });

  it('sends no hello on a connection that closed while the fingerprint was read', async () => {
    const s = await open();
    const conn = await peer.accepted();
    const outcome = await streamHandshake(
      s,
      source({
        fingerprint: async () => {
          conn.ws.close(1001, 'restarting');
          await s.closed;
          return fingerprint;
        },
      }),
      5_000,
    );
    expect(outcome).toEqual({ ok: false, reason: 'connection closed (1001 restarting)' });
    expect(conn.received).toEqual([]);
  });
});
