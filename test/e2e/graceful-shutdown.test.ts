import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { SqliteOutbox, StreamClient, type StreamEvent } from '@skolnet/agent';
import { buildApp, createSqliteStore, type Store } from '@skolnet/collector';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, uuidv7, type Result } from '@skolnet/shared';
import { eventually } from '../support/poll.js';

/** A gate the test opens; `reached` resolves when code first waits at it. */
function createGate(): { reached: Promise<void>; wait(): Promise<void>; open(): void } {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const opened = new Promise<void>((r) => (release = r));
  return {
    reached,
    wait: () => {
      reach();
      return opened;
    },
    open: () => release(),
  };
}

/**
 * The real store, with the first `insertResults` held at a gate: before the
 * commit (`before`) or after it, before ingest can ack (`after`).
 */
function gatedStore(store: Store, where: 'before' | 'after', gate: ReturnType<typeof createGate>): Store {
  let held = false;
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'insertResults') {
        return async (...args: Parameters<Store['insertResults']>) => {
          const first = !held;
          held = true;
          if (first && where === 'before') await gate.wait();
          const outcome = await target.insertResults(...args);
          if (first && where === 'after') await gate.wait();
          return outcome;
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

describe('graceful shutdown with a batch in flight', () => {
  let dir: string;
  let dbFile: string;
  let app: FastifyInstance | undefined;
  let outbox: SqliteOutbox;
  let client: StreamClient | undefined;
  let events: StreamEvent[];
  let agentId: string;
  let secret: string;
  let schoolId: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-shutdown-'));
    dbFile = join(dir, 'collector.db');
    const store = await createSqliteStore(dbFile);
    const school = await store.createSchool({ name: 'Vik skule', municipality: 'Vik', pupils: 100 });
    const enrolled = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, 3_600_000)).code,
      { hostname: 'srv1', agent_version: '0.1.0' },
    );
    await store.close();
    schoolId = school.id;
    agentId = enrolled.agent_id;
    secret = enrolled.secret;
    outbox = new SqliteOutbox(join(dir, 'outbox.sqlite'));
    events = [];
  });

  afterEach(async () => {
    await client?.stop();
    client = undefined;
    await app?.close();
    app = undefined;
    outbox.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function startApp(store: Store, shutdownGraceMs: number, port = 0): Promise<string> {
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { shutdownGraceMs } });
    return app.listen({ host: '127.0.0.1', port });
  }

  function startAgent(url: string): void {
    client = new StreamClient({
      collectorUrl: url,
      agentId,
      secret,
      outbox,
      agentVersion: '0.1.0-test',
      backoff: { initialMs: 50, maxMs: 200 },
      onEvent: (e) => events.push(e),
    });
    client.start();
  }

  const results = (n: number): Result[] =>
    Array.from({ length: n }, (_, i) => ({
      id: uuidv7(),
      agent_id: agentId,
      school_id: schoolId,
      measurement: 'latency',
      fields: { rtt_avg_ms: 10 + i },
      tags: {},
      at: new Date().toISOString(),
    }));

  async function storedCount(): Promise<number> {
    const store = await createSqliteStore(dbFile);
    try {
      return await store.countResults({ agentId });
    } finally {
      await store.close();
    }
  }

  const acked = (): Extract<StreamEvent, { type: 'acked' }>[] =>
    events.filter((e): e is Extract<StreamEvent, { type: 'acked' }> => e.type === 'acked');

  it('lets the batch being stored finish and be acknowledged, and refuses new connections meanwhile', async () => {
    const gate = createGate();
    const url = await startApp(gatedStore(await createSqliteStore(dbFile), 'before', gate), 10_000);
    startAgent(url);
    outbox.append(results(5));
    await gate.reached;

    const closing = app!.close();
    // While it drains, a new agent connection gets nowhere.
    const refused = await new Promise<boolean>((resolve) => {
      const ws = new WebSocket(`${url.replace('http', 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
      ws.once('open', () => {
        ws.terminate();
        resolve(false);
      });
      ws.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
    expect(acked()).toHaveLength(0);

    gate.open();
    await closing;
    app = undefined;
    expect(acked()).toEqual([expect.objectContaining({ sent: 5, accepted: 5, unsettled: 0 })]);
    expect(outbox.depth()).toBe(0);
    expect(await storedCount()).toBe(5);
  });

  it('does not ack a batch still unfinished when the grace ends; the resend after restart is stored once', async () => {
    const gate = createGate();
    const url = await startApp(gatedStore(await createSqliteStore(dbFile), 'after', gate), 200);
    const port = Number(new URL(url).port);
    startAgent(url);
    outbox.append(results(5));
    // Committed, not yet acked.
    await gate.reached;

    await app!.close();
    app = undefined;
    gate.open();
    expect(acked()).toHaveLength(0);
    expect(outbox.depth()).toBe(5);
    expect(await storedCount()).toBe(5);

    // Restart on the same address; the agent reconnects and sends the same rows again.
    await startApp(await createSqliteStore(dbFile), 10_000, port);
    await eventually(() => expect(outbox.depth()).toBe(0));
    expect(acked()).toEqual([expect.objectContaining({ sent: 5, accepted: 5 })]);
    expect(await storedCount()).toBe(5);
    expect(app!.metrics.ingest.duplicates.get()).toBe(5);
    expect(app!.metrics.ingest.results.get()).toBe(0);
  });
});
