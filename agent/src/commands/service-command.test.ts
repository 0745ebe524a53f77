import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { main } from '../cli.js';
import type { HostCommandResult, ServiceHost } from '../service/service-host.js';
import { createAgentState } from '../state/agent-state.js';

/** A host that records what the installer does and answers commands from a table. */
function fakeHost(
  platform: NodeJS.Platform,
  opts: { admin?: boolean; systemd?: boolean; userExists?: boolean; files?: string[]; fail?: string } = {},
): ServiceHost & { log: string[]; written: Map<string, string> } {
  const files = new Set(opts.files ?? []);
  if (opts.systemd) files.add('/run/systemd/system');
  const log: string[] = [];
  const written = new Map<string, string>();
  return {
    platform,
    log,
    written,
    isAdmin: () => opts.admin ?? true,
    exists: (p) => files.has(p),
    writeFile: (p, content, mode) => {
      log.push(`write ${p} ${mode.toString(8)}`);
      written.set(p, content);
      files.add(p);
    },
    removeFile: (p) => {
      log.push(`remove ${p}`);
      files.delete(p);
    },
    run: (command, args): Promise<HostCommandResult> => {
      const line = [command, ...args].join(' ');
      if (command === 'id') return Promise.resolve({ code: opts.userExists ? 0 : 1, stdout: '', stderr: '' });
      log.push(line);
      if (opts.fail && line.startsWith(opts.fail))
        return Promise.resolve({ code: 1, stdout: '', stderr: 'boom' });
      if (line.startsWith('systemctl status'))
        return Promise.resolve({ code: 0, stdout: 'active (running)\n', stderr: '' });
      return Promise.resolve({ code: 0, stdout: '', stderr: '' });
    },
  };
}

let dir: string;
let stateDir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skolnet-service-'));
  stateDir = join(dir, 'state');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const enroll = (): void =>
  createAgentState({ flag: stateDir }).writeCredentials({
    collector_url: 'http://127.0.0.1:8080/',
    agent_id: 'agent-1',
    school_id: 'school-1',
    secret: 'x'.repeat(32),
    enrolled_at: '2025-01-01T00:00:00.000Z',
  });

async function cli(
  argv: string[],
  host: ServiceHost,
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(
    argv,
    { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) },
    {
      env: {},
      service: { host, nodePath: '/usr/bin/node', agentScript: '/usr/lib/skolnet/bin/skolnet-agent.js' },
    },
  );
  return { code, stdout, stderr };
}

describe('skolnet-agent service', () => {
  it('install on a systemd host creates the user, writes the unit, reloads and starts it', async () => {
    enroll();
    const host = fakeHost('linux', { systemd: true });
    const out = await cli(['service', 'install', '--state', stateDir, '--', '--only', 'latency'], host);
    expect(out.code, out.stderr).toBe(0);
    expect(host.log).toEqual([
      'useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin skolnet-agent',
      `chown -R skolnet-agent:skolnet-agent ${stateDir}`,
      'write /etc/systemd/system/skolnet-agent.service 644',
      'systemctl daemon-reload',
      'systemctl enable --now skolnet-agent.service',
    ]);
    const unit = host.written.get('/etc/systemd/system/skolnet-agent.service') ?? '';
    expect(unit).toContain(
      `ExecStart=/usr/bin/node --max-semi-space-size=1 --v8-pool-size=1 --max-opt=1 /usr/lib/skolnet/bin/skolnet-agent.js run --state ${stateDir} --only latency`,
    );
    expect(unit).toContain('# Collector: http://127.0.0.1:8080/');
  });

  it('install without systemd writes the unit and says what to do instead', async () => {
    enroll();
    const host = fakeHost('linux', { userExists: true });
    const out = await cli(['service', 'install', '--state', stateDir], host);
    expect(out.code).toBe(0);
    expect(host.log).not.toContain('systemctl daemon-reload');
    expect(out.stderr).toMatch(/systemd is not running on this host/);
  });

  it('--dry-run prints the unit and the commands and changes nothing, even unprivileged', async () => {
    enroll();
    const host = fakeHost('linux', { systemd: true, admin: false });
    const out = await cli(['service', 'install', '--dry-run', '--state', stateDir], host);
    expect(out.code, out.stderr).toBe(0);
    expect(host.log).toEqual([]);
    expect(out.stdout).toContain('# write /etc/systemd/system/skolnet-agent.service (mode 0644)');
    expect(out.stdout).toContain('[Service]');
    expect(out.stdout).toContain('systemctl enable --now skolnet-agent.service');
  });

  it('refuses to install without root, and before enrollment, with exit 2', async () => {
    const host = fakeHost('linux', { systemd: true });
    const notEnrolled = await cli(['service', 'install', '--state', stateDir], host);
    expect(notEnrolled.code).toBe(2);
    expect(notEnrolled.stderr).toContain(ErrorCodes.ENROLL_MISSING);
    enroll();
    const notRoot = await cli(
      ['service', 'install', '--state', stateDir],
      fakeHost('linux', { admin: false }),
    );
    expect(notRoot.code).toBe(2);
    expect(notRoot.stderr).toMatch(/needs root/);
  });

  it('stops at a failing step and reports it', async () => {
    enroll();
    const host = fakeHost('linux', { systemd: true, userExists: true, fail: 'systemctl enable' });
    const out = await cli(['service', 'install', '--state', stateDir], host);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(
      /systemctl enable --now skolnet-agent.service failed with exit status 1: boom/,
    );
  });

  it('uninstall disables, removes the unit and keeps the state directory', async () => {
    const host = fakeHost('linux', { systemd: true });
    const out = await cli(['service', 'uninstall', '--state', stateDir], host);
    expect(out.code).toBe(0);
    expect(host.log).toEqual([
      'systemctl disable --now skolnet-agent.service',
      'remove /etc/systemd/system/skolnet-agent.service',
      'systemctl daemon-reload',
    ]);
    expect(out.stderr).toContain(`the state directory ${stateDir}`);
  });

  it('status: not installed (3), installed without systemd (3), running (0)', async () => {
    expect((await cli(['service', 'status'], fakeHost('linux'))).code).toBe(3);
    const unit = '/etc/systemd/system/skolnet-agent.service';
    const noSystemd = await cli(['service', 'status'], fakeHost('linux', { files: [unit] }));
    expect(noSystemd.code).toBe(3);
    expect(noSystemd.stdout).toMatch(/systemd is not running/);
    const running = await cli(['service', 'status'], fakeHost('linux', { files: [unit], systemd: true }));
    expect(running.code).toBe(0);
    expect(running.stdout).toContain('active (running)');
  });

  it('install on macOS creates a daemon user with a free id and bootstraps the LaunchDaemon', async () => {
    enroll();
    const host = fakeHost('darwin');
    const out = await cli(['service', 'install', '--state', stateDir], host);
    expect(out.code, out.stderr).toBe(0);
    expect(host.log).toContain('dscl . -create /Users/_skolnet UniqueID 300');
    expect(host.log.slice(-3)).toEqual([
      'write /Library/LaunchDaemons/skolnet.agent.plist 644',
      'launchctl bootout system/skolnet.agent',
      'launchctl bootstrap system /Library/LaunchDaemons/skolnet.agent.plist',
    ]);
  });

  it('install on Windows writes the PowerShell script into the state directory and runs it', async () => {
    enroll();
    const host = fakeHost('win32');
    const out = await cli(['service', 'install', '--state', stateDir], host);
    expect(out.code, out.stderr).toBe(0);
    const script = [...host.written.keys()][0] ?? '';
    expect(script).toMatch(/install-service\.ps1$/);
    expect(host.written.get(script)).toContain('Register-ScheduledTask');
    expect(host.log.at(-1)).toBe(
      `powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -File ${script}`,
    );
  });
});
