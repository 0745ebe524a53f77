import type { Ack, Batch, CollectorMessage, Result, Welcome } from '@skolnet/shared/core';
import { ErrorCodes, ProtocolLimits, uuidv7 } from '@skolnet/shared/core';
import type { StreamEvent, StreamOutbox } from './stream-events.js';
import type { StreamSocket } from './stream-socket.js';

/** Room reserved in a message for the batch envelope around the results, in bytes. */
const BATCH_ENVELOPE_BYTES = 256;

/** How large a batch may be on this connection. */
export interface BatchLimits {
  /** Results per batch. */
  maxResults: number;
  /** Serialised batch, in bytes. */
  maxBytes: number;
}

/** The collector's limits from its `welcome`, never above the protocol's own. */
export function batchLimits(welcome: Welcome): BatchLimits {
  return {
    maxResults: Math.min(welcome.max_batch_results, ProtocolLimits.maxBatchResults),
    maxBytes: Math.min(welcome.max_message_bytes, ProtocolLimits.maxMessageBytes),
  };
}

/** Options of {@link pumpBatches}. */
export interface BatchPumpOptions {
  outbox: StreamOutbox;
  limits: BatchLimits;
  /** Wait for each ack, in ms; the connection ends without one. */
  ackTimeoutMs: number;
  /** The agent stopping: the pump returns after the batch in flight. */
  signal: AbortSignal;
  /** Receives `acked`, `server_error` and `dropped_oversized`. */
  emit: (event: StreamEvent) => void;
  /** Called after each batch the collector settled at least one result of. */
  onSettled?: () => void;
}

/**
 * Streams the outbox over a welcomed connection until it closes or the
 * agent stops: the oldest results as a batch, then its `ack`, which
 * settles in the outbox only the results that batch carried. Rows leave
 * the outbox only when acked, so a lost ack means a resend on the next
 * connection (ingest is idempotent); each row is stored once. When the
 * outbox is empty it waits for an append, not polling.
 *
 * A missing ack, a collector that could not store the batch, or an ack
 * that settles nothing end the connection (the reason is on the socket),
 * so the client's backoff spaces out the next try. An outbox that fails
 * throws.
 */
export async function pumpBatches(socket: StreamSocket, o: BatchPumpOptions): Promise<void> {
  const { maxResults, maxBytes } = o.limits;
  const isOpen = (): boolean => socket.isOpen && !o.signal.aborted;
  while (isOpen()) {
    const rows = o.outbox.peek(maxResults, maxBytes - BATCH_ENVELOPE_BYTES);
    if (rows.length === 0) {
      await appendedOrClosed(o.outbox, o.signal, socket.closed);
      continue;
    }
    const batchId = uuidv7();
    const { text, sent } = encodeBatch(batchId, rows, maxBytes, o);
    if (sent.length === 0) continue; // an oversized single result was dropped; try the next
    socket.send(text);
    const acked = await socket.next(
      (m): m is Ack | Extract<CollectorMessage, { type: 'error' }> =>
        (m.type === 'ack' || m.type === 'error') && m.batch_id === batchId,
      o.ackTimeoutMs,
    );
    if (acked.kind === 'timeout') {
      // The rows stay in the outbox; the next connection sends them again.
      socket.terminate(`no ack for batch ${batchId} in time`);
      break;
    }
    if (acked.kind === 'closed') break;
    if (acked.message.type === 'error') {
      // The collector could not store this batch (a full disk): it stays
      // in the outbox. Waiting out the ack timeout would idle for 30 s;
      // ending the session lets the backoff space out the next try.
      o.emit({
        type: 'server_error',
        code: acked.message.code.slice(0, 64),
        message: acked.message.message.slice(0, 200),
        batch_id: batchId,
      });
      socket.closeFor(
        `the collector could not store batch ${batchId} (${acked.message.code.slice(0, 64)})`,
        1000,
        'batch not stored',
      );
      break;
    }
    // Settle only what this batch carried: an ack cannot delete rows it was never sent.
    const inBatch = new Set(sent.map((r) => r.id));
    const accepted = acked.message.accepted.filter((id) => inBatch.has(id));
    const rejected = acked.message.rejected.filter((r) => inBatch.has(r.id));
    o.outbox.settle(accepted, rejected);
    const unsettled = sent.length - new Set([...accepted, ...rejected.map((r) => r.id)]).size;
    o.emit({
      type: 'acked',
      batch_id: batchId,
      sent: sent.length,
      accepted: accepted.length,
      rejected: rejected.length,
      unsettled,
      outbox_depth: o.outbox.depth(),
    });
    if (unsettled === sent.length) {
      // Resending at once would loop without end; let the backoff space it out.
      socket.closeFor(`ack for batch ${batchId} settled none of its results`, 1002, 'ack settled nothing');
      break;
    }
    o.onSettled?.();
  }
}

/** Serialises a batch that fits `maxBytes`, dropping a lone result that never can. */
function encodeBatch(
  batchId: string,
  rows: Result[],
  maxBytes: number,
  o: BatchPumpOptions,
): { text: string; sent: Result[] } {
  let sent = rows;
  for (;;) {
    const batch: Batch = { type: 'batch', batch_id: batchId, results: sent };
    const report = outboxReport(o.outbox);
    if (report) batch.outbox = report;
    const text = JSON.stringify(batch);
    const bytes = Buffer.byteLength(text);
    if (bytes <= maxBytes) return { text, sent };
    if (sent.length === 1) {
      const only = sent[0]!;
      // The collector would close the connection on it (1009) forever; drop it.
      o.outbox.settle(
        [],
        [
          {
            id: only.id,
            code: ErrorCodes.PROTOCOL_TOO_LARGE,
            message: `result is ${bytes} bytes serialised, over the collector's ${maxBytes}`,
          },
        ],
      );
      o.emit({ type: 'dropped_oversized', id: only.id, bytes });
      return { text: '', sent: [] };
    }
    sent = sent.slice(0, Math.ceil(sent.length / 2));
  }
}

/** What the outbox holds, for the collector's lag metrics; undefined when it cannot say. */
function outboxReport(outbox: StreamOutbox): Batch['outbox'] {
  const stats = outbox.stats?.();
  if (!stats) return undefined;
  // `at` is the agent's RFC 3339 string; normalised so the collector's date-time check accepts it.
  const oldest = stats.oldest_at === null ? undefined : new Date(stats.oldest_at);
  return oldest === undefined || Number.isNaN(oldest.getTime())
    ? { depth: stats.depth }
    : { depth: stats.depth, oldest_at: oldest.toISOString() };
}

/** Resolves on the next append to the outbox, on close or on stop. */
async function appendedOrClosed(
  outbox: StreamOutbox,
  signal: AbortSignal,
  closed: Promise<void>,
): Promise<void> {
  let off: () => void = () => {};
  let onAbort: () => void = () => {};
  const appended = new Promise<void>((resolve) => {
    off = outbox.onAppend(resolve);
    onAbort = resolve;
    signal.addEventListener('abort', onAbort, { once: true });
  });
  await Promise.race([appended, closed]);
  off();
  signal.removeEventListener('abort', onAbort);
}
