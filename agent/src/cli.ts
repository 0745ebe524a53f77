import type { CompressedClock } from './runtime/test-clock.js';
import { Command, CommanderError, Option } from 'commander';
import { AGENT_ROLES, DEFAULT_AGENT_ROLE, ErrorCodes } from '@skolnet/shared/core';
import { probeRegistry } from './probes/registry.js';
import type { CommandRunner, ProbeDefinition } from './probes/probe.js';
import { createCommandRunner } from './system/command-runner.js';
import { AGENT_VERSION } from './runtime/agent-version.js';
import { DEFAULT_INITIAL_DELAY_MAX_MS } from './runtime/scheduler.js';
import type { AssessOptions } from './commands/assess-command.js';
import type { CommandContext, CommandIo } from './commands/command-context.js';
import { EXIT_USAGE, exitCodeFor, formatCliError } from './commands/command-context.js';
import type { EnrollOptions } from './commands/enroll-command.js';
import type { RotateSecretOptions } from './commands/rotate-secret-command.js';
import type { RunOptions } from './commands/run-command.js';
import type { ServiceDeps, ServiceOptions } from './commands/service-command.js';
import type { StatusOptions } from './commands/status-command.js';
import type { SurveyOptions } from './commands/survey-command.js';
import type { WifiImportOptions } from './commands/wifi-import-command.js';
import { STATE_DIR_ENV } from './state/agent-state.js';

// Each command's module is imported when that command runs: a long-running
// `run` then never loads what only `enroll` or `assess` need (the HTTP
// client, the YAML parser, the survey prompts), and `--help` loads none.

/** What `main` takes from its surroundings besides argv; everything defaults to this process's. */
export interface CliDeps {
  /** Probes by name. Default: the agent's registry. */
  registry?: Readonly<Record<string, ProbeDefinition>>;
  /** Builds the command runner. Default: the real one. */
  createRunner?: () => CommandRunner;
  now?: () => Date;
  env?: NodeJS.ProcessEnv;
  /** Stops `run` and `assess`; without it they stop on SIGINT/SIGTERM. */
  stopSignal?: AbortSignal;
  /** Tests only: `run` on a clock faster than real time (test-clock.ts). */
  compressedClock?: CompressedClock;
  /** The host `service install|uninstall|status` acts on. Default: this machine. */
  service?: ServiceDeps;
}

/**
 * Runs the skolnet-agent command line. `argv` are the user's arguments
 * (without `node` and the script). Resolves with the exit status instead
 * of exiting, so tests can call it; the bin shim sets `process.exitCode`.
 * Exit 0 on success, 2 on bad usage or something the user must fix, 1 otherwise.
 */
export async function main(
  argv: readonly string[],
  io: Partial<CommandIo> = {},
  deps: CliDeps = {},
): Promise<number> {
  const out: CommandIo = {
    stdout: io.stdout ?? ((text) => void process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => void process.stderr.write(text)),
  };
  const registry = deps.registry ?? probeRegistry;
  const ctx: CommandContext = {
    io: out,
    registry,
    createRunner: deps.createRunner ?? (() => createCommandRunner()),
    now: deps.now ?? (() => new Date()),
    env: deps.env ?? process.env,
    ...(deps.stopSignal ? { stopSignal: deps.stopSignal } : {}),
    ...(deps.compressedClock ? { compressedClock: deps.compressedClock } : {}),
  };
  const probeList = Object.entries(registry)
    .map(
      ([name, def]) =>
        `  ${name.padEnd(12)} ${def.description}${def.needsCollector ? ' (needs --collector)' : ''}`,
    )
    .join('\n');
  const optionList = Object.entries(registry)
    .flatMap(([name, def]) =>
      Object.entries(def.options ?? {}).map(
        ([key, spec]) =>
          `  ${`${name}.${key}`.padEnd(28)} ${spec.description} (default: ${JSON.stringify(spec.default)})`,
      ),
    )
    .join('\n');
  const probesHelp =
    `\nProbes:\n${probeList || '  (none registered)'}\n` +
    (optionList ? `\nProbe options (--set PROBE.OPTION=VALUE):\n${optionList}\n` : '');

  let exitCode = 0;
  const program = new Command('skolnet-agent')
    .description("Measures a school's connectivity and streams results to the skolnet collector.")
    .version(AGENT_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => out.stdout(s),
      writeErr: (s) => out.stderr(s),
      // Commander's own usage errors get the code every other error carries.
      outputError: (s, write) => {
        const [first = '', ...rest] = s.trimEnd().split('\n');
        write(
          `${[`${first} (${ErrorCodes.CLI_BAD_ARGUMENT})`, ...rest].join('\n')}\nsee skolnet-agent --help\n`,
        );
      },
    })
    .showSuggestionAfterError(true)
    .allowExcessArguments(false);

  program
    .command('assess')
    .description('run the probes once and print the results (no enrollment needed)')
    .option('--collector <url>', 'collector base URL, e.g. https://skolnet.example.org')
    .option('--only <probes>', 'comma-separated probes to run (default: all)')
    .option('--json', 'print one JSON object {"results": [...]} on stdout')
    .option('--config <file>', 'agent config file (YAML): snmp targets and credentials, probe options')
    .addOption(
      new Option(
        '--set <probe.option=value>',
        'set a probe option, e.g. latency.count=20 (repeatable)',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addHelpText('after', probesHelp)
    .action(async (opts: AssessOptions) => {
      const { runAssessCommand } = await import('./commands/assess-command.js');
      exitCode = await runAssessCommand(opts, ctx);
    });

  program
    .command('enroll')
    .description('enroll this agent with a one-time code and store its credentials')
    .requiredOption('--collector <url>', 'collector base URL')
    .requiredOption('--code <code>', 'one-time enrollment code from the collector')
    .option(
      '--role <role>',
      `what this machine is: ${AGENT_ROLES.join(', ')} (default: ${DEFAULT_AGENT_ROLE}); an issued_laptop reports a pseudonym instead of its hostname`,
    )
    .option('--state <dir>', `state directory (default: $${STATE_DIR_ENV} or the per-user state directory)`)
    .action(async (opts: EnrollOptions) => {
      const { runEnrollCommand } = await import('./commands/enroll-command.js');
      exitCode = await runEnrollCommand(opts, ctx);
    });

  program
    .command('run')
    .description('run the probes on schedule and stream results to the collector (needs enrollment)')
    .option('--state <dir>', `state directory (default: $${STATE_DIR_ENV} or the per-user state directory)`)
    .option('--only <probes>', 'comma-separated probes to run (default: all)')
    .option('--config <file>', 'agent config file (YAML): snmp targets and credentials, probe options')
    .addOption(
      new Option(
        '--interval <probe=duration>',
        'interval of one probe, e.g. latency=5m (repeatable)',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .addOption(
      new Option(
        '--set <probe.option=value>',
        'set a probe option, e.g. latency.count=20 (repeatable)',
      ).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]),
    )
    .option(
      '--initial-delay <duration>',
      `upper bound of the random delay before each probe's first run (default: ${DEFAULT_INITIAL_DELAY_MAX_MS / 1000}s)`,
    )
    .option(
      '--assess-now',
      'run every probe once at start, heavy ones too, whatever the timetable says (as after enrollment)',
    )
    .addHelpText('after', probesHelp)
    .action(async (opts: RunOptions) => {
      const { runRunCommand } = await import('./commands/run-command.js');
      exitCode = await runRunCommand(opts, ctx);
    });

  program
    .command('status')
    .description(
      'show what the agent in the state directory is doing (connection, outbox, last results, budget)',
    )
    .option('--state <dir>', `state directory (default: $${STATE_DIR_ENV} or the per-user state directory)`)
    .option('--json', 'print one JSON object on stdout')
    .addHelpText(
      'after',
      '\nExit status: 0 an agent is running; 3 no agent is running (the last known state is shown,\n' +
        'with the age of its status file); 2 not enrolled or bad arguments; 1 anything else.\n',
    )
    .action(async (opts: StatusOptions) => {
      const { runStatusCommand } = await import('./commands/status-command.js');
      exitCode = runStatusCommand(opts, ctx);
    });

  program
    .command('rotate-secret')
    .description(
      "replace this agent's secret with a new one from the collector (the old one works until the new one is saved)",
    )
    .option('--state <dir>', `state directory (default: $${STATE_DIR_ENV} or the per-user state directory)`)
    .option('--timeout <duration>', 'how long to keep trying to reach the collector (default: 1m)')
    .action(async (opts: RotateSecretOptions) => {
      const { runRotateSecretCommand } = await import('./commands/rotate-secret-command.js');
      exitCode = await runRotateSecretCommand(opts, ctx);
    });

  program
    .command('survey')
    .description('walk the school: sample Wi-Fi room by room and store room-tagged results')
    .option('--room <name>', 'survey this one room without asking (scripted use)')
    .option('--room-use <use>', 'teaching or other, with --room (default: teaching)')
    .option('--samples <n>', 'samples per room (default: 5)')
    .option('--interval <duration>', 'pause between samples (default: 2s)')
    .option('--json', 'print one JSON object {"results": [...]} on stdout')
    .option('--state <dir>', `state directory (default: $${STATE_DIR_ENV} or the per-user state directory)`)
    .action(async (opts: SurveyOptions) => {
      const { runSurveyCommand } = await import('./commands/survey-command.js');
      exitCode = await runSurveyCommand(opts, ctx);
    });

  program
    .command('wifi')
    .description('Wi-Fi tools')
    .command('import')
    .description('import a saved scan (netsh, iw, nmcli or system_profiler output) as results of a room')
    .argument('<file>', 'the saved output')
    .requiredOption('--room <name>', 'the room the scan was taken in')
    .option('--room-use <use>', 'teaching or other (default: teaching)')
    .option('--json', 'print one JSON object {"results": [...]} on stdout')
    .option('--state <dir>', `state directory (default: $${STATE_DIR_ENV} or the per-user state directory)`)
    .action(async (file: string, opts: WifiImportOptions) => {
      const { runWifiImportCommand } = await import('./commands/wifi-import-command.js');
      exitCode = await runWifiImportCommand(file, opts, ctx);
    });

  const service = program
    .command('service')
    .description('install, remove or check the agent as a system service (systemd, launchd, Task Scheduler)');
  const serviceState = `state directory of the enrolled agent (default: $${STATE_DIR_ENV} or the system-wide directory)`;
  service
    .command('install')
    .description('run the enrolled agent at boot as an unprivileged system service')
    .argument(
      '[run-args...]',
      'further options of "skolnet-agent run", after --, e.g. -- --only latency,host',
    )
    .option('--state <dir>', serviceState)
    .option('--config <file>', 'agent config file (YAML) the service passes to run')
    .option('--dry-run', 'print the files and commands instead of applying them')
    .action(async (runArgs: string[], opts: ServiceOptions) => {
      const { runServiceInstall } = await import('./commands/service-command.js');
      exitCode = await runServiceInstall(opts, runArgs, ctx, deps.service);
    });
  service
    .command('uninstall')
    .description('stop and remove the service (the state directory stays)')
    .option('--state <dir>', serviceState)
    .option('--dry-run', 'print the commands instead of applying them')
    .action(async (opts: ServiceOptions) => {
      const { runServiceUninstall } = await import('./commands/service-command.js');
      exitCode = await runServiceUninstall(opts, ctx, deps.service);
    });
  service
    .command('status')
    .description('whether the service is installed and running (exit 0 running, 3 not)')
    .option('--state <dir>', serviceState)
    .action(async (opts: ServiceOptions) => {
      const { runServiceStatus } = await import('./commands/service-command.js');
      exitCode = await runServiceStatus(opts, ctx, deps.service);
    });

  try {
    if (argv.length === 0) {
      out.stderr(program.helpInformation());
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help/version).
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    out.stderr(formatCliError(err));
    return exitCodeFor(err);
  }
}
