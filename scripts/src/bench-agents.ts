/**
 * Simulated agents for the ingest and connection benchmarks
 * (`test/bench/ingest-scale.bench.ts`). Runs as its own process, apart
 * from the collector, and speaks the real protocol over WebSocket:
 * hello → welcome, then either
 *
 * - `ingest`: every agent sends its results in batches with one batch in
 *   flight (the next one only after the ack, as the agent's outbox does),
 *   unpaced or paced to a total rate; or
 * - `hold`: every agent stays connected and pings at an interval (the
 *   agent pings every 30 s), for a while.
 *
 * Usage: `node scripts/dist/bench-agents.js PLAN.json`. Progress lines and
 * a final `bench-agents: result {json}` line go to stdout.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, PROTOCOL_VERSION, uuidv7, type Result } from '@skolnet/shared';
import { benchResult } from './bench-results.js';

/** An enrolled agent's credentials. */
export interface BenchAgent {
  agent_id: string;
  school_id: string;
  secret: string;
}

/** What one bench-agents process does; written as JSON by the benchmark. */
export interface BenchAgentsPlan {
  mode: 'ingest' | 'hold';
  /** Collector base URL, `http://127.0.0.1:PORT`. */
  url: string;
  agents: BenchAgent[];
  /** ingest: results per batch (≤ 500, the protocol's limit). */
  batch?: number;
  /** ingest: results each agent sends. */
  results_per_agent?: number;
  /** ingest: total results/s this process offers, spread evenly over its agents; 0 = as fast as acks come. */
  rate?: number;
  /** hold: interval of each connection's pings, ms. */
  ping_ms?: number;
  /** hold: how long to stay connected once every agent is welcomed, ms. */
  hold_ms?: number;
  /** Source addresses 127.0.0.2 … 127.0.0.(1+N), so connections do not run out of ephemeral ports on one pair. */
  local_addresses?: number;
  /** Handshakes (TCP + WebSocket + hello) in progress at once. */
  connect_concurrency?: number;
}

/** The final report of one process. */
export interface BenchAgentsReport {
  agents: number;
  welcomed: number;
  connect_failures: string[];
  /** Time from the first connection attempt to the last welcome, ms. */
  connect_ms: number;
  /** ingest: results sent and acked as accepted, batch ack latencies (ms), send window (ms). */
  sent?: number;
  accepted?: number;
  ack_ms?: number[];
  window_ms?: number;
  store_errors?: number;
  /** CPU time this process used (user + system) from the first connection to the report, ms. */
  cpu_ms?: number;
  /** hold: pings sent and pongs received while holding; connections closed early. */
  pings?: number;
  pongs?: number;
  dropped?: number;
}

/** The parts of collector messages the simulated agents look at. */
interface Incoming {
  type: string;
  accepted?: string[];
  batch_id?: string;
  code?: string;
}

interface Connection {
  agent: BenchAgent;
  ws: WebSocket;
  /** Resolves with the next message from the collector. */
  next(): Promise<Incoming>;
}

function out(line: string): void {
  process.stdout.write(`bench-agents: ${line}\n`);
}

function connect(plan: BenchAgentsPlan, agent: BenchAgent, index: number): Promise<Connection> {
  const n = plan.local_addresses ?? 0;
  const ws = new WebSocket(`${plan.url.replace(/^http/, 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME, {
    perMessageDeflate: false,
    ...(n > 0 ? { localAddress: `127.0.0.${2 + (index % n)}` } : {}),
  });
  const inbox: Incoming[] = [];
  const waiting: ((m: Incoming) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const message = JSON.parse(data.toString('utf8')) as Incoming;
    if (message.type === 'config') return;
    const waiter = waiting.shift();
    if (waiter) waiter(message);
    else inbox.push(message);
  });
  const next: Connection['next'] = () => {
    const queued = inbox.shift();
    return queued ? Promise.resolve(queued) : new Promise((r) => waiting.push(r));
  };
  return new Promise<Connection>((resolve, reject) => {
    ws.once('error', reject);
    ws.once('close', (code) => reject(new Error(`closed with ${code} before welcome`)));
    ws.once('open', () => {
      ws.send(
        JSON.stringify({
          type: 'hello',
          protocol: PROTOCOL_VERSION,
          agent_id: agent.agent_id,
          secret: agent.secret,
          agent_version: 'bench',
        }),
      );
      void next().then((m) => {
        if (m.type !== 'welcome') reject(new Error(`expected welcome, got ${m.type} ${m.code ?? ''}`));
        else resolve({ agent, ws, next });
      });
    });
  });
}

/** Connects every agent, at most `connect_concurrency` handshakes at a time. */
async function connectAll(
  plan: BenchAgentsPlan,
): Promise<{ connections: Connection[]; failures: string[]; ms: number }> {
  const connections: Connection[] = [];
  const failures: string[] = [];
  const t0 = performance.now();
  let nextIndex = 0;
  const worker = async (): Promise<void> => {
    while (nextIndex < plan.agents.length) {
      const index = nextIndex++;
      try {
        connections.push(await connect(plan, plan.agents[index]!, index));
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, plan.connect_concurrency ?? 100) }, worker));
  return { connections, failures, ms: performance.now() - t0 };
}

/** Batches as UTF-8 bytes, encoded before the clock starts so sending costs the simulated agents little. */
function makeBatches(agent: BenchAgent, total: number, size: number): Buffer[] {
  const start = Date.now() - total * 1000;
  const batches: Buffer[] = [];
  for (let b = 0; b * size < total; b += 1) {
    const results: Result[] = [];
    for (let i = b * size; i < Math.min(total, (b + 1) * size); i += 1) {
      results.push(benchResult(agent.agent_id, agent.school_id, start, i));
    }
    batches.push(Buffer.from(JSON.stringify({ type: 'batch', batch_id: uuidv7(), results }), 'utf8'));
  }
  return batches;
}

async function runIngest(plan: BenchAgentsPlan): Promise<BenchAgentsReport> {
  const size = plan.batch ?? 500;
  const perAgent = plan.results_per_agent ?? 1000;
  const prepared = new Map(plan.agents.map((a) => [a.agent_id, makeBatches(a, perAgent, size)]));
  const cpu0 = process.cpuUsage();
  const { connections, failures, ms } = await connectAll(plan);
  out(`connected ${connections.length}`);
  // Paced: each agent sends a batch every `period` ms from a random phase,
  // or at once when its previous ack came late (one batch in flight).
  const rate = plan.rate ?? 0;
  const periodMs = rate > 0 ? (size * connections.length * 1000) / rate : 0;
  const ackMs: number[] = [];
  let accepted = 0;
  let sent = 0;
  let storeErrors = 0;
  const t0 = performance.now();
  let last = t0;
  await Promise.all(
    connections.map(async (c) => {
      let due = t0 + Math.random() * periodMs;
      for (const batch of prepared.get(c.agent.agent_id) ?? []) {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        due += periodMs;
        const t = performance.now();
        const reply = c.next();
        c.ws.send(batch, { binary: false });
        const m = await reply;
        const now = performance.now();
        ackMs.push(now - t);
        last = Math.max(last, now);
        sent += Math.min(size, perAgent);
        if (m.type === 'ack') accepted += m.accepted?.length ?? 0;
        else storeErrors += 1;
      }
    }),
  );
  for (const c of connections) c.ws.close(1000);
  const cpu = process.cpuUsage(cpu0);
  return {
    cpu_ms: (cpu.user + cpu.system) / 1000,
    agents: plan.agents.length,
    welcomed: connections.length,
    connect_failures: failures.slice(0, 5),
    connect_ms: ms,
    sent,
    accepted,
    ack_ms: ackMs,
    window_ms: last - t0,
    store_errors: storeErrors,
  };
}

async function runHold(plan: BenchAgentsPlan): Promise<BenchAgentsReport> {
  const { connections, failures, ms } = await connectAll(plan);
  let pongs = 0;
  let pings = 0;
  let dropped = 0;
  for (const c of connections) {
    c.ws.on('pong', () => (pongs += 1));
    c.ws.on('close', () => (dropped += 1));
  }
  out(`holding ${connections.length}`);
  // One timer pings a slice of the connections every tick, so each is
  // pinged once per interval, spread evenly rather than all at once.
  const pingMs = plan.ping_ms ?? 30_000;
  const tickMs = 100;
  const perTick = Math.max(1, Math.ceil((connections.length * tickMs) / pingMs));
  let cursor = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perTick && connections.length > 0; i += 1) {
      const c = connections[cursor % connections.length]!;
      cursor += 1;
      if (c.ws.readyState === WebSocket.OPEN) {
        c.ws.ping();
        pings += 1;
      }
    }
  }, tickMs);
  await new Promise((r) => setTimeout(r, plan.hold_ms ?? 10_000));
  clearInterval(timer);
  const report: BenchAgentsReport = {
    agents: plan.agents.length,
    welcomed: connections.length,
    connect_failures: failures.slice(0, 5),
    connect_ms: ms,
    pings,
    pongs,
    dropped,
  };
  for (const c of connections) c.ws.terminate();
  return report;
}

async function main(): Promise<void> {
  const path = process.argv[2];
  if (path === undefined) throw new Error('usage: bench-agents PLAN.json');
  const plan = JSON.parse(readFileSync(path, 'utf8')) as BenchAgentsPlan;
  const report = plan.mode === 'ingest' ? await runIngest(plan) : await runHold(plan);
  out(`result ${JSON.stringify(report)}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(
      `bench-agents: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
