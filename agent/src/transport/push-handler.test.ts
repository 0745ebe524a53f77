import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type CollectorMessage, type ConfigPush } from '@skolnet/shared';
import { eventually } from '../../../test/support/poll.js';
import { WsPeer, type PeerConnection } from '../../../test/support/ws-peer.js';
import { handlePush, type PushHandlerOptions } from './push-handler.js';
import type { StreamEvent } from './stream-events.js';
import { StreamSocket } from './stream-socket.js';

let peer: WsPeer;
let socket: StreamSocket;
let conn: PeerConnection;
let events: StreamEvent[];

const options = (over: Partial<PushHandlerOptions> = {}): PushHandlerOptions => ({
  emit: (e) => events.push(e),
  ...over,
});
const config = (version: number, cfg: unknown): CollectorMessage => ({
  type: 'config',
  version,
  config: cfg,
});
const error = (code: string, message: string, batch_id?: string): CollectorMessage => ({
  type: 'error',
  code,
  message,
  ...(batch_id === undefined ? {} : { batch_id }),
});

beforeEach(async () => {
  peer = await WsPeer.listen();
  events = [];
  socket = new StreamSocket({
    url: peer.url,
    handshakeTimeoutMs: 5_000,
    onAside: () => {},
    onInvalid: () => {},
  });
  expect(await socket.opened()).toBe(true);
  conn = await peer.accepted();
});

afterEach(async () => {
  socket.terminate();
  await socket.closed;
  socket.dispose();
  await peer.close();
});

describe('handlePush: configuration', () => {
  it('applies a valid push and acks it as applied', async () => {
    const applied: ConfigPush[] = [];
    const verdict = handlePush(
      socket,
      config(4, { probes: { latency: { interval_s: 120 } } }),
      options({ onConfig: (push) => void applied.push(push) }),
    );
    expect(verdict).toBeUndefined();
    await eventually(() => expect(conn.received).toHaveLength(1));
    expect(conn.received).toEqual([{ type: 'config_ack', version: 4, applied: true }]);
    expect(applied.map((p) => p.config)).toEqual([{ probes: { latency: { interval_s: 120 } } }]);
    expect(events).toEqual([{ type: 'config', version: 4, applied: true }]);
  });

  it('refuses a setting outside the allow-list without applying it, and says where', async () => {
    const applied: ConfigPush[] = [];
    handlePush(
      socket,
      config(5, { probes: { latency: { ping_command: '/bin/sh' } } }),
      options({ onConfig: (push) => void applied.push(push) }),
    );
    await eventually(() => expect(conn.received).toHaveLength(1));
    expect(applied).toEqual([]);
    expect(conn.received[0]).toMatchObject({ type: 'config_ack', version: 5, applied: false });
    const said = (conn.received[0] as { error: string }).error;
    expect(said).toContain('configuration version 5 refused');
    expect(said).toContain('/config/probes/latency');
    expect(events).toEqual([{ type: 'config', version: 5, applied: false, error: said }]);
  });

  it('acks a push it could not apply with the error', async () => {
    handlePush(
      socket,
      config(2, { probes: {} }),
      options({
        onConfig: () => Promise.reject(new Error('disk full')),
      }),
    );
    await eventually(() => expect(conn.received).toHaveLength(1));
    expect(conn.received[0]).toEqual({ type: 'config_ack', version: 2, applied: false, error: 'disk full' });
    expect(events).toEqual([{ type: 'config', version: 2, applied: false, error: 'disk full' }]);
  });

  it('acks a valid push as applied when the agent has nothing to apply it with', async () => {
    handlePush(socket, config(3, { probes: {} }), options());
    await eventually(() =>
      expect(conn.received).toEqual([{ type: 'config_ack', version: 3, applied: true }]),
    );
  });
});

describe('handlePush: secret rotation', () => {
  it('proves a new secret to the collector only after storing it', async () => {
    const stored: string[] = [];
    const secret = 'n'.repeat(43);
    handlePush(socket, { type: 'secret', secret }, options({ onSecret: (s) => void stored.push(s) }));
    await eventually(() => expect(conn.received).toEqual([{ type: 'secret_ack', secret }]));
    expect(stored).toEqual([secret]);
    handlePush(socket, { type: 'secret_confirmed' }, options());
    expect(events).toEqual([{ type: 'secret_rotated' }]);
  });

  it('keeps the old secret when the new one cannot be stored: no proof goes back', async () => {
    handlePush(
      socket,
      { type: 'secret', secret: 'n'.repeat(43) },
      options({
        onSecret: () => {
          throw new Error('read-only file system');
        },
      }),
    );
    await eventually(() =>
      expect(events).toEqual([{ type: 'secret_not_stored', error: 'read-only file system' }]),
    );
    // A message sent after it arrives first if the proof were ever sent.
    socket.send({ type: 'marker' });
    await eventually(() => expect(conn.received).toHaveLength(1));
    expect(conn.received).toEqual([{ type: 'marker' }]);
  });

  it('proves nothing when the agent has nowhere to store a secret', async () => {
    handlePush(socket, { type: 'secret', secret: 'n'.repeat(43) }, options());
    // No I/O without a store: every microtask has run by the next turn of the loop.
    await new Promise<void>((resolve) => setImmediate(resolve));
    socket.send({ type: 'marker' });
    await eventually(() => expect(conn.received).toHaveLength(1));
    expect(conn.received).toEqual([{ type: 'marker' }]);
    expect(events).toEqual([]);
  });
});

describe('handlePush: errors and strays', () => {
  it('closes the connection of a revoked agent and says so', async () => {
    expect(handlePush(socket, error(ErrorCodes.AUTH_REVOKED, 'agent revoked by admin'), options())).toBe(
      'revoked',
    );
    expect(await conn.closed).toBe(1000);
    expect(events).toEqual([{ type: 'revoked', message: 'agent revoked by admin' }]);
  });

  it('closes the connection when the credentials are refused', async () => {
    expect(handlePush(socket, error(ErrorCodes.AUTH_UNAUTHORIZED, 'unknown agent'), options())).toBe(
      'auth_rejected',
    );
    expect(await conn.closed).toBe(1000);
    expect(events).toEqual([{ type: 'auth_rejected', message: 'unknown agent' }]);
  });

  it('reports other errors, cut to a log line, and keeps the connection', () => {
    const long = 'e'.repeat(500);
    expect(handlePush(socket, error('SKOLNET_STORE_FAILED', long, 'b-1'), options())).toBeUndefined();
    expect(events).toEqual([
      { type: 'server_error', code: 'SKOLNET_STORE_FAILED', message: 'e'.repeat(200), batch_id: 'b-1' },
    ]);
    expect(socket.isOpen).toBe(true);
  });

  it('reports a message nobody waited for as unexpected', () => {
    handlePush(socket, { type: 'ack', batch_id: 'b-9', accepted: [], rejected: [] }, options());
    expect(events).toEqual([
      {
        type: 'invalid_message',
        code: ErrorCodes.PROTOCOL_UNEXPECTED,
        detail: 'unexpected ack for batch b-9',
      },
    ]);
  });
});
