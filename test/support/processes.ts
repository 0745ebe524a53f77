import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** Repository root, for locating the built CLIs. */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/** The built agent CLI. */
export const agentBin = `${repoRoot}agent/bin/skolnet-agent.js`;
/** The built collector CLI. */
export const collectorBin = `${repoRoot}collector/bin/skolnet-collector.js`;

/**
 * `skolnet-agent run` options that keep every packet on loopback: latency
 * to the collector only (no gateway), two pings, one run per agent start.
 * The last four words (`--interval latency=1h --initial-delay 0s`) are the
 * "once per start" part.
 */
export const LOOPBACK_PROBES: readonly string[] = [
  '--only',
  'latency',
  '--set',
  'latency.gateway=off',
  '--set',
  'latency.count=2',
  '--interval',
  'latency=1h',
  '--initial-delay',
  '0s',
];

/** A spawned program whose output lines a test can wait for. */
export class RunningProcess {
  readonly child: ChildProcess;
  readonly lines: string[] = [];
  private waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** Everything the program wrote to stdout and stderr so far. */
  stdout = '';
  stderr = '';

  /**
   * Starts `node args…`, or follows a child already started elsewhere (a
   * program inside a network namespace, say) when given one.
   */
  constructor(
    readonly name: string,
    args: readonly string[] | ChildProcess,
    env: NodeJS.ProcessEnv = {},
  ) {
    this.child = Array.isArray(args)
      ? spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
      : (args as ChildProcess);
    for (const [stream, key] of [
      [this.child.stdout, 'stdout'],
      [this.child.stderr, 'stderr'],
    ] as const) {
      let buf = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        this[key] += chunk;
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          this.onLine(buf.slice(0, nl));
          buf = buf.slice(nl + 1);
        }
      });
    }
    this.exited = once(this.child, 'exit').then(([code, signal]) => ({
      code: code as number | null,
      signal: signal as NodeJS.Signals | null,
    }));
  }

  private onLine(line: string): void {
    this.lines.push(line);
    if (process.env.SKOLNET_TEST_VERBOSE) console.log(`[${this.name}] ${line}`);
    this.waiters = this.waiters.filter((w) => {
      const m = line.match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }

  /** Resolves with the first line (already seen or future) matching `re`. */
  waitFor(re: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const m = line.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `${this.name}: no line matching ${re} within ${timeoutMs} ms; output:\n${this.lines.slice(-40).join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.waiters.push({
        re,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** All output lines matching `re`. */
  matching(re: RegExp): RegExpMatchArray[] {
    return this.lines.map((l) => l.match(re)).filter((m): m is RegExpMatchArray => m !== null);
  }

  /** Sends `signal` and waits for exit, escalating to SIGKILL after `graceMs`. */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    graceMs = 10_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}

/** Runs a program to completion and returns its exit code and output. */
export async function runToEnd(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** JSON of a request to a collector started by a test; a non-2xx answer throws with its body. */
export async function fetchJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(url, init);
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Results an agent process said it produced so far (its "probe … done" and "failed … kept" lines). */
export function producedCount(agent: RunningProcess): number {
  return agent
    .matching(/probe \w+ (?:done in [\d.]+ s: (\d+) results|failed after [\d.]+ s \((\d+) results kept\))/)
    .reduce((sum, m) => sum + Number(m[1] ?? m[2] ?? 0), 0);
}
