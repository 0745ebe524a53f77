import { HttpError, InfluxDB, Point, type WriteApi } from '@influxdata/influxdb-client';
import { describeError, ErrorCodes, SkolnetError, type Result } from '@skolnet/shared';
import type { ExportMetrics } from '../metrics/collector-metrics.js';
import type { Store } from '../storage/store.js';

/**
 * Export of stored results to InfluxDB (or anything that speaks its
 * `/api/v2/write` line protocol, such as VictoriaMetrics), for Grafana.
 *
 * The store stays the source of truth; the export is best effort beside
 * it. Its only input is stored results: measurements of networks and
 * hosts. Pupil-support records and other personal data never pass through
 * here, and no code path reads them.
 *
 * Ingest hands committed results to {@link ResultSink.submit}, which only
 * appends to a bounded in-memory buffer and returns: a slow or failing
 * database never slows or fails ingest. One background loop writes the
 * buffer in batches, one request at a time, retrying with capped
 * exponential backoff; when the buffer is full the oldest points are
 * dropped and counted.
 */

/** Where an agent belongs, for the point's tags. */
export interface AgentIdentity {
  school_id: string;
  municipality: string;
  /** The agent's role (school server, lab PC, …); the tag is left out when undefined. */
  role?: string;
}

/** Finds an agent's school, municipality and role; undefined for an unknown agent. */
export type AgentLookup = (agentId: string) => Promise<AgentIdentity | undefined>;

/** Takes results that were committed to the store. */
export interface ResultSink {
  /** Queues committed results for export; never blocks, never throws. */
  submit(results: readonly Result[]): void;
  /** Writes what it can within the close timeout, drops (and counts) the rest, stops. */
  close(): Promise<void>;
}

/** The logger the sink writes to (fastify's pino logger fits). */
export interface SinkLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Options of {@link createInfluxSink}. */
export interface InfluxSinkOptions {
  /** Base URL of the database, e.g. `http://influx:8086`. */
  url: string;
  org: string;
  bucket: string;
  /** API token; sent as `Authorization: Token …`, never logged. */
  token: string;
  lookup: AgentLookup;
  metrics: ExportMetrics;
  log: SinkLogger;
  /** Points per write request. Default 1000: InfluxDB's own client default. */
  batchSize?: number;
  /** Longest a point waits for its batch to fill, in ms. Default 1000. */
  flushIntervalMs?: number;
  /**
   * Most points held while the database is slow or down; beyond it the
   * oldest are dropped. Default 50,000 (about 50 MB at ~1 KB a result):
   * a couple of minutes of a national fleet's results.
   */
  maxBufferedPoints?: number;
  /** First retry delay, in ms (doubled per failure, full jitter). Default 1000. */
  retryInitialMs?: number;
  /** Longest retry delay, in ms. Default 30,000. */
  retryMaxMs?: number;
  /** Timeout of one write request, in ms. Default 10,000. */
  timeoutMs?: number;
  /** How long {@link ResultSink.close} keeps writing, in ms. Default 5000. */
  closeTimeoutMs?: number;
  /** Least time between two error log lines, in ms; the ones between are counted. Default 60,000. */
  logIntervalMs?: number;
  /** Agents whose identity is cached. Default 20,000: one national fleet. */
  lookupCacheSize?: number;
  /** How long a cached identity is used, in ms. Default 300,000 (a moved agent shows within 5 min). */
  lookupTtlMs?: number;
  /** Uniform random numbers in [0, 1), for jitter. */
  random?: () => number;
}

/**
 * Hands a committed batch to the sink, if there is one. A batch whose
 * results were all stored before (a resend after a lost ack) is not
 * exported again. In a batch that is partly new every result is exported:
 * the store does not say which ones were new, and InfluxDB overwrites a
 * point with the same series and timestamp, so the repeat changes nothing.
 */
export function submitCommitted(
  sink: ResultSink | undefined,
  results: readonly Result[],
  outcome: { inserted: number },
): void {
  if (sink !== undefined && outcome.inserted > 0) sink.submit(results);
}

/** Where and how to export: everything of {@link InfluxSinkOptions} but the collaborators. */
export type InfluxExportConfig = Omit<InfluxSinkOptions, 'lookup' | 'metrics' | 'log' | 'random'>;

/** Tags the collector sets on every point; a result tag of the same name is replaced. */
export const IDENTITY_TAGS = ['school', 'municipality', 'agent', 'role'] as const;

/**
 * Turns one stored result into a line-protocol point: the measurement and
 * fields as stored (numbers as floats, booleans as booleans, strings as
 * string fields with line breaks turned into spaces, since line protocol is
 * line-based), the result's tags, and the identity tags `school`,
 * `municipality` (when the agent still belongs to the result's school),
 * `agent` and, when known, `role`. A field whose name equals one of the
 * point's tags is renamed `<name>_field`; one that cannot be is left out
 * and reported in `skipped`.
 */
export function resultToPoint(
  result: Result,
  identity: AgentIdentity,
): { point: Point | undefined; skipped: string[] } {
  const tags: Record<string, string> = { ...result.tags };
  for (const name of IDENTITY_TAGS) delete tags[name];
  // The result's own school: a result measured before its agent moved stays with the old school.
  tags.school = result.school_id;
  if (identity.school_id === result.school_id) tags.municipality = identity.municipality;
  tags.agent = result.agent_id;
  if (identity.role !== undefined) tags.role = identity.role;

  const point = new Point(result.measurement).timestamp(new Date(result.at));
  for (const [name, value] of Object.entries(tags)) point.tag(name, value);
  const skipped: string[] = [];
  let fields = 0;
  for (const [stored, value] of Object.entries(result.fields)) {
    // A field named like a tag (the SNMP device's `role` beside the agent's
    // `role` tag) goes out as `<name>_field`; InfluxDB cannot tell a field
    // and a tag of one name apart in queries.
    const name = stored in tags ? `${stored}_field` : stored;
    if (name in tags || (name !== stored && name in result.fields)) {
      skipped.push(stored);
      continue;
    }
    if (typeof value === 'number') point.floatField(name, value);
    else if (typeof value === 'boolean') point.booleanField(name, value);
    else point.stringField(name, value.replace(/\r\n|\r|\n/g, ' '));
    fields += 1;
  }
  return { point: fields > 0 ? point : undefined, skipped };
}

/** Identity from the store: the agent's school, its municipality and the agent's role. */
export function createStoreAgentLookup(store: Pick<Store, 'findAgent' | 'getSchool'>): AgentLookup {
  return async (agentId) => {
    const agent = await store.findAgent(agentId);
    if (agent === undefined) return undefined;
    const school = await store.getSchool(agent.school_id);
    if (school === undefined) return undefined;
    return { school_id: school.id, municipality: school.municipality, role: agent.role };
  };
}

/** Wraps a lookup with a small LRU cache with expiry. */
export function cachedLookup(
  lookup: AgentLookup,
  size: number,
  ttlMs: number,
  now: () => number = Date.now,
): AgentLookup {
  const cache = new Map<string, { value: AgentIdentity | undefined; expires: number }>();
  return async (agentId) => {
    const hit = cache.get(agentId);
    if (hit !== undefined) {
      cache.delete(agentId);
      if (hit.expires > now()) {
        cache.set(agentId, hit); // most recently used goes last
        return hit.value;
      }
    }
    const value = await lookup(agentId);
    cache.set(agentId, { value, expires: now() + ttlMs });
    if (cache.size > size) cache.delete(cache.keys().next().value!);
    return value;
  };
}

/** Validates the export options; bad ones stop the start with SKOLNET_CONFIG_INVALID. */
export function checkInfluxOptions(options: {
  url: string;
  org: string;
  bucket: string;
  token: string;
}): void {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch (err) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `influx url ${JSON.stringify(options.url)} is not a URL`,
      {
        cause: err,
      },
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `influx url must be http(s), got ${url.protocol}`);
  }
  for (const key of ['org', 'bucket', 'token'] as const) {
    if (options[key].trim() === '') {
      throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `influx ${key} must not be empty`);
    }
  }
}

/** A status the database will answer the same way however often it is asked: drop the batch. */
function isRejection(err: unknown): boolean {
  return (
    err instanceof HttpError && (err.statusCode === 400 || err.statusCode === 413 || err.statusCode === 422)
  );
}

/** Creates the sink; it writes in the background until closed. */
export function createInfluxSink(options: InfluxSinkOptions): ResultSink {
  checkInfluxOptions(options);
  const batchSize = options.batchSize ?? 1000;
  const flushIntervalMs = options.flushIntervalMs ?? 1000;
  const maxBuffered = Math.max(options.maxBufferedPoints ?? 50_000, batchSize);
  const retryInitialMs = options.retryInitialMs ?? 1000;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  const logIntervalMs = options.logIntervalMs ?? 60_000;
  const random = options.random ?? Math.random;
  const { metrics, log } = options;
  const lookup = cachedLookup(
    options.lookup,
    options.lookupCacheSize ?? 20_000,
    options.lookupTtlMs ?? 300_000,
  );

  const writeApi: WriteApi = new InfluxDB({
    url: options.url,
    token: options.token,
    timeout: options.timeoutMs ?? 10_000,
  }).getWriteApi(options.org, options.bucket, 'ms', {
    // The sink batches and retries itself (one request at a time, exact
    // counts); the client only sends. A batch one larger than ours and no
    // flush timer keep it from sending on its own, and a failure handler
    // that returns the error keeps it from retrying and from logging to
    // the console.
    batchSize: batchSize + 1,
    maxBatchBytes: Number.MAX_SAFE_INTEGER,
    flushInterval: 0,
    maxRetries: 0,
    writeFailed: (err: Error) => Promise.reject(err),
  });

  const queue = new ResultQueue();
  let closed = false;
  let running: Promise<unknown> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  let retryAt = 0;
  const lastLogged = new Map<string, { at: number; suppressed: number }>();

  const updateBuffered = (): void => metrics.buffered.set(queue.length);

  /** Logs at most once per interval per kind, saying how many were held back. */
  const logLimited = (kind: string, obj: object, msg: string): void => {
    const now = Date.now();
    const last = lastLogged.get(kind);
    if (last !== undefined && now - last.at < logIntervalMs) {
      last.suppressed += 1;
      return;
    }
    log.warn({ ...obj, suppressed: last?.suppressed ?? 0 }, msg);
    lastLogged.set(kind, { at: now, suppressed: 0 });
  };

  const trim = (): void => {
    const over = queue.length - maxBuffered;
    if (over > 0) {
      queue.dropOldest(over);
      metrics.dropped.inc({ reason: 'overflow' }, over);
      logLimited(
        'overflow',
        { dropped: over, max_buffered: maxBuffered },
        'export buffer full, oldest points dropped',
      );
    }
  };

  const schedule = (): void => {
    if (closed || running !== undefined || queue.length === 0) return;
    const now = Date.now();
    const delay = now < retryAt ? retryAt - now : queue.length >= batchSize ? 0 : flushIntervalMs;
    if (timer !== undefined) {
      if (delay > 0) return; // already waiting
      clearTimeout(timer);
    }
    timer = setTimeout(() => {
      timer = undefined;
      running = writeOne().finally(() => {
        running = undefined;
        schedule();
      });
    }, delay);
    // The sink never keeps the process alive on its own.
    timer.unref();
  };

  const backoff = (): void => {
    failures += 1;
    const bound = Math.min(retryMaxMs, retryInitialMs * 2 ** Math.min(failures - 1, 30));
    // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter", 2015), at least 10% of the bound.
    retryAt = Date.now() + bound * (0.1 + 0.9 * random());
  };

  /** Writes one batch from the head of the queue. Resolves true on success. Never throws. */
  async function writeOne(): Promise<boolean> {
    const batch = queue.take(batchSize);
    if (batch.length === 0) return true;
    const lines: string[] = [];
    try {
      const identities = new Map<string, AgentIdentity | undefined>();
      for (const r of batch) {
        if (!identities.has(r.agent_id)) identities.set(r.agent_id, await lookup(r.agent_id));
      }
      let unknown = 0;
      for (const r of batch) {
        const identity = identities.get(r.agent_id);
        if (identity === undefined) {
          unknown += 1;
          continue;
        }
        const { point, skipped } = resultToPoint(r, identity);
        if (skipped.length > 0) metrics.skippedFields.inc({ reason: 'name_clash' }, skipped.length);
        const line = point?.toLineProtocol(writeApi);
        if (line !== undefined) lines.push(line);
      }
      if (unknown > 0) metrics.dropped.inc({ reason: 'unknown_agent' }, unknown);
    } catch (err) {
      queue.putBack(batch);
      trim();
      updateBuffered();
      metrics.errors.inc({ stage: 'lookup' });
      logLimited(
        'lookup',
        { err: describeError(err), points: batch.length },
        'export lookup failed, will retry',
      );
      backoff();
      return false;
    }
    try {
      if (lines.length > 0) {
        writeApi.writeRecords(lines);
        await writeApi.flush();
      }
      metrics.written.inc({}, lines.length);
      failures = 0;
      retryAt = 0;
      updateBuffered();
      return true;
    } catch (err) {
      metrics.errors.inc({ stage: 'write' });
      if (isRejection(err)) {
        metrics.dropped.inc({ reason: 'rejected' }, batch.length);
        logLimited(
          'rejected',
          { err: describeError(err), points: batch.length },
          'export batch rejected, dropped',
        );
        updateBuffered();
        return false;
      }
      queue.putBack(batch);
      trim();
      updateBuffered();
      logLimited(
        'write',
        { err: describeError(err), points: batch.length, buffered: queue.length },
        'export write failed, will retry',
      );
      backoff();
      return false;
    }
  }

  return {
    submit(results) {
      if (closed || results.length === 0) return;
      queue.push(results);
      trim();
      updateBuffered();
      schedule();
    },
    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      const deadline = Date.now() + closeTimeoutMs;
      const remaining = async (): Promise<void> => {
        await running;
        while (queue.length > 0 && Date.now() < deadline) {
          if (!(await writeOne())) break;
        }
      };
      let expired: NodeJS.Timeout | undefined;
      await Promise.race([
        remaining(),
        new Promise<void>((resolve) => {
          expired = setTimeout(resolve, closeTimeoutMs);
        }),
      ]);
      clearTimeout(expired);
      const left = queue.length;
      if (left > 0) {
        metrics.dropped.inc({ reason: 'shutdown' }, left);
        log.warn({ points: left }, 'export stopped with points not written');
      }
      queue.dropOldest(left);
      updateBuffered();
      writeApi.dispose();
    },
  };
}

/** FIFO of results with cheap removal at the head. */
class ResultQueue {
  #items: Result[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(results: readonly Result[]): void {
    for (const r of results) this.#items.push(r);
  }

  take(n: number): Result[] {
    const out = this.#items.slice(this.#head, this.#head + n);
    this.#head += out.length;
    this.#compact();
    return out;
  }

  /** Returns a taken batch to the head, in its order, to be retried first. */
  putBack(batch: readonly Result[]): void {
    this.#items = [...batch, ...this.#items.slice(this.#head)];
    this.#head = 0;
  }

  dropOldest(n: number): void {
    this.#head += Math.min(n, this.length);
    this.#compact();
  }

  #compact(): void {
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
  }
}
