import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL_NAME } from '@skolnet/shared';

/** One connection the peer accepted, with what the client sent on it. */
export interface PeerConnection {
  ws: WebSocket;
  /** Every text frame the client sent, parsed as JSON, in order. */
  received: unknown[];
  /** Settles with the close code once the connection has closed. */
  closed: Promise<number>;
}

/**
 * The far end of the agent's stream for the transport's unit tests: a real
 * `ws` server on a loopback port that speaks the stream subprotocol and does
 * nothing on its own, so each test scripts the collector's side.
 */
export class WsPeer {
  readonly #wss: WebSocketServer;
  readonly connections: PeerConnection[] = [];
  #waiters: { index: number; resolve: (c: PeerConnection) => void }[] = [];

  private constructor(wss: WebSocketServer) {
    this.#wss = wss;
    wss.on('connection', (ws) => {
      const received: unknown[] = [];
      ws.on('message', (data) => received.push(JSON.parse((data as Buffer).toString('utf8'))));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      const connection = { ws, received, closed };
      this.connections.push(connection);
      const ready = this.#waiters.filter((w) => w.index < this.connections.length);
      this.#waiters = this.#waiters.filter((w) => !ready.includes(w));
      for (const w of ready) w.resolve(this.connections[w.index]!);
    });
  }

  /**
   * Listens on 127.0.0.1 (an OS-chosen port). `verifyClient` answers the
   * upgrade with an HTTP status instead, as a collector refusing an agent.
   */
  static async listen(options: { refuseWith?: number } = {}): Promise<WsPeer> {
    const wss = new WebSocketServer({
      host: '127.0.0.1',
      port: 0,
      handleProtocols: (p) => (p.has(PROTOCOL_NAME) ? PROTOCOL_NAME : false),
      ...(options.refuseWith === undefined
        ? {}
        : { verifyClient: (_info, cb) => cb(false, options.refuseWith, 'refused') }),
    });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    return new WsPeer(wss);
  }

  /** The ws URL clients connect to. */
  get url(): URL {
    return new URL(`ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}/stream`);
  }

  /** The connection with this index (0: the first), once it has been accepted. */
  accepted(index = 0): Promise<PeerConnection> {
    const have = this.connections[index];
    if (have) return Promise.resolve(have);
    return new Promise((resolve) => this.#waiters.push({ index, resolve }));
  }

  /** Drops every connection and stops listening. */
  async close(): Promise<void> {
    for (const c of this.connections) c.ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
