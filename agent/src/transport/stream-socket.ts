import WebSocket from 'ws';
import type { RawData } from 'ws';
import type { CollectorMessage } from '@skolnet/shared/core';
import {
  ErrorCodes,
  PROTOCOL_NAME,
  ProtocolLimits,
  collectorMessageValidator,
  describeError,
} from '@skolnet/shared/core';

/**
 * Interval of WebSocket pings, in ms. A connection through a school's NAT
 * can die silently; a missing pong by the next ping ends it. 30 s stays
 * under the 60 s idle timeout common on consumer routers.
 */
export const DEFAULT_PING_INTERVAL_MS = 30_000;

/** How one {@link StreamSocket.next} wait ended. */
export type NextOutcome<T> =
  | { kind: 'message'; message: T }
  /** The connection closed first; `reason` says why, for the log. */
  | { kind: 'closed'; reason: string }
  | { kind: 'timeout' };

/** Options of {@link StreamSocket}. */
export interface StreamSocketOptions {
  /** The collector's stream URL (ws or wss). */
  url: URL;
  /** Bound on the HTTP upgrade, in ms. */
  handshakeTimeoutMs: number;
  /** Receives every valid message no {@link StreamSocket.next} wait wanted: pushes, errors, strays. */
  onAside: (message: CollectorMessage) => void;
  /** A frame that is not a valid collector message; `detail` names paths only, never the content. */
  onInvalid: (code: string, detail: string) => void;
  /** The collector answered the upgrade with an HTTP status instead of switching protocols. */
  onUpgradeRejected?: (status: number) => void;
  /** The close code, as the connection closes (before `closed` settles). */
  onClose?: (code: number) => void;
}

/**
 * One WebSocket connection to the collector, speaking the stream protocol:
 * it validates every incoming frame, hands the next message a caller waits
 * for to {@link next} and everything else to `onAside`, keeps the
 * connection alive with pings, and remembers why it closed.
 */
export class StreamSocket {
  /** Settles when the connection has closed, however it ended. */
  readonly closed: Promise<void>;
  readonly #o: StreamSocketOptions;
  readonly #ws: WebSocket;
  #waiter: { want: (m: CollectorMessage) => boolean; resolve: (m: CollectorMessage) => void } | undefined;
  #closeReason: string | undefined;
  #pinger: NodeJS.Timeout | undefined;
  #alive = true;

  constructor(options: StreamSocketOptions) {
    this.#o = options;
    const ws = new WebSocket(options.url, PROTOCOL_NAME, {
      maxPayload: ProtocolLimits.maxMessageBytes,
      handshakeTimeout: options.handshakeTimeoutMs,
    });
    this.#ws = ws;
    this.closed = new Promise<void>((resolve) => {
      ws.once('close', (code: number, reason: Buffer) => {
        this.#o.onClose?.(code);
        this.#closeReason ??= `connection closed (${code}${reason.length > 0 ? ` ${reason.toString('utf8').slice(0, 120)}` : ''})`;
        resolve();
      });
    });
    ws.on('error', (err: Error) => {
      this.#closeReason ??= describeError(err);
    });
    ws.on('unexpected-response', (_req, res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      this.#closeReason = `collector answered the upgrade with HTTP ${status}`;
      this.#o.onUpgradeRejected?.(status);
      ws.terminate();
    });
    ws.on('pong', () => (this.#alive = true));
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const message = this.#parse(data, isBinary);
      if (!message) return;
      if (this.#waiter?.want(message)) {
        const w = this.#waiter;
        this.#waiter = undefined;
        w.resolve(message);
        return;
      }
      this.#o.onAside(message);
    });
  }

  /** Resolves true once the connection is open, false when it closed before opening. */
  opened(): Promise<boolean> {
    if (this.#ws.readyState === WebSocket.OPEN) return Promise.resolve(true);
    return Promise.race([
      new Promise<boolean>((resolve) => this.#ws.once('open', () => resolve(true))),
      this.closed.then(() => false),
    ]);
  }

  /** Whether messages can be sent now. */
  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  /** Whether the connection has fully closed. */
  get isClosed(): boolean {
    return this.#ws.readyState === WebSocket.CLOSED;
  }

  /** Why the connection ended (or is ending), once anything has said so. */
  get closeReason(): string | undefined {
    return this.#closeReason;
  }

  /**
   * Waits for the next message `want` accepts, for at most `timeoutMs`.
   * Messages it does not accept go to `onAside` meanwhile. Never rejects:
   * a close or the timeout is an outcome, so the caller decides what it
   * means for its flow. One wait at a time.
   */
  async next<T extends CollectorMessage>(
    want: (m: CollectorMessage) => m is T,
    timeoutMs: number,
  ): Promise<NextOutcome<T>> {
    if (this.#waiter) throw new Error('StreamSocket.next: a wait is already pending');
    let timer: NodeJS.Timeout | undefined;
    const got = new Promise<NextOutcome<T>>((resolve) => {
      this.#waiter = { want, resolve: (m) => resolve({ kind: 'message', message: m as T }) };
      timer = setTimeout(() => resolve({ kind: 'timeout' }), timeoutMs);
    });
    const result = await Promise.race([
      got,
      this.closed.then((): NextOutcome<T> => ({ kind: 'closed', reason: this.#closeReason ?? 'closed' })),
    ]);
    clearTimeout(timer);
    this.#waiter = undefined;
    return result;
  }

  /** Sends a message (serialised here) or an already serialised one. */
  send(message: string | object): void {
    this.#ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Sends only while the connection is open; a reply to a closed connection has no one to reach. */
  sendIfOpen(message: object): void {
    if (this.isOpen) this.send(message);
  }

  /**
   * Pings every `intervalMs`; a ping still unanswered at the next one ends
   * the connection as `no pong from the collector`.
   */
  startHeartbeat(intervalMs: number = DEFAULT_PING_INTERVAL_MS): void {
    clearInterval(this.#pinger);
    this.#alive = true;
    this.#pinger = setInterval(() => {
      if (!this.#alive) {
        this.#closeReason = 'no pong from the collector';
        this.#ws.terminate();
        return;
      }
      this.#alive = false;
      this.#ws.ping();
    }, intervalMs);
  }

  /** Closes cleanly with a close frame, when the connection is open. */
  close(code: number, reason: string): void {
    if (this.isOpen) this.#ws.close(code, reason);
  }

  /** Sets why this connection ends and closes it with a close frame. */
  closeFor(why: string, code: number, reason: string): void {
    this.#closeReason = why;
    this.#ws.close(code, reason);
  }

  /** Drops the connection at once; `why` (when given) is the reason it ended. */
  terminate(why?: string): void {
    if (why !== undefined) this.#closeReason = why;
    this.#ws.terminate();
  }

  /**
   * Ends the connection for an agent that stops: a close frame when open
   * (dropped after `graceMs` if the collector never answers it), else at
   * once when still connecting.
   */
  shutdown(graceMs: number): void {
    const ws = this.#ws;
    if (ws.readyState === WebSocket.OPEN) {
      ws.close(1000, 'agent stopping');
      // A collector that never answers the close frame must not hold up shutdown.
      setTimeout(() => ws.terminate(), graceMs).unref();
    } else if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
  }

  /** Stops the heartbeat and the message handling; the session using it has ended. */
  dispose(): void {
    clearInterval(this.#pinger);
    this.#ws.removeAllListeners('message');
  }

  #parse(data: RawData, isBinary: boolean): CollectorMessage | undefined {
    if (isBinary) {
      this.#o.onInvalid(ErrorCodes.PROTOCOL_MALFORMED, 'binary frame');
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(rawToString(data));
    } catch {
      this.#o.onInvalid(ErrorCodes.PROTOCOL_MALFORMED, 'not JSON');
      return undefined;
    }
    const v = collectorMessageValidator.check(value, 3);
    if (!v.ok) {
      // Paths only: the content may be anything and does not belong in a log.
      const type =
        typeof (value as { type?: unknown } | null)?.type === 'string'
          ? (value as { type: string }).type
          : '?';
      this.#o.onInvalid(
        ErrorCodes.PROTOCOL_MALFORMED,
        `type ${JSON.stringify(type.slice(0, 32))} at ${v.issues.map((i) => i.path).join(', ')}`,
      );
      return undefined;
    }
    return v.value;
  }
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
