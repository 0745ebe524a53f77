import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommanderError } from 'commander';
import { ErrorCodes, type SchoolSummary } from '@skolnet/shared';
import { DATABASE_URL_ENV, createCli, type CliIo } from './cli.js';
import { DEFAULT_SCORING_CONFIG } from './scoring/score-config.js';
import { startCollector, type RunningCollector } from './server.js';
import { createTempDir, makeResult } from './testing/fixtures.js';
import { collectorVersion } from './version.js';

describe('startCollector', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let running: RunningCollector | undefined;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(async () => {
    await running?.close();
    running = undefined;
    await remove();
  });

  const createSchool = (url: string, token: string): Promise<Response> =>
    fetch(`${url}/api/v1/schools`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Local school', municipality: 'Here', pupils: 10 }),
    });

  it('creates the data directory, listens, and hands out the admin token on first start only', async () => {
    const dataDir = join(dir, 'nested', 'data');
    running = await startCollector({
      host: '127.0.0.1',
      port: 0,
      dataDir,
      logger: false,
      dashboardAssets: false,
    });
    expect(running.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${running.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok', version: collectorVersion() });
    const token = running.adminToken!;
    expect(token.length).toBeGreaterThanOrEqual(43);
    expect((await createSchool(running.url, token)).status).toBe(201);
    await running.close();

    running = await startCollector({ port: 0, dataDir, logger: false, dashboardAssets: false });
    expect(running.adminToken).toBeUndefined();
    // Same token, same data, after a restart.
    expect((await createSchool(running.url, token)).status).toBe(201);
    expect(await running.store.listSchools()).toHaveLength(2);
    expect((await running.schoolSummaries()).map((s) => [s.name, s.score, s.band])).toEqual([
      ['Local school', null, 'insufficient_data'],
      ['Local school', null, 'insufficient_data'],
    ]);
  });

  it('scores with the configured scoring in its summaries, as the school list, detail and plan do', async () => {
    // Issue 14 item 10: `serve --scoring FILE` passes the file's config here. 50 Mbit/s for
    // 10 pupils, 160 ms and 0.5 % loss score 85 (as in app.test.ts: (30 + 5 + 7.5) / 0.5):
    // good by default, moderate once the good band starts at 90.
    const now = new Date('2026-03-10T12:00:00.000Z');
    const scoring = { ...DEFAULT_SCORING_CONFIG, bands: { good: 90, moderate: 50 } };
    running = await startCollector({
      port: 0,
      dataDir: dir,
      logger: false,
      dashboardAssets: false,
      config: { scoring, now: () => now },
    });
    const created = await createSchool(running.url, running.adminToken!);
    const { id } = (await created.json()) as { id: string };
    const code = await running.store.createEnrollmentCode(id, 3_600_000, now);
    const agent = await running.store.redeemEnrollmentCode(
      code.code,
      { hostname: 'h', agent_version: '1' },
      now,
    );
    const at = new Date(now.getTime() - 3_600_000).toISOString();
    await running.store.insertResults([
      makeResult(agent.agent_id, id, {
        measurement: 'throughput',
        fields: { download_mbps: 50 },
        tags: {},
        at,
      }),
      makeResult(agent.agent_id, id, { fields: { rtt_avg_ms: 160, loss_pct: 0.5 }, at }),
    ]);

    const summaries = await running.schoolSummaries();
    const list = (await (await fetch(`${running.url}/api/v1/schools`)).json()) as SchoolSummary[];
    const detail = (await (await fetch(`${running.url}/api/v1/schools/${id}`)).json()) as SchoolSummary;
    const plan = (await (await fetch(`${running.url}/api/v1/plan`)).json()) as {
      selected: { school_id: string; score_before: number }[];
      unscored: string[];
    };
    expect(summaries).toHaveLength(1);
    const [summary] = summaries as [SchoolSummary];
    expect(summary.score).toBeGreaterThanOrEqual(80);
    expect(summary.score).toBeLessThan(90);
    expect(summary.band).toBe('moderate');
    expect(list).toEqual(summaries);
    expect({ score: detail.score, band: detail.band }).toEqual({ score: summary.score, band: 'moderate' });
    expect(plan.unscored).not.toContain(id);
    for (const s of plan.selected.filter((s) => s.school_id === id))
      expect(s.score_before).toBe(summary.score);
  });

  it('logs unless asked to be quiet', async () => {
    running = await startCollector({ port: 0, dataDir: dir, quiet: true, dashboardAssets: false });
    // Fastify's no-op logger has no level; a pino logger has one.
    expect(running.app.log.level).toBeUndefined();
    await running.close();
    running = await startCollector({
      port: 0,
      dataDir: dir,
      logger: { level: 'warn' },
      dashboardAssets: false,
    });
    expect(running.app.log.level).toBe('warn');
  });

  it('closes even while a client holds a silent connection', async () => {
    running = await startCollector({
      port: 0,
      dataDir: dir,
      logger: false,
      dashboardAssets: false,
      config: { shutdownGraceMs: 20 },
    });
    const { port } = new URL(running.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const closedByServer = new Promise((resolve) => socket.once('close', resolve));
    await running.close();
    running = undefined;
    await closedByServer;
  });

  it('closes the store when listening fails', async () => {
    running = await startCollector({ port: 0, dataDir: dir, logger: false, dashboardAssets: false });
    const { port } = new URL(running.url);
    await expect(
      startCollector({ port: Number(port), dataDir: dir, logger: false, dashboardAssets: false }),
    ).rejects.toThrow(/EADDRINUSE/);
    // The database is still usable by the first collector.
    expect(await running.store.listSchools()).toEqual([]);
  });
});

describe('skolnet-collector CLI', () => {
  let dir: string;
  let remove: () => Promise<void>;
  let lines: { out: string[]; err: string[] };
  let io: CliIo;

  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    lines = { out: [], err: [] };
    io = { out: (l) => lines.out.push(l), err: (l) => lines.err.push(l) };
    process.exitCode = undefined;
  });
  afterEach(async () => {
    process.exitCode = undefined;
    await remove();
  });

  const run = async (...args: string[]): Promise<string> => {
    let written = '';
    const cli = createCli(io)
      .exitOverride()
      .configureOutput({ writeOut: (s) => (written += s), writeErr: (s) => (written += s) });
    for (const sub of cli.commands)
      sub
        .exitOverride()
        .configureOutput({ writeOut: (s) => (written += s), writeErr: (s) => (written += s) });
    try {
      await cli.parseAsync(['node', 'skolnet-collector', ...args]);
    } catch (err) {
      if (!(err instanceof CommanderError)) throw err;
    }
    return written;
  };

  it('prints its version and help', async () => {
    expect((await run('--version')).trim()).toBe(collectorVersion());
    const help = await run('--help');
    expect(help).toContain('serve');
    expect(help).toContain('admin-token');
    expect(await run('serve', '--help')).toContain('--data <dir>');
  });

  it('rejects a bad port', async () => {
    expect(await run('serve', '--port', 'eighty')).toContain('expected a port number');
  });

  it('issues a new admin token with --reset and invalidates the old one', async () => {
    const running = await startCollector({ port: 0, dataDir: dir, logger: false, dashboardAssets: false });
    const oldToken = running.adminToken!;
    try {
      await run('admin-token', '--reset', '--data', dir);
      const newToken = lines.out.map((l) => l.trim()).find((l) => /^[A-Za-z0-9_-]{43}$/.test(l));
      expect(newToken).toBeDefined();
      expect(newToken).not.toBe(oldToken);
      const post = (token: string): Promise<Response> =>
        fetch(`${running.url}/api/v1/schools`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'S', municipality: 'M', pupils: 1 }),
        });
      // The running server reads the hash per request: the reset applies at once.
      expect((await post(oldToken)).status).toBe(401);
      expect((await post(newToken!)).status).toBe(201);
    } finally {
      await running.close();
    }
  });

  it('finds the database by --database, by a config file, and by SKOLNET_DATABASE_URL', async () => {
    const database = `sqlite:${join(dir, 'elsewhere', 'c.db')}`;
    const running = await startCollector({ port: 0, database, logger: false, dashboardAssets: false });
    const tokens = new Set([running.adminToken]);
    const newToken = (): string | undefined => {
      const token = lines.out
        .map((l) => l.trim())
        .find((l) => /^[A-Za-z0-9_-]{43}$/.test(l) && !tokens.has(l));
      tokens.add(token);
      return token;
    };
    try {
      await run('admin-token', '--reset', '--database', database);
      expect(newToken()).toBeDefined();

      const config = join(dir, 'collector.yaml');
      // `port` is a serve option: admin-token reads the same file and skips it.
      writeFileSync(config, `database: ${database}\nport: 8080\n`);
      await run('admin-token', '--reset', '--config', config);
      expect(newToken()).toBeDefined();

      process.env[DATABASE_URL_ENV] = database;
      try {
        await run('admin-token', '--reset');
      } finally {
        delete process.env[DATABASE_URL_ENV];
      }
      const last = newToken();
      expect(last).toBeDefined();
      // The last reset went to the running collector's database.
      const res = await fetch(`${running.url}/api/v1/schools`, {
        method: 'POST',
        headers: { authorization: `Bearer ${last!}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'S', municipality: 'M', pupils: 1 }),
      });
      expect(res.status).toBe(201);
    } finally {
      await running.close();
    }
  });

  it('refuses a database URL it does not understand without echoing it', async () => {
    await expect(
      run('admin-token', '--reset', '--database', 'mysql://root:hunter2@db/x'),
    ).rejects.toMatchObject({
      code: ErrorCodes.CONFIG_INVALID,
      message: 'database URL must start with sqlite: or postgres:// (got mysql:)',
    });
    expect(await run('serve', '--help')).toContain('SKOLNET_DATABASE_URL');
  });

  it('refuses admin-token without --reset', async () => {
    await run('admin-token', '--data', dir);
    expect(process.exitCode).toBe(2);
    expect(lines.err.join('\n')).toContain('--reset');
    expect(lines.out).toEqual([]);
  });
});
