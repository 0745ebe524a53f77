import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import {
  Batch,
  ConfigAck,
  ErrorCodes,
  AgentCapabilities,
  Hello,
  PROTOCOL_VERSION,
  ProtocolLimits,
  Result,
  SecretAck,
  SecretRotate,
  createValidator,
  describeError,
  formatIssues,
  type Ack,
  type CollectorMessage,
  type ConfigPush,
  type ErrorCode,
  type HardwareFingerprint,
  type Rejection,
  type ValidationIssue,
  type Welcome,
} from '@skolnet/shared';
import { submitCommitted, type ResultSink } from '../export/influx-sink.js';
import type { CollectorMetrics } from '../metrics/collector-metrics.js';
import type { AgentConfigStore, AgentRow, AgentStore } from '../storage/store.js';
import type { AgentNotice, ConnectedAgents } from './connected-agents.js';
import type { IngestQueue } from './ingest-queue.js';
import { checkOutboxReport } from './outbox-report.js';
import { checkResultTime, type AgentClocks, type ResultClockLimits } from './result-clock.js';

/**
 * WebSocket close codes of the agent stream. 4000-4999 are for
 * applications (RFC 6455 §7.4.2); ours mirror the HTTP status they mean.
 */
export const CloseCodes = {
  /** Policy violation (RFC 6455): too many malformed messages. */
  policy: 1008,
  /** Unexpected server condition (RFC 6455). */
  internal: 1011,
  /** Hello asked for a protocol version this collector does not speak. */
  badVersion: 4400,
  /**
   * The agent's record changed (it was moved to another school): reconnect,
   * and the next welcome says what changed.
   */
  reconnect: 4000,
  /** No valid credentials in the first message. */
  unauthorized: 4401,
  /** The agent was revoked; it must not reconnect. */
  revoked: 4403,
  /** No hello within `helloTimeoutMs`. */
  helloTimeout: 4408,
} as const;

/** Everything a session needs; passed in so tests and other transports can supply their own. */
export interface AgentSessionDeps {
  store: AgentStore & AgentConfigStore;
  /** Group commit into `store` and the collector-wide budget of messages in hand, shared by all sessions. */
  ingest: IngestQueue;
  connectedAgents: ConnectedAgents;
  log: FastifyBaseLogger;
  helloTimeoutMs: number;
  maxMalformedMessages: number;
  /**
   * Ping interval of an authenticated stream, in ms; a stream silent for a
   * whole interval after a ping is closed. Omitted: no heartbeat.
   */
  heartbeatIntervalMs?: number;
  /** Limits on a result's `at` against `now`; unchecked when omitted. */
  resultClock?: ResultClockLimits;
  /** Where agents with a badly wrong clock are flagged. */
  agentClocks?: AgentClocks;
  now: () => Date;
  /** Ingest counters and the agents' outbox reports. */
  metrics?: CollectorMetrics;
  /** Export of committed results (InfluxDB); fed after the store commit, never awaited. */
  sink?: ResultSink;
}

/** A running session, as the shutdown sees it. */
export interface AgentSession {
  /**
   * Lets the batch being stored finish and be acknowledged, skips messages
   * not yet started (never acked, so the agent resends them), then closes
   * with 1001 "going away".
   */
  drain(): Promise<void>;
}

/** The live sessions of one app, for a graceful shutdown. */
export interface AgentSessions {
  /** Registers a session; call the returned function when its socket closes. */
  add(session: AgentSession): () => void;
  /** Drains every session, waiting at most `timeoutMs`; resolves with how many had not finished. */
  drainAll(timeoutMs: number): Promise<{ sessions: number; unfinished: number }>;
}

/** Creates an empty {@link AgentSessions} registry. */
export function createAgentSessions(): AgentSessions {
  const live = new Set<AgentSession>();
  return {
    add(session) {
      live.add(session);
      return () => {
        live.delete(session);
      };
    },
    async drainAll(timeoutMs) {
      const sessions = [...live];
      let finished = 0;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(sessions.map((s) => s.drain().then(() => (finished += 1)))),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      return { sessions: sessions.length, unfinished: sessions.length - finished };
    },
  };
}

/** Least time between two last-seen updates of one connected agent, in ms. */
const TOUCH_INTERVAL_MS = 60_000;

const helloValidator = createValidator(Hello);
const batchValidator = createValidator(Batch);
const configAckValidator = createValidator(ConfigAck);

/**
 * A rotation the agent did not ask for itself is not restarted while its
 * pending secret is younger than this, in ms: the agent may have stored
 * that secret already (and lost the connection before proving it), and
 * replacing it would lock the agent out. Ten minutes covers a reconnect
 * with full backoff several times over.
 */
export const PENDING_SECRET_KEEP_MS = 10 * 60_000;
const secretRotateValidator = createValidator(SecretRotate);
const secretAckValidator = createValidator(SecretAck);
const resultValidator = createValidator(Result);

/** Longest id echoed in a rejection (the Rejection schema allows 128). */
const MAX_REJECTION_ID_CHARS = 128;

/**
 * Runs the collector side of one agent connection: hello and
 * authentication, then batches → store → ack. Messages are handled one at
 * a time in arrival order, so acks come back in the order batches came in.
 */
export function startAgentSession(socket: WebSocket, deps: AgentSessionDeps): AgentSession {
  const { store, log, metrics } = deps;
  let agent: AgentRow | undefined;
  /** Set from the hello: whether the agent's pushed schema takes the `campaign` key. */
  let understandsCampaign = false;
  let malformed = 0;
  let unregister: (() => void) | undefined;
  let queue: Promise<void> = Promise.resolve();
  let draining = false;
  /** When this session last recorded the agent's activity (`performance.now()`). */
  let lastTouchAt = -Infinity;
  const outbox = metrics?.openOutboxReporter();
  const opened = performance.now();
  /** Set by a pong or any message; cleared by each ping. */
  let heard = true;
  /** Messages read and not yet handled: the socket is paused meanwhile, so a pong may wait unread. */
  let inHand = 0;
  let heartbeat: NodeJS.Timeout | undefined;
  const totals = { batches: 0, stored: 0, rejected: 0 };
  /** Whether this connection's first impossible outbox report was logged. */
  let outboxRefusalLogged = false;

  const send = (message: CollectorMessage): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const sendError = (code: ErrorCode, message: string, batchId?: string): void => {
    send(
      batchId === undefined
        ? { type: 'error', code, message }
        : { type: 'error', code, message, batch_id: batchId },
    );
  };
  const closeWith = (closeCode: number, reason: string): void => {
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING)
      socket.close(closeCode, reason);
  };

  const helloTimer = setTimeout(() => {
    sendError(ErrorCodes.PROTOCOL_UNEXPECTED, `no hello within ${deps.helloTimeoutMs} ms`);
    closeWith(CloseCodes.helloTimeout, 'hello timeout');
  }, deps.helloTimeoutMs);

  socket.on('pong', () => {
    heard = true;
  });

  /**
   * Pings the authenticated agent every interval and closes the stream when
   * nothing (no pong, no message) came back since the previous ping: a
   * machine switched off or cut from the network mid-stream sends no FIN,
   * and its connection would otherwise count as connected until the
   * kernel's keep-alive gives up (hours).
   */
  const startHeartbeat = (agentId: string): void => {
    const intervalMs = deps.heartbeatIntervalMs;
    if (intervalMs === undefined) return;
    heartbeat = setInterval(() => {
      // A message waiting for the store keeps the socket paused: its
      // pongs sit unread, and the wait is ours, not the agent's.
      if (inHand > 0) heard = true;
      if (!heard) {
        metrics?.ingest.heartbeatTimeouts.inc();
        log.info(
          { agent_id: agentId, interval_ms: intervalMs },
          'agent stopped answering pings; stream closed',
        );
        clearInterval(heartbeat);
        socket.terminate();
        return;
      }
      heard = false;
      if (socket.readyState === socket.OPEN) socket.ping();
    }, intervalMs);
  };

  socket.on('close', (code: number) => {
    clearTimeout(helloTimer);
    clearInterval(heartbeat);
    unregister?.();
    outbox?.close();
    if (agent !== undefined) {
      log.info(
        { agent_id: agent.id, code, duration_ms: Math.round(performance.now() - opened), ...totals },
        'agent disconnected',
      );
    }
  });

  // Messages and administrators' notices run one at a time in arrival order.
  const enqueue = (work: () => Promise<void>): void => {
    queue = queue.then(work).catch((err: unknown) => {
      log.error({ err }, 'agent session failed');
      closeWith(CloseCodes.internal, 'internal error');
    });
  };

  socket.on('message', (data: RawData, isBinary: boolean) => {
    // Once draining, new messages are left unanswered: no ack, so the agent resends them.
    if (draining) return;
    heard = true;
    // Read no more from this agent until the message is handled, and handle
    // it when the collector-wide budget admits it: under overload, batches
    // wait unread in socket buffers instead of parsed in memory.
    socket.pause();
    inHand += 1;
    enqueue(() =>
      deps.ingest
        .admit(messageBytes(data), () => handle(data, isBinary))
        .finally(() => {
          inHand -= 1;
          heard = true;
          socket.resume();
        }),
    );
  });

  async function handle(data: RawData, isBinary: boolean): Promise<void> {
    if (socket.readyState !== socket.OPEN || draining) return;
    const parsed = parseMessage(data, isBinary);
    if (agent === undefined) {
      await handleHello(parsed);
      return;
    }
    if (!parsed.ok) {
      malformed += 1;
      metrics?.ingest.malformed.inc();
      sendError(ErrorCodes.PROTOCOL_MALFORMED, parsed.message, parsed.batchId);
      if (malformed >= deps.maxMalformedMessages) {
        closeWith(CloseCodes.policy, 'too many malformed messages');
      }
      return;
    }
    switch (parsed.message.type) {
      case 'batch':
        await handleBatch(agent, parsed.message);
        return;
      case 'hello':
        sendError(ErrorCodes.PROTOCOL_UNEXPECTED, 'already authenticated; hello is only the first message');
        return;
      case 'config_ack': {
        const ack = parsed.message;
        await store.recordConfigAck(agent.id, ack, deps.now());
        if (ack.applied)
          log.info({ agent_id: agent.id, version: ack.version }, 'agent applied configuration');
        else
          log.warn(
            { agent_id: agent.id, version: ack.version, error: ack.error },
            'agent could not apply configuration',
          );
        return;
      }
      case 'secret_rotate':
        // The agent asks for itself: whatever was pending, it never stored it.
        await pushNewSecret(agent.id, 'agent asked', false);
        return;
      case 'secret_ack':
        await confirmSecret(agent.id, parsed.message.secret);
        return;
    }
  }

  async function handleNotice(notice: AgentNotice): Promise<void> {
    if (agent === undefined || socket.readyState !== socket.OPEN) return;
    switch (notice.type) {
      case 'revoked':
        sendError(
          ErrorCodes.AUTH_REVOKED,
          'this agent was revoked by an administrator; enroll it again with a new code',
        );
        closeWith(CloseCodes.revoked, 'agent revoked');
        return;
      case 'moved':
        closeWith(CloseCodes.reconnect, 'agent moved to another school; reconnect');
        return;
      case 'config':
        sendConfig(notice.version, notice.config);
        return;
      case 'rotate_secret':
        await pushNewSecret(agent.id, 'administrator asked');
        return;
    }
  }

  /** Phase one of a rotation: a pending secret, sent to the agent; the old one still works. */
  async function pushNewSecret(agentId: string, why: string, keepYoungPending = true): Promise<void> {
    const secret = await store.beginSecretRotation(
      agentId,
      deps.now(),
      keepYoungPending ? PENDING_SECRET_KEEP_MS : undefined,
    );
    if (secret === undefined) return;
    send({ type: 'secret', secret });
    log.info({ agent_id: agentId, why }, 'secret rotation started');
  }

  /** Phase two: the agent stored the new secret and proves it; the old one stops working. */
  async function confirmSecret(agentId: string, secret: string): Promise<void> {
    const auth = await store.authenticateAgent(agentId, secret, deps.now());
    if (!auth.ok) {
      sendError(
        ErrorCodes.PROTOCOL_UNEXPECTED,
        'secret_ack carries neither the pending nor the current secret',
      );
      return;
    }
    if (auth.rotated) log.info({ agent_id: agentId }, 'secret rotation completed');
    send({ type: 'secret_confirmed' });
  }

  async function handleHello(parsed: Parsed): Promise<void> {
    clearTimeout(helloTimer);
    const refuse = (code: ErrorCode, message: string, closeCode: number = CloseCodes.unauthorized): void => {
      sendError(code, message);
      closeWith(closeCode, message.slice(0, 100));
    };
    if (!parsed.ok || parsed.message.type !== 'hello') {
      refuse(ErrorCodes.AUTH_UNAUTHORIZED, 'the first message must be a valid hello');
      return;
    }
    const hello = parsed.message;
    if (hello.protocol !== PROTOCOL_VERSION) {
      refuse(
        ErrorCodes.PROTOCOL_VERSION,
        `protocol ${hello.protocol} not supported; this collector speaks ${PROTOCOL_VERSION}`,
        CloseCodes.badVersion,
      );
      return;
    }
    const now = deps.now();
    const auth = await store.authenticateAgent(hello.agent_id, hello.secret, now);
    if (!auth.ok && auth.reason === 'revoked') {
      log.info({ agent_id: hello.agent_id }, 'revoked agent refused');
      refuse(
        ErrorCodes.AUTH_REVOKED,
        'this agent was revoked by an administrator; enroll it again with a new code',
        CloseCodes.revoked,
      );
      return;
    }
    // Unknown agent and wrong secret look the same from outside.
    if (!auth.ok) {
      log.info({ agent_id: hello.agent_id }, 'agent hello refused');
      refuse(ErrorCodes.AUTH_UNAUTHORIZED, 'unknown agent or wrong secret');
      return;
    }
    const found = auth.agent;
    agent = found;
    if (auth.rotated) log.info({ agent_id: found.id }, 'secret rotation completed');
    understandsCampaign = hello.capabilities?.includes(AgentCapabilities.campaign) ?? false;
    unregister = deps.connectedAgents.add({
      agent_id: found.id,
      school_id: found.school_id,
      connected_at: now.toISOString(),
      campaign_unsupported: !understandsCampaign,
      notify: (notice) => enqueue(() => handleNotice(notice)),
    });
    const welcome: Welcome = {
      type: 'welcome',
      agent_id: found.id,
      school_id: found.school_id,
      server_time: now.toISOString(),
      max_batch_results: ProtocolLimits.maxBatchResults,
      max_message_bytes: ProtocolLimits.maxMessageBytes,
    };
    send(welcome);
    startHeartbeat(found.id);
    if (hello.outbox_depth !== undefined) {
      outbox?.report(hello.outbox_depth, undefined);
      deps.connectedAgents.reportOutbox(found.id, {
        depth: hello.outbox_depth,
        oldest_at: null,
        reported_at: now.toISOString(),
      });
    }
    log.info(
      { agent_id: found.id, school_id: found.school_id, outbox_depth: hello.outbox_depth },
      'agent connected',
    );
    await touch(found.id, hello.agent_version);
    if (hello.fingerprint !== undefined) await recordFingerprint(found, hello.fingerprint);
    // An agent that was offline when its configuration changed gets it now.
    if (found.config_json !== null && (hello.config_version ?? 0) < found.config_version) {
      sendConfig(found.config_version, JSON.parse(found.config_json) as ConfigPush['config']);
    }
    if (found.rotation_requested_at !== null) await pushNewSecret(found.id, 'administrator asked');
  }

  /**
   * Pushes a configuration, without the `campaign` key to an agent that did
   * not announce it understands it: such an agent refuses the whole push
   * and keeps its old configuration, so it still gets the campaign's data
   * budget and probes, and the gap is logged for the campaign page.
   */
  function sendConfig(version: number, config: ConfigPush['config']): void {
    if (config.campaign !== undefined && !understandsCampaign) {
      const { campaign, ...rest } = config;
      log.warn(
        { agent_id: agent?.id, school_id: agent?.school_id, campaign_id: campaign.id },
        'agent too old for campaign scheduling; pushed the campaign settings without the campaign marker',
      );
      send({ type: 'config', version, config: rest });
      return;
    }
    send({ type: 'config', version, config });
  }

  async function recordFingerprint(owner: AgentRow, fingerprint: HardwareFingerprint): Promise<void> {
    try {
      const record = await store.recordFingerprint(owner.id, fingerprint, deps.now());
      // Flagged, never refused: results from a cloned machine are still real measurements.
      if (record.new_fingerprint && record.flags.length > 0) {
        log.warn(
          {
            agent_id: owner.id,
            school_id: owner.school_id,
            flags: record.flags,
            shares_hardware_with: record.shares_hardware_with,
          },
          'agent flagged as a possible clone',
        );
      }
    } catch (err) {
      log.warn({ err: describeError(err), agent_id: owner.id }, 'could not record the hardware fingerprint');
    }
  }

  async function handleBatch(connected: AgentRow, batch: Batch): Promise<void> {
    // Read afresh: an administrator may have moved or revoked the agent
    // since its hello, and the batch must follow the record as it is now.
    const owner = (await store.findAgent(connected.id)) ?? connected;
    if (owner.revoked_at !== null) {
      await handleNotice({ type: 'revoked' });
      return;
    }
    const good: Result[] = [];
    const rejected: Rejection[] = [];
    const now = deps.now();
    const flaggedBefore = deps.agentClocks?.get(owner.id, now) !== undefined;
    batch.results.forEach((raw, index) => {
      const checked = resultValidator.check(raw);
      if (!checked.ok) {
        rejected.push({
          id: idOf(raw),
          code: ErrorCodes.INGEST_RESULT_INVALID,
          message: formatIssues(prefixIssues(checked.issues, `/results/${index}`)),
        });
        return;
      }
      const result = checked.value;
      const attributed = attributeResult(result, owner);
      if (attributed === undefined) {
        rejected.push({
          id: idOf(raw),
          code: ErrorCodes.INGEST_RESULT_FOREIGN,
          message: `/results/${index}: result belongs to agent ${result.agent_id} of school ${result.school_id}, not to this connection's agent ${owner.id} of school ${owner.school_id}`,
        });
        return;
      }
      const misdated =
        deps.resultClock === undefined ? undefined : checkResultTime(result.at, now, deps.resultClock);
      if (misdated !== undefined) {
        // Rejected for good (the agent keeps it aside): a result from a
        // wrong clock cannot be placed in time, and accepted it would count
        // as the latest and enter scores until its date came.
        rejected.push({
          id: result.id,
          code: ErrorCodes.INGEST_RESULT_INVALID,
          message: `/results/${index}/at: ${misdated.message}`,
        });
        metrics?.ingest.clockRejected.inc({ reason: misdated.reason });
        deps.agentClocks?.record(owner.id, misdated, now);
        return;
      }
      good.push(attributed);
    });
    // Once per episode, not per batch: the counter has the volume.
    const clock = flaggedBefore ? undefined : deps.agentClocks?.get(owner.id, now);
    if (clock !== undefined) {
      log.warn(
        { agent_id: owner.id, school_id: owner.school_id, reason: clock.reason, offset_ms: clock.offset_ms },
        'agent sent results with a wrong date; its clock is off',
      );
    }

    if (batch.outbox !== undefined) {
      const report = checkOutboxReport(batch.outbox, now, deps.resultClock);
      if (report.ok) {
        outbox?.report(report.depth, report.oldest);
        deps.connectedAgents.reportOutbox(owner.id, {
          depth: report.depth,
          oldest_at: report.oldest?.toISOString() ?? null,
          reported_at: now.toISOString(),
        });
      } else {
        // Left out of the fleet-wide gauges; counted, and logged once per
        // connection with the agent it came from.
        metrics?.ingest.outboxReportsRefused.inc({ reason: report.reason });
        if (!outboxRefusalLogged) {
          outboxRefusalLogged = true;
          log.warn(
            {
              agent_id: owner.id,
              school_id: owner.school_id,
              reason: report.reason,
              depth: batch.outbox.depth,
              oldest_at: batch.outbox.oldest_at,
            },
            'agent reported an impossible outbox; left out of the outbox gauges',
          );
        }
      }
    }
    for (const r of rejected) metrics?.ingest.rejected.inc({ code: r.code });
    const started = performance.now();
    try {
      const outcome = await deps.ingest.insert(good);
      const seconds = (performance.now() - started) / 1000;
      // Committed: only now may the export see these results. A group
      // transaction mixes batches, so whether this batch held anything new
      // is known for the group only: a resent batch stored beside new ones
      // may be exported again (InfluxDB overwrites the same point). The
      // new/duplicate counters are kept by the queue (onCommitted).
      submitCommitted(deps.sink, good, outcome.group);
      metrics?.ingest.batchStoreSeconds.observe(seconds);
      metrics?.ingest.batches.inc();
      totals.batches += 1;
      totals.stored += outcome.stored;
      totals.rejected += rejected.length;
      log.debug(
        {
          agent_id: owner.id,
          batch_id: batch.batch_id,
          stored: outcome.stored,
          rejected: rejected.length,
          group_batches: outcome.group_batches,
          group_inserted: outcome.group.inserted,
          group_duplicates: outcome.group.duplicates,
          store_ms: Math.round(seconds * 1000),
        },
        'batch stored',
      );
    } catch (err) {
      metrics?.ingest.storeErrors.inc();
      // No ack: the agent keeps the batch in its outbox and resends it.
      // The cause is logged once per episode by the store's health
      // (runtime/store-health.ts), not once per batch of every agent.
      log.debug(
        { err: describeError(err), agent_id: owner.id, batch_id: batch.batch_id, results: good.length },
        'storing batch failed',
      );
      sendError(
        ErrorCodes.STORE_FAILED,
        'the collector could not store this batch; resend it later',
        batch.batch_id,
      );
      return;
    }
    const ack: Ack = { type: 'ack', batch_id: batch.batch_id, accepted: good.map((r) => r.id), rejected };
    send(ack);
    // Last-seen is kept to the minute, not per batch: with 20,000 agents a
    // write transaction (and a disk sync) per batch would cost more than
    // the results themselves.
    if (performance.now() - lastTouchAt >= TOUCH_INTERVAL_MS) await touch(owner.id);
  }

  return {
    async drain() {
      draining = true;
      clearTimeout(helloTimer);
      clearInterval(heartbeat);
      await queue;
      closeWith(1001, 'collector shutting down');
    },
  };

  async function touch(agentId: string, agentVersion?: string): Promise<void> {
    lastTouchAt = performance.now();
    try {
      await store.touchAgent(agentId, deps.now(), agentVersion);
    } catch (err) {
      // Last-seen is bookkeeping; failing it must not fail the batch already acked.
      log.warn({ err: describeError(err), agent_id: agentId }, 'could not record agent activity');
    }
  }
}

/**
 * Which school a result of a moved agent belongs to. Results queued in the
 * agent's outbox still carry the previous school: those measured before
 * the move stay with it, those measured from the move on (the agent had
 * not yet heard of the move) go to the new school. Undefined for a result
 * of another agent or of a school the agent does not belong to.
 */
export function attributeResult(result: Result, owner: AgentRow): Result | undefined {
  if (result.agent_id !== owner.id) return undefined;
  if (result.school_id === owner.school_id) return result;
  if (
    owner.previous_school_id !== null &&
    owner.moved_at !== null &&
    result.school_id === owner.previous_school_id
  ) {
    return Date.parse(result.at) < Date.parse(owner.moved_at)
      ? result
      : { ...result, school_id: owner.school_id };
  }
  return undefined;
}

type Parsed =
  | { ok: true; message: Hello | Batch | ConfigAck | SecretRotate | SecretAck }
  | { ok: false; message: string; batchId?: string };

function parseMessage(data: RawData, isBinary: boolean): Parsed {
  if (isBinary) return { ok: false, message: 'binary messages are not part of the protocol; send JSON text' };
  const text = Array.isArray(data)
    ? Buffer.concat(data).toString('utf8')
    : Buffer.from(data as Buffer).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, message: 'message is not valid JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: 'message must be a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  const validator =
    type === 'hello'
      ? helloValidator
      : type === 'batch'
        ? batchValidator
        : type === 'config_ack'
          ? configAckValidator
          : type === 'secret_rotate'
            ? secretRotateValidator
            : type === 'secret_ack'
              ? secretAckValidator
              : undefined;
  if (validator === undefined) {
    return { ok: false, message: `unknown message type ${JSON.stringify(type ?? null).slice(0, 40)}` };
  }
  const checked = validator.check(value);
  if (checked.ok) return { ok: true, message: checked.value };
  const batchId = (value as { batch_id?: unknown }).batch_id;
  const validBatchId =
    typeof batchId === 'string' && batchId.length > 0 && batchId.length <= 64 ? batchId : undefined;
  return {
    ok: false,
    message: `${String(type)} message is malformed: ${formatIssues(checked.issues)}`,
    ...(validBatchId === undefined ? {} : { batchId: validBatchId }),
  };
}

function messageBytes(data: RawData): number {
  return Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
}

function idOf(raw: unknown): string {
  const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id.slice(0, MAX_REJECTION_ID_CHARS) : '';
}

function prefixIssues(issues: ValidationIssue[], prefix: string): ValidationIssue[] {
  return issues.map((i) => ({ ...i, path: i.path === '/' ? prefix : `${prefix}${i.path}` }));
}
