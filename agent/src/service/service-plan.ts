import { posix, win32 } from 'node:path';
import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import { LAUNCHD_LOG_PATH, LAUNCHD_PLIST_PATH, renderLaunchdPlist } from './launchd-plist.js';
import type { ServiceHost } from './service-host.js';
import {
  LAUNCHD_LABEL,
  LINUX_SERVICE_USER,
  MACOS_SERVICE_USER,
  SERVICE_NAME,
  agentCommand,
  type ServiceSpec,
} from './service-spec.js';
import { SYSTEMD_UNIT_PATH, renderSystemdUnit } from './systemd-unit.js';
import {
  renderWindowsInstallScript,
  renderWindowsStatusScript,
  renderWindowsUninstallScript,
} from './windows-task.js';

/** One step of installing or removing the service. */
export type ServiceStep =
  | { kind: 'write'; path: string; content: string; mode: number }
  | { kind: 'remove'; path: string }
  /** A command; `mayFail` steps (stopping what may not run) do not stop the plan. */
  | { kind: 'run'; argv: readonly string[]; mayFail?: boolean };

/** What `service install|uninstall` does on this host, for running or for `--dry-run`. */
export interface ServicePlan {
  steps: ServiceStep[];
  /** Lines for the operator after the steps (what to do next, where data lives). */
  notes: string[];
}

/** Where systemd keeps its runtime state while it is the init system (sd_booted(3)). */
const SYSTEMD_RUNNING_MARKER = '/run/systemd/system';
const UNIT = `${SERVICE_NAME}.service`;
/** First daemon UID/GID tried on macOS; Apple's own daemons use ids below 200 and 200-400 is free for others by convention. */
const MACOS_FIRST_DAEMON_ID = 300;
const MACOS_LAST_DAEMON_ID = 399;

/** Refuses a program path the service account cannot reach. */
function assertOutsideHome(what: string, path: string): void {
  if (/^\/(home|root|Users)\//.test(path)) {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `${what} ${path} is inside a home directory, which the service account cannot read; install Node.js and the agent system-wide (see docs/install.md)`,
    );
  }
}

/** Install steps for the current platform. */
export async function installPlan(spec: ServiceSpec, host: ServiceHost): Promise<ServicePlan> {
  switch (host.platform) {
    case 'linux':
      return linuxInstall(spec, host);
    case 'darwin':
      return macosInstall(spec, host);
    case 'win32':
      return windowsInstall(spec);
    default:
      throw unsupported(host.platform);
  }
}

/** Uninstall steps for the current platform; the state directory always stays. */
export function uninstallPlan(stateDir: string, host: ServiceHost): ServicePlan {
  const keep = `the state directory ${stateDir} (credentials, outbox) is kept; delete it to remove all data`;
  switch (host.platform) {
    case 'linux': {
      const steps: ServiceStep[] = [];
      const systemd = host.exists(SYSTEMD_RUNNING_MARKER);
      if (systemd) steps.push({ kind: 'run', argv: ['systemctl', 'disable', '--now', UNIT], mayFail: true });
      steps.push({ kind: 'remove', path: SYSTEMD_UNIT_PATH });
      if (systemd) steps.push({ kind: 'run', argv: ['systemctl', 'daemon-reload'] });
      return {
        steps,
        notes: [keep, `the system user ${LINUX_SERVICE_USER} is kept (userdel ${LINUX_SERVICE_USER})`],
      };
    }
    case 'darwin':
      return {
        steps: [
          { kind: 'run', argv: ['launchctl', 'bootout', `system/${LAUNCHD_LABEL}`], mayFail: true },
          { kind: 'remove', path: LAUNCHD_PLIST_PATH },
        ],
        notes: [keep, `the log ${LAUNCHD_LOG_PATH} is kept`],
      };
    case 'win32': {
      const script = win32.join(stateDir, 'uninstall-service.ps1');
      return {
        steps: [
          { kind: 'write', path: script, content: renderWindowsUninstallScript(), mode: 0o600 },
          { kind: 'run', argv: powershell(script) },
        ],
        notes: [keep],
      };
    }
    default:
      throw unsupported(host.platform);
  }
}

/** The command whose exit status tells whether the service runs (0) or not. */
export function statusCommands(host: ServiceHost, stateDir: string): ServicePlan {
  switch (host.platform) {
    case 'linux':
      return {
        steps: host.exists(SYSTEMD_RUNNING_MARKER)
          ? [{ kind: 'run', argv: ['systemctl', 'status', '--no-pager', '--lines=5', UNIT] }]
          : [],
        notes: [],
      };
    case 'darwin':
      return { steps: [{ kind: 'run', argv: ['launchctl', 'print', `system/${LAUNCHD_LABEL}`] }], notes: [] };
    case 'win32': {
      const script = win32.join(stateDir, 'status-service.ps1');
      return {
        steps: [
          { kind: 'write', path: script, content: renderWindowsStatusScript(), mode: 0o600 },
          { kind: 'run', argv: powershell(script) },
        ],
        notes: [],
      };
    }
    default:
      throw unsupported(host.platform);
  }
}

/** The file that marks the service as installed on this platform. */
export function serviceFile(platform: NodeJS.Platform): string | undefined {
  if (platform === 'linux') return SYSTEMD_UNIT_PATH;
  if (platform === 'darwin') return LAUNCHD_PLIST_PATH;
  return undefined;
}

/** True when systemd is the running init system. */
export function systemdRunning(host: ServiceHost): boolean {
  return host.exists(SYSTEMD_RUNNING_MARKER);
}

async function linuxInstall(spec: ServiceSpec, host: ServiceHost): Promise<ServicePlan> {
  assertOutsideHome('Node.js', spec.nodePath);
  assertOutsideHome('the agent', spec.agentScript);
  const unit = renderSystemdUnit(spec);
  const steps: ServiceStep[] = [];
  const user = LINUX_SERVICE_USER;
  if ((await host.run('id', ['-u', user])).code !== 0) {
    steps.push({
      kind: 'run',
      argv: [
        'useradd',
        '--system',
        '--user-group',
        '--no-create-home',
        '--home-dir',
        '/nonexistent',
        '--shell',
        '/usr/sbin/nologin',
        user,
      ],
    });
  }
  // StateDirectory= under /var/lib hands the directory to the user at every
  // start; anywhere else the installer must.
  if (!posix.normalize(spec.stateDir).startsWith('/var/lib/')) {
    steps.push({ kind: 'run', argv: ['chown', '-R', `${user}:${user}`, spec.stateDir] });
  }
  if (spec.configFile) steps.push(...configAccess(spec.configFile, user));
  steps.push({ kind: 'write', path: SYSTEMD_UNIT_PATH, content: unit, mode: 0o644 });
  const notes: string[] = [];
  if (systemdRunning(host)) {
    steps.push({ kind: 'run', argv: ['systemctl', 'daemon-reload'] });
    steps.push({ kind: 'run', argv: ['systemctl', 'enable', '--now', UNIT] });
    notes.push(`check it with: systemctl status ${UNIT}; journalctl -u ${UNIT}; skolnet-agent status`);
  } else {
    notes.push(
      `systemd is not running on this host (no ${SYSTEMD_RUNNING_MARKER}): the unit is written but nothing starts it. ` +
        `On a systemd host run: systemctl daemon-reload && systemctl enable --now ${UNIT}. ` +
        // The same command as the unit's ExecStart, node options included.
        `Otherwise start "${agentCommand(spec).join(' ')}" as user ${user} from your init system.`,
    );
  }
  return { steps, notes };
}

/** Lets the service user read a root-owned config file that holds SNMP credentials (mode 0640). */
function configAccess(file: string, group: string): ServiceStep[] {
  return [
    { kind: 'run', argv: ['chown', `root:${group}`, file] },
    { kind: 'run', argv: ['chmod', '0640', file] },
  ];
}

async function macosInstall(spec: ServiceSpec, host: ServiceHost): Promise<ServicePlan> {
  assertOutsideHome('Node.js', spec.nodePath);
  assertOutsideHome('the agent', spec.agentScript);
  const user = MACOS_SERVICE_USER;
  const steps: ServiceStep[] = [];
  if ((await host.run('id', ['-u', user])).code !== 0) {
    const id = await freeMacosId(host);
    const dscl = (...args: string[]): ServiceStep => ({
      kind: 'run',
      argv: ['dscl', '.', '-create', ...args],
    });
    steps.push(
      dscl(`/Groups/${user}`),
      dscl(`/Groups/${user}`, 'PrimaryGroupID', String(id)),
      dscl(`/Users/${user}`),
      dscl(`/Users/${user}`, 'UniqueID', String(id)),
      dscl(`/Users/${user}`, 'PrimaryGroupID', String(id)),
      dscl(`/Users/${user}`, 'UserShell', '/usr/bin/false'),
      dscl(`/Users/${user}`, 'NFSHomeDirectory', '/var/empty'),
      dscl(`/Users/${user}`, 'RealName', 'skolnet agent'),
      dscl(`/Users/${user}`, 'IsHidden', '1'),
    );
  }
  steps.push({ kind: 'run', argv: ['chown', '-R', `${user}:${user}`, spec.stateDir] });
  steps.push({ kind: 'run', argv: ['chmod', '0700', spec.stateDir] });
  if (spec.configFile) steps.push(...configAccess(spec.configFile, user));
  steps.push({ kind: 'write', path: LAUNCHD_PLIST_PATH, content: renderLaunchdPlist(spec), mode: 0o644 });
  // A job already loaded (reinstall) must go before bootstrap accepts the new file.
  steps.push({ kind: 'run', argv: ['launchctl', 'bootout', `system/${LAUNCHD_LABEL}`], mayFail: true });
  steps.push({ kind: 'run', argv: ['launchctl', 'bootstrap', 'system', LAUNCHD_PLIST_PATH] });
  return {
    steps,
    notes: [
      `check it with: sudo launchctl print system/${LAUNCHD_LABEL}; tail ${LAUNCHD_LOG_PATH}; skolnet-agent status`,
    ],
  };
}

/** The lowest daemon id in the conventional range that no user or group has. */
async function freeMacosId(host: ServiceHost): Promise<number> {
  const used = new Set<number>();
  for (const [path, key] of [
    ['/Users', 'UniqueID'],
    ['/Groups', 'PrimaryGroupID'],
  ] as const) {
    const out = await host.run('dscl', ['.', '-list', path, key]);
    for (const m of out.stdout.matchAll(/\s(\d+)\s*$/gm)) used.add(Number(m[1]));
  }
  for (let id = MACOS_FIRST_DAEMON_ID; id <= MACOS_LAST_DAEMON_ID; id += 1) if (!used.has(id)) return id;
  throw new SkolnetError(
    ErrorCodes.INTERNAL,
    `no free daemon id in ${MACOS_FIRST_DAEMON_ID}-${MACOS_LAST_DAEMON_ID} for ${MACOS_SERVICE_USER}`,
  );
}

function windowsInstall(spec: ServiceSpec): ServicePlan {
  const script = win32.join(spec.stateDir, 'install-service.ps1');
  return {
    steps: [
      { kind: 'write', path: script, content: renderWindowsInstallScript(spec), mode: 0o600 },
      { kind: 'run', argv: powershell(script) },
    ],
    notes: [
      `check it with: Get-ScheduledTask -TaskName ${SERVICE_NAME} | Get-ScheduledTaskInfo; skolnet-agent status --state "${spec.stateDir}"`,
    ],
  };
}

function powershell(script: string): string[] {
  return ['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-File', script];
}

function unsupported(platform: string): SkolnetError {
  return new SkolnetError(
    ErrorCodes.CLI_BAD_ARGUMENT,
    `service management is not supported on ${platform}; run "skolnet-agent run" from your init system`,
  );
}
