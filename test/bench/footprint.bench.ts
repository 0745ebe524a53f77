/**
 * Footprint benchmark: an enrolled agent running its schedule against a
 * real collector, sampled from /proc beside an idle bare `node` process
 * (the floor any Node.js program pays). Prints RSS and CPU over time with
 * the probes that ran in each stretch, the steady RSS (median of the second
 * half, so start-up and the first runs of every probe are behind it), the
 * peak and what ran around it, the average CPU after start-up, and the
 * machine's load average (the figures of a busy machine are not those of an
 * idle one).
 *
 * Targets (the agent runs for months on small school hardware): steady RSS
 * at most 60 MB, average CPU at most 1 % of one core outside throughput
 * tests. Throughput (and ndt7, bottleneck, dns, snmp, wifi) are left out
 * of the schedule here: throughput is a deliberate burst, and the others
 * would send traffic beyond loopback. The probes that run (host, latency,
 * http) use their default intervals, so the figures are the agent's idle
 * life between tests.
 *
 * The agent runs as `service install` starts it: `node` with the
 * agent's Node.js options (AGENT_NODE_OPTIONS, service-spec.ts), then
 * `skolnet-agent run`.
 *
 * The agent's figures are of its whole process tree, as the machine pays
 * for it: RSS is the agent's plus that of every descendant alive at the
 * sample (the host probe's short-lived systeminformation child, ping), and
 * CPU includes the children's once they have exited (cutime, cstime).
 * Summed RSS counts the `node` binary's pages a child shares with the agent
 * twice, so it errs high while a child lives.
 *
 * SKOLNET_BENCH_FOOTPRINT_S sets the duration in s (default 600).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_NODE_OPTIONS } from '@skolnet/agent';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, agentBin, collectorBin } from '../support/processes.js';
import { adminTokenFromCli } from '../support/collector.js';
import { percentile } from '@skolnet/shared';
import { USER_HZ, fmt, printTable, statFields } from './support.js';

/** Run length, in s: ten minutes covers two latency and http rounds at their 5-minute default. */
const DURATION_S = Number(process.env.SKOLNET_BENCH_FOOTPRINT_S ?? 600);
/**
 * Limit of the whole measuring test, in ms: the run itself, then enrollment
 * and start-up on a busy machine. The bench config's 600 s default would
 * end a default ten-minute run just before its last sample.
 */
const RUN_TIMEOUT_MS = (DURATION_S + 120) * 1000;
/** Sampling period, in ms. */
const SAMPLE_MS = 2_000;
/** Start-up left out of the CPU average, in s: loading modules is a one-off, not the steady cost. */
const WARMUP_S = Math.min(30, DURATION_S / 4);
/** Targets, in MB and % of one core. */
const TARGET_RSS_MB = 60;
const TARGET_CPU_PCT = 1;

interface Sample {
  t: number;
  /** RSS of the process and its live descendants, in MB. */
  rssMb: number;
  /** RSS of the live descendants alone, in MB. */
  childRssMb: number;
  /** CPU time used so far by the process and its exited children, in s. */
  cpuS: number;
}

/** Probes whose runs ended in the agent's log lines `lines`, with a count each: `host, latency×2`. */
function probesDone(lines: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const m = /probe (\w+) (?:done|failed|skipped)/.exec(line);
    if (m) counts.set(m[1]!, (counts.get(m[1]!) ?? 0) + 1);
  }
  return [...counts].map(([name, n]) => (n > 1 ? `${name}×${n}` : name)).join(', ') || '-';
}

/** RSS of `pid` in MB, 0 when it has gone meanwhile. */
function rssMbOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return (Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024) / 1e6;
  } catch {
    return 0;
  }
}

/** Live descendants of `pid`, from the parent ids in /proc. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(statFields(Number(entry))[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Gone between the listing and the read.
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** RSS and CPU time of `pid` and its descendants now, from /proc. */
function sample(pid: number, t: number): Sample {
  const own = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+) kB/m.exec(own)?.[1] ?? Number.NaN);
  const childRssMb = descendants(pid).reduce((sum, child) => sum + rssMbOf(child), 0);
  // utime, stime, cutime, cstime are fields 14-17: the process's own and that of its waited-for children.
  const f = statFields(pid);
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return { t, rssMb: (rssKb * 1024) / 1e6 + childRssMb, childRssMb, cpuS: ticks / USER_HZ };
}

/** Steady RSS (median of the second half) and average CPU % of one core after the warm-up. */
function summarise(samples: readonly Sample[]): { steadyRssMb: number; peakRssMb: number; cpuPct: number } {
  const half = samples.slice(Math.floor(samples.length / 2));
  const after = samples.filter((s) => s.t >= WARMUP_S);
  const first = after[0] ?? samples[0]!;
  const last = samples.at(-1)!;
  return {
    // A run always has samples; NaN would print if one had none.
    steadyRssMb:
      percentile(
        half.map((s) => s.rssMb),
        50,
      ) ?? Number.NaN,
    peakRssMb: Math.max(...samples.map((s) => s.rssMb)),
    cpuPct: last.t > first.t ? (100 * (last.cpuS - first.cpuS)) / (last.t - first.t) : Number.NaN,
  };
}

describe('footprint', () => {
  let dir: string;
  let collector: RunningProcess;
  let agent: RunningProcess | undefined;
  let floor: RunningProcess | undefined;
  let url = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-footprint-'));
    collector = new RunningProcess(
      'collector',
      [collectorBin, 'serve', '--port', '0', '--data', join(dir, 'c')],
      {
        SKOLNET_LOG_LEVEL: 'warn',
      },
    );
    url = (await collector.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  });

  afterAll(async () => {
    await agent?.stop('SIGKILL');
    await floor?.stop('SIGKILL');
    await collector?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    `agent RSS and CPU over ${DURATION_S} s beside a bare node process`,
    async () => {
      const token = await adminTokenFromCli(['--data', join(dir, 'c')]);
      const state = join(dir, 'agent');
      await enrollAgent(url, token, state, [], {
        school: { name: 'Footprint school', municipality: 'Valmieras novads', pupils: 300 },
      });

      floor = new RunningProcess('node', ['-e', 'setInterval(() => {}, 1e6)']);
      // As installed: the service runs node with the agent's options (service-spec.ts).
      agent = new RunningProcess('agent', [
        ...AGENT_NODE_OPTIONS,
        agentBin,
        'run',
        '--state',
        state,
        '--only',
        'host,latency,http',
        '--set',
        'latency.gateway=off',
      ]);
      const pids = { agent: agent.child.pid!, floor: floor.child.pid! };
      const agentSamples: Sample[] = [];
      const floorSamples: Sample[] = [];
      /** How many agent log lines had arrived at each sample, to tell which probes ran between two. */
      const logMarks: number[] = [];
      const loadBefore = loadavg();
      const t0 = performance.now();
      for (;;) {
        const t = (performance.now() - t0) / 1000;
        expect(agent.child.exitCode, agent.lines.slice(-20).join('\n')).toBeNull();
        agentSamples.push(sample(pids.agent, t));
        floorSamples.push(sample(pids.floor, t));
        logMarks.push(agent.lines.length);
        if (t >= DURATION_S) break;
        await sleep(SAMPLE_MS);
      }
      // The agent ran its probes and delivered: the figures are of a working agent.
      expect(agent.matching(/probe (host|latency|http) done/).length).toBeGreaterThanOrEqual(3);
      expect(agent.matching(/batch acked/).length).toBeGreaterThan(0);

      // One row per tenth of the run.
      const step = Math.max(1, Math.floor(agentSamples.length / 10));
      const rows = agentSamples
        .filter((_, i) => i % step === 0 || i === agentSamples.length - 1)
        .map((s) => {
          const i = agentSamples.indexOf(s);
          const prev = agentSamples[Math.max(0, i - step)]!;
          const f = floorSamples[i]!;
          const cpu = s.t > prev.t ? (100 * (s.cpuS - prev.cpuS)) / (s.t - prev.t) : 0;
          const ran =
            i === 0
              ? agent!.lines.slice(0, logMarks[0])
              : agent!.lines.slice(logMarks[i - step], logMarks[i]);
          const children = Math.max(
            ...agentSamples.slice(i === 0 ? 0 : i - step + 1, i + 1).map((x) => x.childRssMb),
          );
          return [fmt(s.t), fmt(s.rssMb, 1), fmt(children, 1), fmt(cpu, 2), fmt(f.rssMb, 1), probesDone(ran)];
        });
      const loadAfter = loadavg();
      printTable(
        `footprint over time (node ${AGENT_NODE_OPTIONS.join(' ')} skolnet-agent run, as the service runs it; probes host, latency, http at default intervals; no throughput test scheduled)`,
        [
          't s',
          'agent RSS MB (with children)',
          'children RSS MB (max since prev row)',
          'agent CPU % (since prev row)',
          'bare node RSS MB',
          'probe runs ended (since prev row)',
        ],
        rows,
      );
      /** Samples either side of the peak whose probe runs are named beside it (10 s). */
      const around = Math.round(10_000 / SAMPLE_MS);
      const peakAt = agentSamples.reduce((best, s, i) => (s.rssMb > agentSamples[best]!.rssMb ? i : best), 0);
      const a = summarise(agentSamples);
      const f = summarise(floorSamples);
      const withChild = agentSamples.filter((x) => x.childRssMb > 0);
      const childSteady = percentile(
        agentSamples.slice(Math.floor(agentSamples.length / 2)).map((x) => x.childRssMb),
        50,
      );
      printTable(
        `footprint summary over ${DURATION_S} s (steady RSS: median of the second half; CPU after the first ${fmt(WARMUP_S)} s; ` +
          `${SAMPLE_MS / 1000} s samples; peak at t = ${fmt(agentSamples[peakAt]!.t)} s, probe runs ending within 10 s of it: ` +
          `${probesDone(agent.lines.slice(logMarks[Math.max(0, peakAt - around)], logMarks[Math.min(logMarks.length - 1, peakAt + around)]))}; ` +
          `load average 1/5/15 min ${loadBefore.map((l) => fmt(l, 2)).join('/')} at start, ${loadAfter.map((l) => fmt(l, 2)).join('/')} at end on ${cpus().length} cores)`,
        [
          'process (RSS with live children, CPU with exited ones)',
          'steady RSS MB',
          'peak RSS MB',
          'avg CPU % of one core',
          'target',
        ],
        [
          [
            'skolnet-agent run',
            fmt(a.steadyRssMb, 1),
            fmt(a.peakRssMb, 1),
            fmt(a.cpuPct, 3),
            `<= ${TARGET_RSS_MB} MB, <= ${TARGET_CPU_PCT} %`,
          ],
          [
            `  of which child processes (alive in ${withChild.length} of ${agentSamples.length} samples)`,
            fmt(childSteady, 1),
            fmt(Math.max(0, ...agentSamples.map((x) => x.childRssMb)), 1),
            '',
            '',
          ],
          ['bare node (floor)', fmt(f.steadyRssMb, 1), fmt(f.peakRssMb, 1), fmt(f.cpuPct, 3), ''],
          [
            'agent above the floor',
            fmt(a.steadyRssMb - f.steadyRssMb, 1),
            '',
            fmt(a.cpuPct - f.cpuPct, 3),
            '',
          ],
        ],
      );
    },
    RUN_TIMEOUT_MS,
  );
});
