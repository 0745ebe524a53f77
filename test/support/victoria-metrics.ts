import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InfluxExportConfig } from '../../collector/src/export/influx-sink.js';
import { commandWorks, findCommand } from './real-component.js';

/** Where Debian's `victoria-metrics` package puts the single-node binary. */
const CANDIDATES = ['/usr/bin/victoria-metrics', 'victoria-metrics', 'victoria-metrics-prod'];

/** The VictoriaMetrics binary, or undefined when it is not installed. */
export function findVictoriaMetrics(): string | undefined {
  return findCommand(CANDIDATES, ['-version']) ?? CANDIDATES.find((c) => commandWorks(c, ['-help']));
}

/** One exported series, as `/api/v1/export` gives it. */
export interface ExportedSeries {
  metric: Record<string, string>;
  values: number[];
  timestamps: number[];
}

/** A free TCP port on loopback, chosen by the OS. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * A VictoriaMetrics single node on loopback with its own temporary storage.
 * It takes InfluxDB line protocol at `/api/v2/write` (measurement and field
 * become the metric name `<measurement>_<field>`, tags become labels).
 */
export class VictoriaMetrics {
  #child: ChildProcess | undefined;
  #log = '';

  private constructor(
    readonly bin: string,
    readonly port: number,
    readonly dataDir: string,
    readonly extraArgs: readonly string[],
  ) {}

  /**
   * Starts one on a free port; call {@link dispose} in afterAll. `extraArgs`
   * are further flags, e.g. `-promscrape.config=FILE` to scrape a target.
   */
  static async start(bin: string, extraArgs: readonly string[] = []): Promise<VictoriaMetrics> {
    const dataDir = await mkdtemp(join(tmpdir(), 'skolnet-vm-'));
    const vm = new VictoriaMetrics(bin, await freePort(), dataDir, extraArgs);
    await vm.restart();
    return vm;
  }

  /** Base URL, e.g. `http://127.0.0.1:8428`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * The collector's InfluxDB export aimed at this node: short flush and
   * retry intervals, so a test sees its results within a second, and a
   * token VictoriaMetrics ignores. `extra` overrides any of it.
   */
  influxExport(extra: Partial<InfluxExportConfig> = {}): InfluxExportConfig {
    return {
      url: this.url,
      org: 'skolnet',
      bucket: 'results',
      token: 'test-token',
      flushIntervalMs: 50,
      retryInitialMs: 100,
      retryMaxMs: 500,
      ...extra,
    };
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Starts the process again on the same port and storage (after {@link stop}). */
  async restart(): Promise<void> {
    if (this.#child) return;
    const child = spawn(
      this.bin,
      [
        `-httpListenAddr=127.0.0.1:${this.port}`,
        `-storageDataPath=${this.dataDir}`,
        // Results may be measured days before they reach the collector.
        '-retentionPeriod=100y',
        // Fresh samples are queryable at once instead of after the default 30 s.
        '-search.latencyOffset=0s',
        '-loggerLevel=ERROR',
        ...this.extraArgs,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.on('data', (c: Buffer) => (this.#log += c.toString('utf8')));
    child.stderr?.on('data', (c: Buffer) => (this.#log += c.toString('utf8')));
    this.#child = child;
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`victoria-metrics exited: ${this.#log.slice(-2000)}`);
      try {
        const res = await fetch(`${this.url}/health`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`victoria-metrics did not start: ${this.#log.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL); storage stays for {@link restart}. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Every sample of series matching `match` (a series selector), after flushing buffers. */
  async export(match: string): Promise<ExportedSeries[]> {
    await fetch(`${this.url}/internal/force_flush`);
    const res = await fetch(`${this.url}/api/v1/export`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ 'match[]': match, start: '0' }),
    });
    if (!res.ok) throw new Error(`export: HTTP ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ExportedSeries);
  }

  /** Stops the process and removes its storage. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
