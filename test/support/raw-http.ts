import { connect, type Socket } from 'node:net';

/**
 * Raw HTTP/1.1 over TCP for tests of what a server does with clients that
 * misbehave: bodies that trickle, downloads nobody reads. fetch cannot send
 * a body one byte at a time or stop reading on purpose; a socket can.
 */

/** A raw TCP client: what it received, and whether the server closed it. */
export interface RawClient {
  socket: Socket;
  /** Everything received so far, as latin1 text. */
  received(): string;
  /** Resolves with everything received once the server closes the connection. */
  closed: Promise<string>;
  /** Stops the trickle (if any) and drops the connection. */
  stop(): void;
}

/**
 * Opens a TCP connection to `127.0.0.1:port` from `localAddress`, sends
 * `head` at once, then one byte of body every `intervalMs` (none when
 * `intervalMs` is undefined) until closed.
 */
export async function openRawClient(
  port: number,
  head: string,
  intervalMs: number | undefined,
  localAddress = '127.0.0.1',
): Promise<RawClient> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => (text += chunk));
  socket.on('error', () => undefined);
  const timer =
    intervalMs === undefined
      ? undefined
      : setInterval(() => {
          if (socket.writable) socket.write('x');
        }, intervalMs);
  const closed = new Promise<string>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(text);
    }),
  );
  socket.write(head);
  return {
    socket,
    received: () => text,
    closed,
    stop: () => {
      clearInterval(timer);
      socket.destroy();
    },
  };
}

/** The head of a POST whose body follows (or trickles). */
export const postHead = (path: string, length: number, type = 'application/octet-stream'): string =>
  `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: ${type}\r\ncontent-length: ${length}\r\n\r\n`;

/** The head of a GET. */
export const getHead = (path: string): string => `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`;

/** Rejects after `ms`: a bound on a wait, never a timing assertion. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
    }),
  ]);
}
