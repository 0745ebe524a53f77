import type { ConfigPush, HardwareFingerprint, Welcome } from '@skolnet/shared/core';
import { AGENT_STREAM_PATH, ProtocolLimits, describeError } from '@skolnet/shared/core';
import { collectorEndpoint } from './collector-endpoint.js';
import type { StreamEvent, StreamOutbox, StreamState } from './stream-events.js';
import { batchLimits, pumpBatches } from './batch-pump.js';
import { handlePush, type PushHandlerOptions } from './push-handler.js';
import { streamHandshake } from './stream-handshake.js';
import { DEFAULT_PING_INTERVAL_MS, StreamSocket } from './stream-socket.js';

export type { StreamEvent, StreamOutbox, StreamState } from './stream-events.js';
export { DEFAULT_PING_INTERVAL_MS } from './stream-socket.js';

/** First reconnect delay bound, in ms; full jitter draws from [0, bound). */
export const DEFAULT_BACKOFF_INITIAL_MS = 1_000;
/** Largest reconnect delay, in ms: a minute keeps a thousand offline agents from hammering a recovering collector. */
export const DEFAULT_BACKOFF_MAX_MS = 60_000;
/**
 * A session counts as healthy (resetting the backoff) once welcomed and
 * either acked a batch or stayed up this long, in ms. A collector that
 * welcomes and then drops every connection at once still gets backoff.
 */
export const DEFAULT_HEALTHY_AFTER_MS = 30_000;
/** How long `stop` waits for the collector to answer the close frame, in ms. */
const STOP_GRACE_MS = 2_000;
/** Close code of the collector for a revoked agent (collector `CloseCodes.revoked`). */
export const REVOKED_CLOSE_CODE = 4403;

/** Options of {@link StreamClient}. */
export interface StreamClientOptions {
  /** Base URL of the collector (http or https). */
  collectorUrl: URL | string;
  agentId: string;
  /**
   * Sent in `hello` only. A function is asked on every connection, so a
   * secret rotated by another process (`rotate-secret`) is picked up.
   */
  secret: string | (() => string);
  /** The hardware fingerprint sent in `hello`; asked on every connection, so cache it. */
  fingerprint?: () => Promise<HardwareFingerprint | undefined>;
  /** Called with every `welcome`, before any batch: the collector's word on the agent's school. */
  onWelcome?: (welcome: Welcome) => void;
  /**
   * Stores a new secret durably (atomically) before the client proves it
   * to the collector; a throw leaves the old secret in force.
   */
  onSecret?: (secret: string) => void | Promise<void>;
  /** Asks the collector for a new secret after each welcome (the `rotate-secret` command). */
  rotateSecretOnConnect?: boolean;
  outbox: StreamOutbox;
  agentVersion: string;
  /** Receives state changes and other events, for logging. */
  onEvent?: (event: StreamEvent) => void;
  /**
   * Applies a pushed configuration; a throw makes the ack say `applied: false`
   * with the error message. Without it, pushes are acked as applied.
   */
  onConfig?: (push: ConfigPush) => void | Promise<void>;
  /** Version of the configuration in force, sent in `hello`. */
  configVersion?: () => number | undefined;
  /** Wait for an ack, in ms. Default `ProtocolLimits.ackTimeoutMs`. */
  ackTimeoutMs?: number;
  /** Wait for the upgrade and then for `welcome`, each in ms. Default `ProtocolLimits.helloTimeoutMs`. */
  welcomeTimeoutMs?: number;
  /** Reconnect delays, in ms. */
  backoff?: { initialMs?: number; maxMs?: number };
  /** See {@link DEFAULT_HEALTHY_AFTER_MS}. */
  healthyAfterMs?: number;
  /** See {@link DEFAULT_PING_INTERVAL_MS}. */
  pingIntervalMs?: number;
  /** Uniform random numbers in [0, 1), for jitter; injected for tests. */
  random?: () => number;
}

interface SessionOutcome {
  reason: string;
  healthy: boolean;
  authRejected: boolean;
  revoked: boolean;
}

/**
 * Streams the outbox to the collector over one WebSocket at a time:
 * `hello` → `welcome`, then batches of the oldest results, each settled in
 * the outbox by its `ack`. Unacked rows stay and are resent after a
 * reconnect (ingest is idempotent). Reconnects with capped exponential
 * backoff and full jitter until {@link stop}.
 *
 * This class holds the connection loop and backoff; each connection is a
 * {@link StreamSocket} (frames, `next`, heartbeat), opened by
 * {@link streamHandshake}, fed by {@link pumpBatches}, with what the
 * collector sends on its own going to {@link handlePush}.
 */
export class StreamClient {
  readonly #o: StreamClientOptions;
  readonly #url: URL;
  readonly #random: () => number;
  readonly #push: PushHandlerOptions;
  readonly #stop = new AbortController();
  #state: StreamState = 'disconnected';
  #loop: Promise<void> | undefined;
  #socket: StreamSocket | undefined;

  constructor(options: StreamClientOptions) {
    this.#o = options;
    this.#url = collectorEndpoint(options.collectorUrl, AGENT_STREAM_PATH, { websocket: true });
    this.#random = options.random ?? Math.random;
    this.#push = {
      ...(options.onConfig ? { onConfig: options.onConfig } : {}),
      ...(options.onSecret ? { onSecret: options.onSecret } : {}),
      emit: (event) => this.#emit(event),
    };
  }

  /** The WebSocket URL this client connects to. */
  get url(): string {
    return this.#url.href;
  }

  /** Current connection state. */
  get state(): StreamState {
    return this.#state;
  }

  /** Starts connecting in the background. Calling it twice does nothing. */
  start(): void {
    if (this.#loop || this.#stop.signal.aborted) return;
    this.#loop = this.#run();
  }

  /** Closes the connection cleanly and stops reconnecting. Resolves when everything has ended. */
  async stop(): Promise<void> {
    this.#stop.abort();
    this.#socket?.shutdown(STOP_GRACE_MS);
    await this.#loop;
  }

  #emit(event: StreamEvent): void {
    if (event.type === 'state') this.#state = event.state;
    try {
      this.#o.onEvent?.(event);
    } catch {
      // A logging callback must not break the stream.
    }
  }

  async #run(): Promise<void> {
    const initial = this.#o.backoff?.initialMs ?? DEFAULT_BACKOFF_INITIAL_MS;
    const max = this.#o.backoff?.maxMs ?? DEFAULT_BACKOFF_MAX_MS;
    let failures = 0;
    let attempt = 0;
    while (!this.#stop.signal.aborted) {
      attempt += 1;
      const outcome = await this.#session(attempt);
      if (this.#stop.signal.aborted) {
        this.#emit({ type: 'state', state: 'disconnected', reason: 'stopped' });
        break;
      }
      if (outcome.revoked) {
        // Revocation is final: retrying would only knock on a locked door.
        this.#emit({ type: 'state', state: 'disconnected', reason: outcome.reason });
        break;
      }
      let delay: number;
      if (outcome.authRejected) {
        // Retrying faster will not fix credentials; keep trying slowly in
        // case the collector's database comes back or the agent is re-enrolled.
        delay = max;
        failures = 0;
      } else {
        if (outcome.healthy) failures = 0;
        // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015).
        const bound = Math.min(max, initial * 2 ** Math.min(failures, 30));
        delay = this.#random() * bound;
        failures += 1;
      }
      this.#emit({
        type: 'state',
        state: 'disconnected',
        reason: outcome.reason,
        retry_in_ms: Math.round(delay),
      });
      await sleep(delay, this.#stop.signal);
    }
  }

  /** One connection, from connect to close. Never throws. */
  async #session(attempt: number): Promise<SessionOutcome> {
    const outcome: SessionOutcome = { reason: 'closed', healthy: false, authRejected: false, revoked: false };
    this.#emit({ type: 'state', state: 'connecting', url: this.#url.href, attempt });
    const welcomeTimeoutMs = this.#o.welcomeTimeoutMs ?? ProtocolLimits.helloTimeoutMs;
    // Incoming messages go to the one pending `next` when it wants them;
    // config pushes and errors are handled aside whatever the flow is doing.
    const socket: StreamSocket = new StreamSocket({
      url: this.#url,
      handshakeTimeoutMs: welcomeTimeoutMs,
      onAside: (message) => {
        const verdict = handlePush(socket, message, this.#push);
        if (verdict === 'revoked') outcome.revoked = true;
        else if (verdict === 'auth_rejected') outcome.authRejected = true;
      },
      onInvalid: (code, detail) => this.#emit({ type: 'invalid_message', code, detail }),
      onUpgradeRejected: (status) => {
        if (status === 401 || status === 403) {
          outcome.authRejected = true;
          this.#emit({ type: 'auth_rejected', message: `HTTP ${status} on upgrade` });
        }
      },
      onClose: (code) => {
        if (code === REVOKED_CLOSE_CODE && !outcome.revoked) {
          outcome.revoked = true;
          this.#emit({ type: 'revoked', message: 'the collector closed the connection: agent revoked' });
        }
      },
    });
    this.#socket = socket;

    try {
      const opened = await socket.opened();
      if (!opened || this.#stop.signal.aborted) {
        outcome.reason = socket.closeReason ?? 'could not connect';
        return outcome;
      }

      socket.startHeartbeat(this.#o.pingIntervalMs ?? DEFAULT_PING_INTERVAL_MS);

      const handshake = await streamHandshake(socket, this.#o, welcomeTimeoutMs);
      if (!handshake.ok) {
        outcome.reason = handshake.reason;
        return outcome;
      }
      const welcome = handshake.welcome;
      try {
        this.#o.onWelcome?.(welcome);
      } catch {
        // Keeping the agent's state current is best effort; streaming goes on.
      }
      if (this.#o.rotateSecretOnConnect) socket.send({ type: 'secret_rotate' });
      const welcomedAt = performance.now();
      const healthyAfter = this.#o.healthyAfterMs ?? DEFAULT_HEALTHY_AFTER_MS;
      const limits = batchLimits(welcome);
      this.#emit({
        type: 'state',
        state: 'connected',
        school_id: welcome.school_id,
        max_batch_results: limits.maxResults,
        outbox_depth: this.#o.outbox.depth(),
      });

      await pumpBatches(socket, {
        outbox: this.#o.outbox,
        limits,
        ackTimeoutMs: this.#o.ackTimeoutMs ?? ProtocolLimits.ackTimeoutMs,
        signal: this.#stop.signal,
        emit: (event) => this.#emit(event),
        onSettled: () => (outcome.healthy = true),
      });
      if (performance.now() - welcomedAt >= healthyAfter) outcome.healthy = true;
      if (!socket.isClosed) {
        if (this.#stop.signal.aborted) socket.close(1000, 'agent stopping');
        await socket.closed;
      }
      outcome.reason = socket.closeReason ?? 'closed';
      return outcome;
    } catch (err) {
      // Outbox failures (disk full) end this session; the loop retries with backoff.
      socket.terminate(describeError(err));
      await socket.closed;
      outcome.reason = socket.closeReason ?? 'closed';
      return outcome;
    } finally {
      socket.dispose();
      this.#socket = undefined;
    }
  }
}

/** Builds a {@link StreamClient}; call `start()` to connect. */
export function createStreamClient(options: StreamClientOptions): StreamClient {
  return new StreamClient(options);
}

/** Sleeps `ms`, ending early when `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
