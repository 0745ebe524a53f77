import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { PROTOCOL_NAME, type ConfigAck, type Result } from '@skolnet/shared';
import { main } from '../cli.js';
import { resolveOptions, type OptionSpecs } from '../probes/options.js';
import { dnsProbeDefinition } from '../probes/dns/dns-probe-definition.js';
import type { ProbeDefinition } from '../probes/probe.js';
import { readStatusFile } from '../runtime/status-file.js';
import { AgentState } from '../state/agent-state.js';
import { formatStatus, runStatusCommand, statusReport } from './status-command.js';
import { eventually } from '../../../test/support/poll.js';

interface QuietOptions {
  count: number;
}
const quietSpecs: OptionSpecs<QuietOptions> = {
  count: { type: 'integer', default: 1, minimum: 1, maximum: 10, description: 'how many' },
};

/** A probe that measures nothing outside this process: it reports its option. */
// Registered under a real probe's name: a push may only name probes of the
// shared allow-list (http takes `count` as this one does).
const registry: Record<string, ProbeDefinition> = {
  http: {
    description: 'reports its count option',
    needsCollector: false,
    defaultIntervalS: 3600,
    options: quietSpecs,
    create: (_ctx, raw) => {
      const o = resolveOptions('quiet', quietSpecs, raw);
      return { gather: (acc) => Promise.resolve(acc.add('quiet', { count_n: o.count })) };
    },
  },
};

/** Speaks the collector's side of the stream: welcome, ack every batch, push what the test asks. */
class TinyCollector {
  wss!: WebSocketServer;
  port = 0;
  socket: WebSocket | undefined;
  acks: ConfigAck[] = [];
  results: Result[] = [];

  async listen(): Promise<void> {
    this.wss = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => PROTOCOL_NAME });
    await new Promise<void>((r) => this.wss.once('listening', () => r()));
    this.port = (this.wss.address() as AddressInfo).port;
    this.wss.on('connection', (ws) => {
      ws.on('message', (data) => {
        const msg = JSON.parse((data as Buffer).toString('utf8')) as Record<string, unknown>;
        if (msg.type === 'hello') {
          ws.send(
            JSON.stringify({
              type: 'welcome',
              agent_id: 'agent-1',
              school_id: 'school-1',
              server_time: new Date().toISOString(),
              max_batch_results: 500,
              max_message_bytes: 1024 * 1024,
            }),
          );
          this.socket = ws;
        } else if (msg.type === 'batch') {
          const results = msg.results as Result[];
          this.results.push(...results);
          ws.send(
            JSON.stringify({
              type: 'ack',
              batch_id: msg.batch_id,
              accepted: results.map((r) => r.id),
              rejected: [],
            }),
          );
        } else if (msg.type === 'config_ack') {
          this.acks.push(msg as unknown as ConfigAck);
        }
      });
    });
  }

  push(version: number, config: unknown): void {
    this.socket?.send(JSON.stringify({ type: 'config', version, config }));
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((r) => this.wss.close(() => r()));
  }
}

describe('skolnet-agent run with pushed configurations', () => {
  let dir: string;
  let server: TinyCollector;
  let state: AgentState;
  const stop = new AbortController();
  const stderr: string[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-run-'));
    server = new TinyCollector();
    await server.listen();
    state = new AgentState(dir);
    state.writeCredentials({
      collector_url: `http://127.0.0.1:${server.port}`,
      agent_id: 'agent-1',
      school_id: 'school-1',
      secret: 's'.repeat(32),
      enrolled_at: new Date().toISOString(),
    });
  });

  afterEach(async () => {
    stop.abort();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies a valid push, refuses an invalid one and keeps the last good, across a restart', async () => {
    const running = main(
      ['run', '--state', dir, '--initial-delay', '0s', '--set', 'http.count=2'],
      { stdout: () => {}, stderr: (t) => void stderr.push(t) },
      { registry, stopSignal: stop.signal },
    );
    await eventually(() => expect(server.socket).toBeDefined());
    await eventually(() => expect(server.results.some((r) => r.fields.count_n === 2)).toBe(true));

    const good = {
      probes: { http: { interval_s: 600, options: { count: 5 } } },
      timetable: { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '14:00' },
      data_budget_mb: 2000,
    };
    server.push(2, good);
    await eventually(() => expect(server.acks).toEqual([{ type: 'config_ack', version: 2, applied: true }]));
    expect(state.readConfig()).toEqual({ type: 'config', version: 2, config: good });

    // Invalid in several ways; nothing of it may be applied.
    server.push(3, { probes: { http: { options: { count: 50 } } }, data_budget_mb: 1 });
    server.push(4, { probes: { teleport: {} } });
    server.push(5, {
      probes: {},
      timetable: { timezone: 'Europe/Nowhere', days: [1], start: '08:00', end: '09:00' },
    });
    await eventually(() => expect(server.acks).toHaveLength(4));
    expect(server.acks.slice(1).map((a) => [a.version, a.applied])).toEqual([
      [3, false],
      [4, false],
      [5, false],
    ]);
    expect(server.acks[1]?.error).toMatch(/config\.probes\.http\.options.*count/);
    expect(server.acks[2]?.error).toMatch(/\/config\/probes\/teleport/);
    expect(server.acks[3]?.error).toMatch(/unknown time zone/);
    expect(state.readConfig()?.version).toBe(2);

    // The status file carries the version in force and the pushed settings.
    await eventually(() => {
      const s = readStatusFile(state.statusFile);
      expect(s?.config_version).toBe(2);
      expect(s?.timetable.end).toBe('14:00');
      expect(s?.budget.budget_bytes).toBe(2_000_000_000);
      expect(s?.probes.http?.interval_s).toBe(600);
    });
    const out: string[] = [];
    const code = runStatusCommand(
      { state: dir },
      {
        io: { stdout: (t) => void out.push(t), stderr: () => {} },
        registry,
        createRunner: () => ({ run: () => Promise.reject(new Error('unused')) }),
        now: () => new Date(),
        env: {},
      },
    );
    expect(code).toBe(0);
    expect(out.join('')).toMatch(/config: +version 2/);
    expect(out.join('')).not.toMatch(/campaign:/);

    // A campaign in the pushed configuration: the status file and `status` show its id and end.
    const campaign = { id: 'campaign-1', ends_at: '2099-04-03T14:00:00.000Z' };
    server.push(6, { ...good, campaign });
    await eventually(() => expect(server.acks.at(-1)).toMatchObject({ version: 6, applied: true }));
    await eventually(() => expect(readStatusFile(state.statusFile)?.campaign).toEqual(campaign));
    const withCampaign: string[] = [];
    runStatusCommand(
      { state: dir },
      {
        io: { stdout: (t) => void withCampaign.push(t), stderr: () => {} },
        registry,
        createRunner: () => ({ run: () => Promise.reject(new Error('unused')) }),
        now: () => new Date(),
        env: {},
      },
    );
    expect(withCampaign.join('')).toMatch(/^campaign: +campaign-1 until 2099-04-03T14:00:00.000Z$/m);

    stop.abort();
    expect(await running).toBe(0);
    expect(stderr.join('')).toMatch(/could not apply configuration version 3/);
  });

  it('starts on the stored last good configuration; the command line still wins', async () => {
    state.writeConfig({
      type: 'config',
      version: 7,
      config: { probes: { http: { options: { count: 4 } } } },
    });
    const ac = new AbortController();
    const running = main(
      ['run', '--state', dir, '--initial-delay', '0s'],
      { stdout: () => {}, stderr: () => {} },
      { registry, stopSignal: ac.signal },
    );
    await eventually(() => expect(server.results.some((r) => r.fields.count_n === 4)).toBe(true));
    ac.abort();
    expect(await running).toBe(0);

    server.results = [];
    const ac2 = new AbortController();
    const again = main(
      ['run', '--state', dir, '--initial-delay', '0s', '--set', 'http.count=9'],
      { stdout: () => {}, stderr: () => {} },
      { registry, stopSignal: ac2.signal },
    );
    await eventually(() => expect(server.results.some((r) => r.fields.count_n === 9)).toBe(true));
    ac2.abort();
    expect(await again).toBe(0);
    expect(JSON.parse(readFileSync(state.statusFile, 'utf8'))).toMatchObject({ config_version: 7 });
  });
});

describe('skolnet-agent run: the first assessment after enrollment', () => {
  let dir: string;
  let server: TinyCollector;
  let config: string;

  /** A heavy probe by name (the timetable places `throughput`), measuring nothing outside this process. */
  const heavy: Record<string, ProbeDefinition> = {
    throughput: {
      description: 'stands in for the throughput probe',
      needsCollector: false,
      defaultIntervalS: 6 * 3600,
      create: () => ({ gather: (acc) => Promise.resolve(acc.add('throughput', { download_mbps: 50 })) }),
    },
    http: registry.http!,
  };
  // Saturday 28 November 2026, 23:00 in Riga (UTC+2): outside the default lesson hours.
  const saturdayNight = new Date('2026-11-28T21:00:00Z');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-first-'));
    server = new TinyCollector();
    await server.listen();
    new AgentState(dir).writeCredentials({
      collector_url: `http://127.0.0.1:${server.port}`,
      agent_id: 'agent-1',
      school_id: 'school-1',
      secret: 's'.repeat(32),
      enrolled_at: saturdayNight.toISOString(),
    });
    // The default timetable; only the busy threshold is out of reach, so
    // this host's own traffic never decides the test.
    config = join(dir, 'agent.yaml');
    writeFileSync(config, 'busy_threshold_mbps: 100000\n', { mode: 0o600 });
  });

  afterEach(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the agent on a clock that starts on Saturday night until `until` holds, then stops it. */
  async function runUntil(extra: string[], until: (log: string) => boolean): Promise<string> {
    const ac = new AbortController();
    const err: string[] = [];
    const started = performance.now();
    const running = main(
      ['run', '--state', dir, '--config', config, '--initial-delay', '0s', ...extra],
      { stdout: () => {}, stderr: (t) => void err.push(t) },
      {
        registry: heavy,
        stopSignal: ac.signal,
        now: () => new Date(saturdayNight.getTime() + (performance.now() - started)),
      },
    );
    await eventually(() => expect(until(err.join(''))).toBe(true));
    ac.abort();
    expect(await running).toBe(0);
    return err.join('');
  }

  it('runs heavy probes at once after enrollment whatever the hour, then leaves them to the timetable', async () => {
    const first = await runUntil([], (log) => /first assessment done/.test(log));
    expect(server.results.filter((r) => r.measurement === 'throughput')).toHaveLength(1);
    expect(first).toMatch(
      /probe throughput runs now, whatever the timetable says: the first assessment after enrollment/,
    );
    // The next run waits for Monday's lessons, and the log says when and why.
    expect(first).toMatch(
      /probe throughput next runs at 2026-1[12]-\d\d \d\d:\d\d Europe\/Riga \((Mon|Tue|Wed|Thu|Fri|Sat|Sun)\), in .+: /,
    );

    // Started again: the first assessment is behind it, so throughput waits.
    server.results = [];
    const again = await runUntil([], (log) => /probe throughput next runs at/.test(log));
    expect(again).not.toMatch(/runs now/);
    expect(again).toMatch(
      /probe throughput next runs at .+: (outside lesson hours now; heavy tests wait for lessons \(Mon-Fri 08:00-16:00 Europe\/Riga\)|one of the 10 % of heavy tests run outside lesson hours)/,
    );
    expect(server.results.some((r) => r.measurement === 'throughput')).toBe(false);

    // Asked for: at once again, whatever the timetable says.
    const asked = await runUntil(['--assess-now'], (log) => /first assessment done/.test(log));
    expect(asked).toMatch(
      /probe throughput runs now, whatever the timetable says: asked for with --assess-now/,
    );
    await eventually(() => expect(server.results.some((r) => r.measurement === 'throughput')).toBe(true));
  });

  it('is due again after a new enrollment', async () => {
    await runUntil([], (log) => /first assessment done/.test(log));
    // Enrolled anew (say after a revocation): new credentials, a new enrolled_at.
    const state = new AgentState(dir);
    state.writeCredentials({
      ...state.readCredentials(),
      enrolled_at: new Date(saturdayNight.getTime() + 60_000).toISOString(),
    });
    const again = await runUntil([], (log) => /first assessment done/.test(log));
    expect(again).toMatch(/probe throughput runs now/);
  });
});

describe('skolnet-agent run with the dns probe and a collector addressed by IP', () => {
  it('records why dns has nothing to resolve once, and warns at no interval', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-dns-'));
    const server = new TinyCollector();
    await server.listen();
    try {
      new AgentState(dir).writeCredentials({
        collector_url: `http://127.0.0.1:${server.port}`,
        agent_id: 'agent-1',
        school_id: 'school-1',
        secret: 's'.repeat(32),
        enrolled_at: new Date().toISOString(),
      });
      const ac = new AbortController();
      const err: string[] = [];
      const running = main(
        ['run', '--state', dir, '--initial-delay', '0s', '--interval', 'dns=1s'],
        { stdout: () => {}, stderr: (t) => void err.push(t) },
        { registry: { dns: dnsProbeDefinition }, stopSignal: ac.signal },
      );
      // Several intervals go by.
      await eventually(() =>
        expect(err.join('').match(/probe dns done/g)?.length ?? 0).toBeGreaterThanOrEqual(3),
      );
      ac.abort();
      expect(await running).toBe(0);
      const log = err.join('');
      expect(log).not.toMatch(/ (warn|error) .*dns/);
      const dns = server.results.filter((r) => r.measurement === 'dns');
      expect(dns).toHaveLength(1);
      expect(dns[0]?.fields).toMatchObject({ result: 'skipped', reason: 'no_name' });
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('statusReport', () => {
  /** When the synthetic status files below were written. */
  const written = new Date('2026-03-30T08:00:00Z');
  const credentials = {
    collector_url: 'http://127.0.0.1:1',
    agent_id: 'a',
    school_id: 's',
    secret: 'x'.repeat(32),
    enrolled_at: written.toISOString(),
  };
  /** A status file a connected agent wrote at `written` (synthetic), with `over` on top. */
  const statusFile = (
    over: Partial<NonNullable<Parameters<typeof statusReport>[1]>> = {},
  ): NonNullable<Parameters<typeof statusReport>[1]> => ({
    format: 1,
    pid: process.pid,
    agent_version: '0',
    started_at: written.toISOString(),
    written_at: written.toISOString(),
    stopped_at: null,
    agent_id: 'a',
    school_id: 's',
    collector_url: 'http://127.0.0.1:1',
    connection: { state: 'connected', since: written.toISOString(), detail: null },
    config_version: null,
    timetable: { timezone: 'Europe/Riga', days: [1], start: '08:00', end: '17:00' },
    busy_threshold_mbps: 20,
    budget: { month: '2026-03', used_bytes: 5, budget_bytes: 10, remaining_bytes: 5 },
    outbox: { depth: 0, rejected_total: 0, dropped_total: 0, dropped_by_cause: {} },
    probes: {},
    ...over,
  });

  it('says no agent runs when the status file is stale, with its age', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-stale-'));
    try {
      const report = statusReport(
        credentials,
        statusFile(),
        null,
        join(dir, 'budget.json'),
        new Date(written.getTime() + 3 * 3_600_000),
      );
      expect(report.running).toBe(false);
      expect(report.not_running_reason).toMatch(/status file is 3 h 0 min old/);
      expect(report.connection).toBeNull();
      // No budget file: nothing counted this month.
      expect(report.budget).toMatchObject({ used_bytes: 0, remaining_bytes: 10 });
      expect(JSON.stringify(report)).not.toContain('xxxxxxxx');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows the acceptance campaign the effective configuration has, with its id and end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-campaign-'));
    try {
      const status = (campaign: { id: string; ends_at: string } | undefined) =>
        statusReport(
          credentials,
          statusFile({ config_version: 4, ...(campaign ? { campaign } : {}) }),
          null,
          join(dir, 'budget.json'),
          new Date(written.getTime() + 1000),
        );
      const campaign = { id: 'campaign-7', ends_at: '2026-04-03T14:00:00.000Z' };
      const running = status(campaign);
      expect(running.campaign).toEqual(campaign);
      expect(formatStatus(running)).toMatch(/^campaign: +campaign-7 until 2026-04-03T14:00:00.000Z$/m);
      // A status file without the key (an older agent's, or no campaign): no campaign line.
      const none = status(undefined);
      expect(none.campaign).toBeNull();
      expect(formatStatus(none)).not.toMatch(/^campaign:/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
