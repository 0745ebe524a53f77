import { Command, CommanderError } from 'commander';
import {
  ErrorCodes,
  USAGE_ERROR_CODES,
  describeError,
  isSkolnetError,
  type ErrorCode,
} from '@skolnet/shared';
import { createAdminTokenCommand } from './commands/admin-token-command.js';
import { leafCommands } from './commands/auth-options.js';
import { createBackupCommand } from './commands/backup-command.js';
import type { CliIo } from './commands/common-options.js';
import { createPlanCommand } from './commands/plan-command.js';
import { createRestoreCommand } from './commands/restore-command.js';
import { createServeCommand } from './commands/serve-command.js';
import { createSupportCommand } from './commands/support-command.js';
import { createUserCommand } from './commands/user-command.js';
import { createVerifyReportCommand } from './commands/verify-report-command.js';
import { addConfigFile } from './config-file.js';
import { redactSecrets } from './storage/database-url.js';
import { collectorVersion } from './version.js';

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdoutIsTerminal: process.stdout.isTTY === true,
};

export { DATABASE_URL_ENV, type CliIo } from './commands/common-options.js';
export { influxFromOptions, type InfluxCliOptions } from './commands/serve-command.js';

/** Exit status of a failure that is not the user's input. */
export const EXIT_FAILURE = 1;
/** Exit status of bad usage, or a file or environment the user must fix first. */
export const EXIT_USAGE = 2;

/**
 * Codes that mean "fix your input or environment": they exit with
 * {@link EXIT_USAGE}. The list both CLIs share (`USAGE_ERROR_CODES`)
 * and the collector's own (a backup file that is none, a plan whose
 * constraints cannot all be met), so both CLIs follow one convention.
 */
const USAGE_CODES = new Set<ErrorCode>([
  ...USAGE_ERROR_CODES,
  ErrorCodes.BACKUP_INVALID,
  ErrorCodes.PLAN_INFEASIBLE,
]);

/** The exit status for an error a command did not handle itself. */
export function exitCodeFor(err: unknown): number {
  return isSkolnetError(err) && USAGE_CODES.has(err.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** Gives `command` and every command under it the output and exit settings of `from`. */
function inheritSettings(command: Command, from: Command): Command {
  command.copyInheritedSettings(from);
  for (const sub of command.commands) inheritSettings(sub, from);
  return command;
}

/** Builds the `skolnet-collector` command line. */
export function createCli(io: CliIo = defaultIo): Command {
  const program = new Command()
    .name('skolnet-collector')
    .description(
      'skolnet collector: enrolls agents, ingests their results, scores schools, serves the dashboards.',
    )
    .version(collectorVersion())
    // Errors are thrown to runCli, which sets the exit status, instead of
    // commander exiting the process with 1.
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      // Commander's own usage errors get the code every other error carries, as in the agent.
      outputError: (s, write) => {
        const [first = '', ...rest] = s.trimEnd().split('\n');
        write(
          `${[`${first} (${ErrorCodes.CLI_BAD_ARGUMENT})`, ...rest].join('\n')}\nsee skolnet-collector --help\n`,
        );
      },
    })
    .showSuggestionAfterError(true);

  // One module per command under commands/. Each is built on its own, so it
  // takes the program's error handling (exit status, the code on usage
  // errors) explicitly, down to its nested commands. This order is --help's.
  const commands = [
    createServeCommand(io),
    createAdminTokenCommand(),
    createUserCommand(io),
    createVerifyReportCommand(io),
    createBackupCommand(io),
    createRestoreCommand(io),
    createSupportCommand(io),
    createPlanCommand(io),
  ];
  for (const command of commands) program.addCommand(inheritSettings(command, program));

  // Every command gets --config; its keys are the long options of the commands.
  addConfigFile(leafCommands(program.commands));
  return program;
}

/**
 * Runs the CLI with `argv` (as `process.argv`). A failure is one line on
 * stderr, `error: <message> (<SKOLNET_CODE>)`, as the agent writes it,
 * and the exit status is 2 for input or an environment the user must fix
 * (arguments, config and instance files, a backup that is none), 1
 * otherwise; help and version exit 0.
 */
export async function runCli(argv: readonly string[] = process.argv, io: CliIo = defaultIo): Promise<void> {
  try {
    await createCli(io).parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help/version).
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_USAGE;
      return;
    }
    // A last guard: no message leaves with a password in a URL.
    io.err(`error: ${redactSecrets(describeError(err))}`);
    process.exitCode = exitCodeFor(err);
  }
}
