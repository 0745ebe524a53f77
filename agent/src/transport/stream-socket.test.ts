import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type CollectorMessage, type Welcome } from '@skolnet/shared';
import { eventually } from '../../../test/support/poll.js';
import { WsPeer } from '../../../test/support/ws-peer.js';
import { StreamSocket, type StreamSocketOptions } from './stream-socket.js';

const welcome = {
  type: 'welcome',
  agent_id: 'agent-1',
  school_id: 'school-1',
  server_time: '2026-03-02T08:00:00.000Z',
  max_batch_results: 500,
  max_message_bytes: 1024 * 1024,
};
const isWelcome = (m: CollectorMessage): m is Welcome => m.type === 'welcome';

let peer: WsPeer;
let socket: StreamSocket | undefined;
let aside: CollectorMessage[];
let invalid: { code: string; detail: string }[];

async function connect(over: Partial<StreamSocketOptions> = {}, refuseWith?: number): Promise<StreamSocket> {
  peer = await WsPeer.listen(refuseWith === undefined ? {} : { refuseWith });
  aside = [];
  invalid = [];
  socket = new StreamSocket({
    url: peer.url,
    handshakeTimeoutMs: 5_000,
    onAside: (m) => aside.push(m),
    onInvalid: (code, detail) => invalid.push({ code, detail }),
    ...over,
  });
  return socket;
}

afterEach(async () => {
  socket?.terminate();
  await socket?.closed;
  socket?.dispose();
  socket = undefined;
  await peer.close();
});

describe('StreamSocket', () => {
  it('hands the awaited message to next() and every other one aside, in order', async () => {
    const s = await connect();
    expect(await s.opened()).toBe(true);
    const { ws } = await peer.accepted();
    const waiting = s.next(isWelcome, 5_000);
    ws.send(JSON.stringify({ type: 'secret_confirmed' }));
    ws.send(JSON.stringify(welcome));
    ws.send(JSON.stringify({ type: 'error', code: 'SKOLNET_X', message: 'later' }));
    const got = await waiting;
    expect(got).toEqual({ kind: 'message', message: welcome });
    // After the wait has ended nothing is waiting: a second welcome goes aside too.
    ws.send(JSON.stringify(welcome));
    await eventually(() =>
      expect(aside.map((m) => m.type)).toEqual(['secret_confirmed', 'error', 'welcome']),
    );
  });

  it('ends a wait with a timeout when no wanted message comes', async () => {
    const s = await connect();
    await s.opened();
    const { ws } = await peer.accepted();
    ws.send(JSON.stringify({ type: 'secret_confirmed' }));
    expect(await s.next(isWelcome, 50)).toEqual({ kind: 'timeout' });
    expect(aside.map((m) => m.type)).toEqual(['secret_confirmed']);
    // The connection is untouched by a timeout: it is the caller's to end.
    expect(s.isOpen).toBe(true);
  });

  it('ends a wait as closed, with the reason, when the collector closes', async () => {
    const s = await connect();
    await s.opened();
    const { ws } = await peer.accepted();
    const waiting = s.next(isWelcome, 60_000);
    ws.close(4000, 'going away');
    expect(await waiting).toEqual({ kind: 'closed', reason: 'connection closed (4000 going away)' });
    // A wait on a closed socket ends at once the same way instead of hanging.
    expect(await s.next(isWelcome, 60_000)).toEqual({
      kind: 'closed',
      reason: 'connection closed (4000 going away)',
    });
    expect(s.isClosed).toBe(true);
  });

  it('allows one wait at a time', async () => {
    const s = await connect();
    await s.opened();
    const first = s.next(isWelcome, 60_000);
    await expect(s.next(isWelcome, 60_000)).rejects.toThrow(/already pending/);
    s.terminate('test over');
    expect(await first).toEqual({ kind: 'closed', reason: 'test over' });
  });

  it('reports invalid frames by code and path, never their content, and goes on', async () => {
    const s = await connect();
    await s.opened();
    const { ws } = await peer.accepted();
    ws.send('not json at all');
    ws.send(JSON.stringify({ type: 'ack', batch_id: 5, accepted: 'secret-looking-content' }));
    ws.send(Buffer.from([1, 2, 3]), { binary: true });
    ws.send(JSON.stringify(welcome));
    expect(await s.next(isWelcome, 5_000)).toMatchObject({ kind: 'message' });
    expect(invalid.map((i) => i.code)).toEqual([
      ErrorCodes.PROTOCOL_MALFORMED,
      ErrorCodes.PROTOCOL_MALFORMED,
      ErrorCodes.PROTOCOL_MALFORMED,
    ]);
    expect(invalid.map((i) => i.detail)).toEqual([
      'not JSON',
      expect.stringMatching(/^type "ack" at \//),
      'binary frame',
    ]);
    expect(JSON.stringify(invalid)).not.toContain('secret-looking-content');
    expect(aside).toEqual([]);
  });

  it('says so when the collector refuses the upgrade with an HTTP status', async () => {
    const statuses: number[] = [];
    const s = await connect({ onUpgradeRejected: (status) => statuses.push(status) }, 401);
    expect(await s.opened()).toBe(false);
    expect(statuses).toEqual([401]);
    expect(s.closeReason).toBe('collector answered the upgrade with HTTP 401');
  });

  it('passes the close code on before the connection counts as closed', async () => {
    const codes: number[] = [];
    const s = await connect({ onClose: (code) => codes.push(code) });
    await s.opened();
    const { ws } = await peer.accepted();
    ws.close(4403, 'revoked');
    await s.closed;
    expect(codes).toEqual([4403]);
  });

  it('closes with the code and reason it is given, and keeps the reason for the log', async () => {
    const s = await connect();
    await s.opened();
    const conn = await peer.accepted();
    s.closeFor('ack settled nothing here', 1002, 'ack settled nothing');
    expect(await conn.closed).toBe(1002);
    await s.closed;
    expect(s.closeReason).toBe('ack settled nothing here');
  });

  it('sends objects as JSON and sends replies only while open', async () => {
    const s = await connect();
    await s.opened();
    const conn = await peer.accepted();
    s.send({ type: 'secret_rotate' });
    s.send(JSON.stringify({ type: 'config_ack', version: 1, applied: true }));
    await eventually(() => expect(conn.received).toHaveLength(2));
    expect(conn.received).toEqual([
      { type: 'secret_rotate' },
      { type: 'config_ack', version: 1, applied: true },
    ]);
    s.close(1000, 'done');
    await s.closed;
    expect(() => s.sendIfOpen({ type: 'secret_rotate' })).not.toThrow();
    expect(conn.received).toHaveLength(2);
  });

  it('ends a connection whose pongs stop', async () => {
    const s = await connect();
    await s.opened();
    const { ws } = await peer.accepted();
    s.startHeartbeat(20);
    // Answered pings keep it open over several intervals.
    let pings = 0;
    ws.on('ping', () => (pings += 1));
    await eventually(() => expect(pings).toBeGreaterThanOrEqual(3));
    expect(s.isOpen).toBe(true);
    // A paused socket neither reads pings nor answers them.
    (ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await s.closed;
    expect(s.closeReason).toBe('no pong from the collector');
  });

  it('shuts down a connection still connecting without waiting for it', async () => {
    const s = await connect();
    s.shutdown(2_000);
    expect(await s.opened()).toBe(false);
  });
});
