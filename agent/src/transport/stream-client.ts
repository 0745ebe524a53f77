import type {
  CollectorMessage,
  ConfigAck,
  ConfigOffer,
  ConfigPush,
  HardwareFingerprint,
  SecretAck,
  SecretPush,
  Welcome,
} from '@skolnet/shared/core';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  ProtocolLimits,
  SkolnetError,
  configPushValidator,
  describeError,
  formatIssues,
} from '@skolnet/shared/core';
import { collectorEndpoint } from './collector-endpoint.js';
import type { StreamEvent, StreamOutbox, StreamState } from './stream-events.js';
import { batchLimits, pumpBatches } from './batch-pump.js';
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
 */
export class StreamClient {
  readonly #o: StreamClientOptions;
  readonly #url: URL;
  readonly #random: () => number;
  readonly #stop = new AbortController();
  #state: StreamState = 'disconnected';
  #loop: Promise<void> | undefined;
  #socket: StreamSocket | undefined;

  constructor(options: StreamClientOptions) {
    this.#o = options;
    this.#url = collectorEndpoint(options.collectorUrl, AGENT_STREAM_PATH, { websocket: true });
    this.#random = options.random ?? Math.random;
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
      onAside: (message) => this.#handleAside(socket, message, outcome),
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

  /** Handles a message no waiter wanted: config pushes, errors, stray acks. */
  #handleAside(socket: StreamSocket, message: CollectorMessage, outcome: SessionOutcome): void {
    switch (message.type) {
      case 'config':
        void this.#applyConfig(socket, message);
        return;
      case 'secret':
        void this.#storeSecret(socket, message);
        return;
      case 'secret_confirmed':
        this.#emit({ type: 'secret_rotated' });
        return;
      case 'error':
        if (message.code === ErrorCodes.AUTH_REVOKED) {
          outcome.revoked = true;
          this.#emit({ type: 'revoked', message: message.message.slice(0, 200) });
          socket.close(1000, 'agent revoked');
          return;
        }
        if (message.code === ErrorCodes.AUTH_UNAUTHORIZED) {
          outcome.authRejected = true;
          this.#emit({ type: 'auth_rejected', message: message.message.slice(0, 200) });
          socket.close(1000, 'credentials rejected');
          return;
        }
        this.#emit({
          type: 'server_error',
          code: message.code.slice(0, 64),
          message: message.message.slice(0, 200),
          ...(message.batch_id ? { batch_id: message.batch_id } : {}),
        });
        return;
      default:
        this.#emit({
          type: 'invalid_message',
          code: ErrorCodes.PROTOCOL_UNEXPECTED,
          detail: `unexpected ${message.type}${message.type === 'ack' ? ` for batch ${message.batch_id}` : ''}`,
        });
    }
  }

  /**
   * Second half of a rotation on this side: store the new secret (the
   * caller writes it atomically), and only then prove it to the collector,
   * which from then on refuses the old one. A crash before the store keeps
   * the old secret working; a crash after it finds the new one on disk.
   */
  async #storeSecret(socket: StreamSocket, push: SecretPush): Promise<void> {
    try {
      await this.#o.onSecret?.(push.secret);
    } catch (err) {
      this.#emit({ type: 'secret_not_stored', error: describeError(err).slice(0, 200) });
      return;
    }
    if (!this.#o.onSecret) return;
    const ack: SecretAck = { type: 'secret_ack', secret: push.secret };
    socket.sendIfOpen(ack);
  }

  async #applyConfig(socket: StreamSocket, offer: ConfigOffer): Promise<void> {
    const reply: ConfigAck = { type: 'config_ack', version: offer.version, applied: true };
    try {
      // Checked here against the allow-listed schema, so a push with a
      // setting only the local configuration may hold (a program to run)
      // is refused and the refusal, with the path, goes back to the collector.
      const checked = configPushValidator.check(offer);
      if (!checked.ok)
        throw new SkolnetError(
          ErrorCodes.CONFIG_INVALID,
          `configuration version ${offer.version} refused: ${formatIssues(checked.issues)}`,
        );
      await this.#o.onConfig?.(checked.value);
    } catch (err) {
      reply.applied = false;
      reply.error = describeError(err).slice(0, 1024);
    }
    this.#emit({
      type: 'config',
      version: offer.version,
      applied: reply.applied,
      ...(reply.error ? { error: reply.error } : {}),
    });
    socket.sendIfOpen(reply);
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
