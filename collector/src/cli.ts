import { writeFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  ErrorCodes,
  SkolnetError,
  USAGE_ERROR_CODES,
  describeError,
  isSkolnetError,
  type ErrorCode,
} from '@skolnet/shared';
import {
  parsePlanInstance,
  planToCsv,
  solveInstance,
  type Plan,
  type PlanConstraints,
} from './planning/plan.js';
import { planWorkbook } from './export/plan-workbook.js';
import { DEFAULT_PLAN_LANG, PLAN_LANGS, type PlanLang } from './planning/plan-labels.js';
import {
  instanceTable,
  instanceTotals,
  planReport,
  planSummary,
  planTable,
  planTotals,
  scenarioTable,
} from './cli-plan-output.js';
import { createPlanService } from './services/plan-service.js';
import { createSchoolService } from './services/school-service.js';
import { leafCommands } from './commands/auth-options.js';
import {
  DATA_DIR_HELP,
  databaseOption,
  readJson,
  scoringFrom,
  type CliIo,
} from './commands/common-options.js';
import { createAdminTokenCommand } from './commands/admin-token-command.js';
import { createBackupCommand } from './commands/backup-command.js';
import { createRestoreCommand } from './commands/restore-command.js';
import { createServeCommand } from './commands/serve-command.js';
import { createSupportCommand } from './commands/support-command.js';
import { createUserCommand } from './commands/user-command.js';
import { createVerifyReportCommand } from './commands/verify-report-command.js';
import { addConfigFile } from './config-file.js';
import { addPlanSettingOptions, planSettingsFrom, type PlanSettingOptions } from './plan-settings.js';
import { resolveDatabaseUrl } from './server.js';
import { redactSecrets } from './storage/database-url.js';
import { createStore } from './storage/kysely-store.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from './ingest/result-clock.js';
import { collectorVersion } from './version.js';

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  }
  return n;
}

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

  program.addCommand(inheritSettings(createServeCommand(io), program));

  program.addCommand(inheritSettings(createAdminTokenCommand(), program));

  // Built on its own, so it takes the program's error handling (exit status,
  // the code on usage errors) explicitly, down to its nested commands.
  program.addCommand(inheritSettings(createUserCommand(io), program));
  program.addCommand(inheritSettings(createVerifyReportCommand(io), program));

  program.addCommand(inheritSettings(createBackupCommand(io), program));

  program.addCommand(inheritSettings(createRestoreCommand(io), program));

  program.addCommand(inheritSettings(createSupportCommand(io), program));

  addPlanSettingOptions(program.command('plan'))
    .description(
      'the upgrade plan within a budget, over the collector data or an instance file (docs/methodology.md)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'output format (default: a table on a terminal, else json; json in a file)',
      ).choices(['json', 'csv', 'xlsx', 'table']),
    )
    .option('--out <file>', 'write to this file instead of stdout (required for xlsx)')
    .addOption(
      new Option('--lang <lang>', 'language of the xlsx headers and sheet names')
        .choices(PLAN_LANGS)
        .default(DEFAULT_PLAN_LANG),
    )
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .option(
      '--instance <file>',
      'solve an instance file {"schools": [{"id", "options": [{"id", "cost_eur", "benefit"}]}]} instead',
    )
    .option('--scoring <file>', 'scoring config JSON')
    .option('--min-score <score>', 'every school must reach this score where an option can', parseNumber)
    .option('--municipality-cap <eur>', 'most spent per municipality, EUR', parseNumber)
    .option('--installs-per-month <n>', 'installer capacity: in-school installations per month', parseNumber)
    .option('--months <n>', 'months to the deadline (with --installs-per-month)', parseNumber)
    .option(
      '--scenarios',
      'write the scenario analysis (share of scenarios funding each school) instead of the plan',
    )
    .action(
      async (
        opts: {
          format?: 'json' | 'csv' | 'xlsx' | 'table';
          out?: string;
          lang: PlanLang;
          data: string;
          database?: string;
          instance?: string;
          scoring?: string;
          minScore?: number;
          municipalityCap?: number;
          installsPerMonth?: number;
          months?: number;
          scenarios?: boolean;
        } & PlanSettingOptions,
      ) => {
        const constraints: PlanConstraints = {
          ...(opts.minScore === undefined ? {} : { min_score: opts.minScore }),
          ...(opts.municipalityCap === undefined ? {} : { municipality_cap_eur: opts.municipalityCap }),
          ...(opts.installsPerMonth === undefined ? {} : { installs_per_month: opts.installsPerMonth }),
          ...(opts.months === undefined ? {} : { months_to_deadline: opts.months }),
        };
        // A person at a terminal gets a table; a pipe or a file gets JSON unless told otherwise.
        const format = opts.format ?? (opts.out === undefined && io.stdoutIsTerminal ? 'table' : 'json');
        const emit = (text: string | Buffer): void => {
          if (opts.out !== undefined) writeFileSync(opts.out, text);
          else io.out(typeof text === 'string' ? text.replace(/\n$/, '') : text.toString('base64'));
        };
        // Always, on stderr, whatever went to stdout or the file.
        const summarise = (summary: string): void =>
          io.err(opts.out === undefined ? summary : `${summary} → ${opts.out}`);
        if (opts.instance !== undefined) {
          if (format !== 'json' && format !== 'table') {
            throw new SkolnetError(
              ErrorCodes.CLI_BAD_ARGUMENT,
              'an instance plan is written as --format json (or a table)',
            );
          }
          const instance = parsePlanInstance(readJson(opts.instance, 'instance'));
          const solved = solveInstance(instance, opts.budget, constraints);
          emit(
            format === 'table'
              ? `${instanceTable(solved).join('\n')}\n`
              : `${JSON.stringify(solved, null, 2)}\n`,
          );
          summarise(planSummary(instanceTotals(solved, opts.budget)));
          return;
        }
        if (format === 'xlsx' && opts.out === undefined) {
          throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, '--format xlsx needs --out FILE');
        }
        if (opts.scenarios === true && format !== 'json' && format !== 'table') {
          throw new SkolnetError(
            ErrorCodes.CLI_BAD_ARGUMENT,
            '--scenarios is written as --format json (or a table)',
          );
        }
        const scoring = scoringFrom(opts.scoring);
        const settings = planSettingsFrom(opts);
        const store = await createStore(resolveDatabaseUrl(opts.database, opts.data));
        let output: string;
        let summary: string;
        let plan: Plan | undefined;
        // One clock reading for the plan and the workbook's date, injectable in tests.
        const now = (io.now ?? (() => new Date()))();
        try {
          // As `serve` does: results dated after now plus the skew do not count.
          store.setReadHorizon(() => new Date(now.getTime() + DEFAULT_MAX_CLOCK_SKEW_MS));
          // The services the running collector uses, so the CLI's plan is the API's.
          const schools = createSchoolService({ store, scoring: () => scoring, now: () => now });
          const service = createPlanService({
            schools,
            catalog: settings.catalog,
            economics: settings.economics,
            ...(settings.budget === undefined ? {} : { budget: settings.budget }),
            delivery: settings.delivery,
            now: () => now,
          });
          const request = { budget_eur: opts.budget, constraints };
          if (opts.scenarios === true) {
            const report = await service.scenarios(request);
            output =
              format === 'table'
                ? `${scenarioTable(report).join('\n')}\n`
                : `${JSON.stringify(report, null, 2)}\n`;
            summary = `scenarios: ${report.scenarios.length}; schools funded in every scenario ${report.robust}, in none ${report.never}, in some ${report.sensitive}`;
          } else {
            plan = await service.plan(request);
            output = '';
            summary = planSummary(planTotals(plan));
          }
        } finally {
          await store.close();
        }
        if (plan === undefined) emit(output);
        else if (format === 'csv') emit(planToCsv(plan));
        else if (format === 'xlsx') emit(await planWorkbook(plan, { lang: opts.lang, now }));
        else if (format === 'table') emit(`${[...planReport(plan), '', ...planTable(plan)].join('\n')}\n`);
        else emit(`${JSON.stringify(plan, null, 2)}\n`);
        summarise(summary);
      },
    );

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
