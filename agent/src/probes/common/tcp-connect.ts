import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** How one TCP connection attempt went. */
export type TcpConnectOutcome =
  /** The handshake completed: one round trip, SYN to SYN-ACK. */
  | { ok: true; rtt_ms: number; refused: boolean }
  /** No answer within the time limit, or a local error. */
  | { ok: false; error: string };

/**
 * Times one TCP handshake to `host:port`, in ms: SYN out, SYN-ACK (or RST)
 * back, which is one network round trip plus the peer's kernel, without
 * ICMP. A refusal (RST) answers as fast as an accept, so it counts as a
 * round trip too (`refused: true`): a gateway with no open port still
 * shows its RTT. The connection is closed at once, before any data.
 */
export function tcpConnectTime(
  host: string,
  port: number,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<TcpConnectOutcome> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let settled = false;
    const started = performance.now();
    const done = (outcome: TcpConnectOutcome): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(outcome);
    };
    const onAbort = (): void => done({ ok: false, error: 'aborted' });
    const timer = setTimeout(() => done({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => done({ ok: true, rtt_ms: performance.now() - started, refused: false }));
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') done({ ok: true, rtt_ms: performance.now() - started, refused: true });
      else done({ ok: false, error: err.code ?? err.message });
    });
    socket.connect({ host, port, noDelay: true });
  });
}

/**
 * Samples {@link tcpConnectTime} every `intervalMs` until `signal` aborts;
 * resolves with the round trips that were answered, in ms. Used while a
 * transfer saturates the line, so the samples show the queue the transfer
 * builds (bufferbloat).
 */
export async function sampleTcpRtt(
  host: string,
  port: number,
  intervalMs: number,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<number[]> {
  const samples: number[] = [];
  while (!signal.aborted) {
    const started = performance.now();
    const outcome = await tcpConnectTime(host, port, timeoutMs, signal);
    if (outcome.ok && !signal.aborted) samples.push(outcome.rtt_ms);
    const wait = intervalMs - (performance.now() - started);
    if (wait > 0 && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(finish, wait);
        function finish(): void {
          clearTimeout(t);
          signal.removeEventListener('abort', finish);
          resolve();
        }
        signal.addEventListener('abort', finish, { once: true });
      });
    }
  }
  return samples;
}

/** The TCP port a URL connects to (its explicit port, or the scheme's default). */
export function urlPort(url: URL): number {
  if (url.port !== '') return Number(url.port);
  return url.protocol === 'https:' || url.protocol === 'wss:' ? 443 : 80;
}
