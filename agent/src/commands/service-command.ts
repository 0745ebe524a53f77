import { realpathSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared/core';
import { createServiceHost, type ServiceHost } from '../service/service-host.js';
import {
  installPlan,
  serviceFile,
  statusCommands,
  systemdRunning,
  uninstallPlan,
  type ServicePlan,
  type ServiceStep,
} from '../service/service-plan.js';
import { SERVICE_STATE_DIRS, type ServiceSpec } from '../service/service-spec.js';
import { STATE_DIR_ENV, createAgentState } from '../state/agent-state.js';
import type { CommandContext } from './command-context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from './command-context.js';

/** Exit status of `service status` when the service is installed but not running (LSB init-script convention). */
export const EXIT_NOT_RUNNING = 3;

/** Options of `skolnet-agent service install|uninstall|status`. */
export interface ServiceOptions {
  state?: string;
  config?: string;
  dryRun?: boolean;
}

/** What the service commands take from their surroundings; defaults to this process's. */
export interface ServiceDeps {
  host?: ServiceHost;
  /** The Node.js binary the service runs. */
  nodePath?: string;
  /** The agent's entry script the service runs. */
  agentScript?: string;
}

/** The state directory of the service: `--state`, `SKOLNET_AGENT_STATE`, or the platform's system-wide directory. */
function serviceStateDir(options: ServiceOptions, ctx: CommandContext, platform: NodeJS.Platform): string {
  if (options.state) return options.state;
  if (ctx.env[STATE_DIR_ENV]) return ctx.env[STATE_DIR_ENV];
  return platform === 'darwin' || platform === 'win32'
    ? SERVICE_STATE_DIRS[platform]
    : SERVICE_STATE_DIRS.linux;
}

function defaultAgentScript(): string {
  // dist/commands/service-command.js → bin/skolnet-agent.js
  const script = fileURLToPath(new URL('../../bin/skolnet-agent.js', import.meta.url));
  try {
    return realpathSync(script);
  } catch {
    return script;
  }
}

/** Prints a plan's steps as an operator would type them. */
function describePlan(plan: ServicePlan, ctx: CommandContext): void {
  for (const step of plan.steps) {
    if (step.kind === 'write') {
      ctx.io.stdout(`# write ${step.path} (mode ${step.mode.toString(8).padStart(4, '0')})\n${step.content}`);
      if (!step.content.endsWith('\n')) ctx.io.stdout('\n');
    } else if (step.kind === 'remove') ctx.io.stdout(`rm -f ${shellWord(step.path)}\n`);
    else ctx.io.stdout(`${step.argv.map(shellWord).join(' ')}${step.mayFail ? ' || true' : ''}\n`);
  }
  for (const note of plan.notes) ctx.io.stdout(`# ${note}\n`);
}

function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Runs a plan's steps in order; stops at the first failing step that must not fail. */
async function applyPlan(plan: ServicePlan, host: ServiceHost, ctx: CommandContext): Promise<number> {
  for (const step of plan.steps) {
    const label = stepLabel(step);
    if (step.kind === 'write') host.writeFile(step.path, step.content, step.mode);
    else if (step.kind === 'remove') host.removeFile(step.path);
    else {
      const [command = '', ...args] = step.argv;
      const out = await host.run(command, args);
      if (out.code !== 0 && !step.mayFail) {
        ctx.io.stderr(
          `error: ${label} failed with exit status ${out.code}: ${out.stderr.trim() || out.stdout.trim()} (${ErrorCodes.INTERNAL})\n`,
        );
        return EXIT_FAILURE;
      }
    }
    ctx.io.stderr(`${label}\n`);
  }
  for (const note of plan.notes) ctx.io.stderr(`${note}\n`);
  return EXIT_OK;
}

function stepLabel(step: ServiceStep): string {
  if (step.kind === 'write') return `wrote ${step.path}`;
  if (step.kind === 'remove') return `removed ${step.path}`;
  return `ran ${step.argv.join(' ')}`;
}

function requireAdmin(host: ServiceHost, ctx: CommandContext, what: string): boolean {
  if (host.isAdmin()) return true;
  ctx.io.stderr(
    `error: service ${what} needs root (run it with sudo), or use --dry-run to see what it would do (${ErrorCodes.CLI_BAD_ARGUMENT})\n`,
  );
  return false;
}

/**
 * `service install`: generates the platform's service file for the
 * enrolled agent (state directory, collector and config file from the
 * enrollment and the options) and registers it, or prints everything
 * with `--dry-run`.
 */
export async function runServiceInstall(
  options: ServiceOptions,
  runArgs: readonly string[],
  ctx: CommandContext,
  deps: ServiceDeps = {},
): Promise<number> {
  const host = deps.host ?? createServiceHost();
  const stateDir = resolve(serviceStateDir(options, ctx, host.platform));
  const state = createAgentState({ flag: stateDir, env: ctx.env });
  let credentials;
  try {
    credentials = state.readCredentials();
  } catch (err) {
    if (isSkolnetError(err, ErrorCodes.ENROLL_MISSING)) {
      ctx.io.stderr(
        `error: not enrolled in ${stateDir}: run skolnet-agent enroll --collector URL --code CODE --state ${stateDir} first (${err.code})\n`,
      );
      return EXIT_USAGE;
    }
    throw err;
  }
  const spec: ServiceSpec = {
    nodePath: deps.nodePath ?? process.execPath,
    agentScript: deps.agentScript ?? defaultAgentScript(),
    stateDir,
    collectorUrl: credentials.collector_url,
    ...(options.config
      ? { configFile: isAbsolute(options.config) ? options.config : resolve(options.config) }
      : {}),
    runArgs,
  };
  if (!options.dryRun && !requireAdmin(host, ctx, 'install')) return EXIT_USAGE;
  const plan = await installPlan(spec, host);
  if (options.dryRun) {
    describePlan(plan, ctx);
    return EXIT_OK;
  }
  return applyPlan(plan, host, ctx);
}

/** `service uninstall`: stops and removes the service; the state directory stays. */
export async function runServiceUninstall(
  options: ServiceOptions,
  ctx: CommandContext,
  deps: ServiceDeps = {},
): Promise<number> {
  const host = deps.host ?? createServiceHost();
  const stateDir = resolve(serviceStateDir(options, ctx, host.platform));
  const plan = uninstallPlan(stateDir, host);
  if (options.dryRun) {
    describePlan(plan, ctx);
    return EXIT_OK;
  }
  if (!requireAdmin(host, ctx, 'uninstall')) return EXIT_USAGE;
  return applyPlan(plan, host, ctx);
}

/**
 * `service status`: whether the service is installed and running, from the
 * platform's service manager. Exit 0 running, 3 installed but not running
 * or not installed, 1 when the manager cannot tell.
 */
export async function runServiceStatus(
  options: ServiceOptions,
  ctx: CommandContext,
  deps: ServiceDeps = {},
): Promise<number> {
  const host = deps.host ?? createServiceHost();
  const stateDir = resolve(serviceStateDir(options, ctx, host.platform));
  const file = serviceFile(host.platform);
  if (file !== undefined && !host.exists(file)) {
    ctx.io.stdout(`not installed (no ${file}); install with: sudo skolnet-agent service install\n`);
    return EXIT_NOT_RUNNING;
  }
  if (host.platform === 'linux' && !systemdRunning(host)) {
    ctx.io.stdout(`installed (${file}), but systemd is not running on this host, so nothing runs it\n`);
    return EXIT_NOT_RUNNING;
  }
  const plan = statusCommands(host, stateDir);
  let code = EXIT_OK;
  for (const step of plan.steps) {
    if (step.kind === 'write') host.writeFile(step.path, step.content, step.mode);
    else if (step.kind === 'run') {
      const [command = '', ...args] = step.argv;
      const out = await host.run(command, args);
      ctx.io.stdout(out.stdout);
      if (out.stderr.trim()) ctx.io.stderr(out.stderr);
      // systemctl status: 3 = not running (LSB); launchctl print: non-zero = not loaded.
      if (out.code !== 0) code = out.code === 127 ? EXIT_FAILURE : EXIT_NOT_RUNNING;
    }
  }
  ctx.io.stdout(`state directory: ${stateDir}\n`);
  return code;
}
