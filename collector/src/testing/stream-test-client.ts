import WebSocket from 'ws';
import { PROTOCOL_NAME, type CollectorMessage } from '@skolnet/shared';

/** A test client of the agent stream that queues what the collector sends. */
export interface StreamTestClient {
  ws: WebSocket;
  /** The next message from the collector. */
  next(): Promise<CollectorMessage>;
  /** Resolves with the close code and reason once the connection closes. */
  closed: Promise<{ code: number; reason: string }>;
  /** Sends a string as it is, anything else as JSON. */
  send(value: unknown): void;
}

/** Opens a stream connection; rejects on an error or a refused upgrade. */
export function connectStream(
  url: string,
  protocols: string | string[] = PROTOCOL_NAME,
): Promise<StreamTestClient> {
  const ws = new WebSocket(url, protocols);
  const inbox: CollectorMessage[] = [];
  const waiting: ((m: CollectorMessage) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as CollectorMessage;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString('utf8') }));
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () =>
      resolve({
        ws,
        closed,
        next: () => {
          const queued = inbox.shift();
          return queued ? Promise.resolve(queued) : new Promise((r) => waiting.push(r));
        },
        send: (value) => ws.send(typeof value === 'string' ? value : JSON.stringify(value)),
      }),
    );
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}
