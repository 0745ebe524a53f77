import type { FastifyBaseLogger } from 'fastify';
import type { RawData, WebSocket } from 'ws';
import {
  Batch,
  ConfigAck,
  ErrorCodes,
  Hello,
  PROTOCOL_VERSION,
  ProtocolLimits,
  Result,
  createValidator,
  describeError,
  formatIssues,
  type Ack,
  type CollectorMessage,
  type ErrorCode,
  type Rejection,
  type ValidationIssue,
  type Welcome,
} from '@skolnet/shared';
import { matchesHash } from '../security/secrets.js';
import type { AgentRow, Store } from '../storage/store.js';
import type { ConnectedAgents } from './connected-agents.js';
import type { IngestQueue } from './ingest-queue.js';

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
  /** No valid credentials in the first message. */
  unauthorized: 4401,
  /** No hello within `helloTimeoutMs`. */
  helloTimeout: 4408,
} as const;

/** Everything a session needs; passed in so tests and other transports can supply their own. */
export interface AgentSessionDeps {
  store: Store;
  /** Group commit into `store` and the collector-wide budget of messages in hand, shared by all sessions. */
  ingest: IngestQueue;
  connectedAgents: ConnectedAgents;
  log: FastifyBaseLogger;
  helloTimeoutMs: number;
  maxMalformedMessages: number;
  now: () => Date;
}

const helloValidator = createValidator(Hello);
const batchValidator = createValidator(Batch);
const configAckValidator = createValidator(ConfigAck);
const resultValidator = createValidator(Result);

/** Longest id echoed in a rejection (the Rejection schema allows 128). */
const MAX_REJECTION_ID_CHARS = 128;

/**
 * Runs the collector side of one agent connection: hello and
 * authentication, then batches → store → ack. Messages are handled one at
 * a time in arrival order, so acks come back in the order batches came in.
 */
export function startAgentSession(socket: WebSocket, deps: AgentSessionDeps): void {
  const { store, log } = deps;
  let agent: AgentRow | undefined;
  let malformed = 0;
  let unregister: (() => void) | undefined;
  let queue: Promise<void> = Promise.resolve();

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

  socket.on('close', () => {
    clearTimeout(helloTimer);
    unregister?.();
  });

  socket.on('message', (data: RawData, isBinary: boolean) => {
    // Read no more from this agent until the message is handled, and handle
    // it when the collector-wide budget admits it: under overload, batches
    // wait unread in socket buffers instead of parsed in memory.
    socket.pause();
    queue = queue
      .then(() => deps.ingest.admit(messageBytes(data), () => handle(data, isBinary)))
      .catch((err: unknown) => {
        log.error({ err }, 'agent session failed');
        closeWith(CloseCodes.internal, 'internal error');
      })
      .finally(() => socket.resume());
  });

  async function handle(data: RawData, isBinary: boolean): Promise<void> {
    if (socket.readyState !== socket.OPEN) return;
    const parsed = parseMessage(data, isBinary);
    if (agent === undefined) {
      await handleHello(parsed);
      return;
    }
    if (!parsed.ok) {
      malformed += 1;
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
      case 'config_ack':
        // Config push is a later issue; the ack is accepted and noted.
        log.debug({ agent_id: agent.id }, 'config ack');
        return;
    }
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
    const found = await store.findAgent(hello.agent_id);
    // Unknown agent and wrong secret look the same from outside.
    if (found === undefined || !matchesHash(hello.secret, found.secret_hash)) {
      log.info({ agent_id: hello.agent_id }, 'agent hello refused');
      refuse(ErrorCodes.AUTH_UNAUTHORIZED, 'unknown agent or wrong secret');
      return;
    }
    agent = found;
    const now = deps.now();
    unregister = deps.connectedAgents.add({
      agent_id: found.id,
      school_id: found.school_id,
      connected_at: now.toISOString(),
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
    log.info(
      { agent_id: found.id, school_id: found.school_id, outbox_depth: hello.outbox_depth },
      'agent connected',
    );
    await touch(found.id, hello.agent_version);
  }

  async function handleBatch(owner: AgentRow, batch: Batch): Promise<void> {
    const good: Result[] = [];
    const rejected: Rejection[] = [];
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
      if (result.agent_id !== owner.id || result.school_id !== owner.school_id) {
        rejected.push({
          id: idOf(raw),
          code: ErrorCodes.INGEST_RESULT_FOREIGN,
          message: `/results/${index}: result belongs to agent ${result.agent_id} of school ${result.school_id}, not to this connection's agent ${owner.id} of school ${owner.school_id}`,
        });
        return;
      }
      good.push(result);
    });

    try {
      const outcome = await deps.ingest.insert(good);
      log.debug(
        { agent_id: owner.id, batch_id: batch.batch_id, ...outcome, rejected: rejected.length },
        'batch stored',
      );
    } catch (err) {
      // No ack: the agent keeps the batch in its outbox and resends it.
      log.error({ err, agent_id: owner.id, batch_id: batch.batch_id }, 'storing batch failed');
      sendError(
        ErrorCodes.STORE_FAILED,
        'the collector could not store this batch; resend it later',
        batch.batch_id,
      );
      return;
    }
    const ack: Ack = { type: 'ack', batch_id: batch.batch_id, accepted: good.map((r) => r.id), rejected };
    send(ack);
    await touch(owner.id);
  }

  async function touch(agentId: string, agentVersion?: string): Promise<void> {
    try {
      await store.touchAgent(agentId, deps.now(), agentVersion);
    } catch (err) {
      // Last-seen is bookkeeping; failing it must not fail the batch already acked.
      log.warn({ err: describeError(err), agent_id: agentId }, 'could not record agent activity');
    }
  }
}

type Parsed =
  { ok: true; message: Hello | Batch | ConfigAck } | { ok: false; message: string; batchId?: string };

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
