import { compareOids, inSubtree } from './snmp-oids.js';
import { SnmpRequestError, type SnmpSession, type SnmpValue, type SnmpVarbind } from './snmp-session.js';

/** Limits of one walk. */
export interface WalkLimits {
  /** GETBULK max-repetitions to start with. */
  maxRepetitions: number;
  /** Rows (varbinds over all columns) before the walk stops. */
  maxRows: number;
  /** Monotonic deadline (`performance.now()` ms) after which the walk stops. */
  deadline: number;
  /** Aborts the walk between requests. */
  signal?: AbortSignal;
}

/** What a walk returned and why it stopped early, if it did. */
export interface WalkResult {
  /** Values per column root, keyed by the index after the root (`ifDescr.3` → `3`). */
  columns: Map<string, Map<string, SnmpValue>>;
  /** Why the walk ended before every column was complete; absent when it completed. */
  truncated?: 'max_rows' | 'deadline' | 'loop' | 'timeout' | 'error';
  /** Requests sent. */
  requests: number;
}

/**
 * Walks several table columns side by side with GETBULK (RFC 3416 §4.2.3),
 * the way a table is read: each request asks for the next rows of every
 * column still open, so an N-column table costs about rows/repetitions
 * round trips, not N times that.
 *
 * Defensive against broken agents: a column whose next OID does not
 * increase (a looping agent, out-of-order OIDs) is closed; the walk stops at
 * `maxRows` rows and at the deadline; `tooBig` halves the repetitions down to
 * one before giving up. A timeout ends the walk with what it had.
 */
export async function walkColumns(
  session: SnmpSession,
  roots: readonly string[],
  limits: WalkLimits,
): Promise<WalkResult> {
  const columns = new Map<string, Map<string, SnmpValue>>(roots.map((r) => [r, new Map()]));
  // Where each open column continues from.
  const cursor = new Map<string, string>(roots.map((r) => [r, r]));
  let repetitions = Math.max(1, limits.maxRepetitions);
  let rows = 0;
  let requests = 0;
  let sawLoop = false;
  const result = (truncated?: WalkResult['truncated']): WalkResult =>
    truncated ? { columns, truncated, requests } : { columns, requests };

  while (cursor.size > 0) {
    limits.signal?.throwIfAborted();
    if (performance.now() > limits.deadline) return result('deadline');
    const open = [...cursor.keys()];
    // Keep the response near the repetitions × columns the caller asked for.
    const perColumn = Math.max(1, Math.floor(repetitions / Math.max(1, Math.ceil(open.length / 4))));
    let response: SnmpVarbind[][];
    try {
      requests++;
      response = await session.getBulk(
        open.map((r) => cursor.get(r) ?? r),
        perColumn,
      );
    } catch (err) {
      if (err instanceof SnmpRequestError && err.reason === 'too_big' && repetitions > 1) {
        repetitions = Math.max(1, Math.floor(repetitions / 2));
        continue;
      }
      if (err instanceof SnmpRequestError && err.reason === 'timeout') return result('timeout');
      return result('error');
    }
    for (const [i, root] of open.entries()) {
      const list = response[i] ?? [];
      const table = columns.get(root);
      if (!table) continue;
      let from = cursor.get(root) ?? root;
      let closed = list.length === 0;
      for (const vb of list) {
        if (vb.value.kind === 'exception' || !inSubtree(vb.oid, root)) {
          closed = true;
          break;
        }
        if (compareOids(vb.oid, from) <= 0) {
          // RFC 3416 requires each successor to be lexicographically
          // greater; anything else would walk in a circle.
          sawLoop = true;
          closed = true;
          break;
        }
        table.set(vb.oid.slice(root.length + 1), vb.value);
        from = vb.oid;
        if (++rows >= limits.maxRows) return result('max_rows');
      }
      if (closed) cursor.delete(root);
      else cursor.set(root, from);
    }
  }
  return result(sawLoop ? 'loop' : undefined);
}
