import { readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
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
import { DEFAULT_SCORING_CONFIG, parseScoringConfig, type ScoringConfig } from './scoring/score-config.js';
import {
  addAuthOptions,
  authFromOptions,
  leafCommands,
  type AuthCliOptions,
} from './commands/auth-options.js';
import { createUserCommand } from './commands/user-command.js';
import { createVerifyReportCommand } from './commands/verify-report-command.js';
import { checkInfluxOptions, type InfluxExportConfig } from './export/influx-sink.js';
import { DEFAULT_SUPPORT_CONFIG, rotatePupilKey } from './services/support-service.js';
import { isIsoDate } from './support/support-rules.js';
import { addConfigFile } from './config-file.js';
import { addPlanSettingOptions, planSettingsFrom, type PlanSettingOptions } from './plan-settings.js';
import { addMapOptions, type MapCliOptions } from './map-settings.js';
import { SUPPORT_KEY_DIR, pidFileFor, resolveDatabaseUrl, startCollector } from './server.js';
import { livePid } from './storage/pid-file.js';
import { parseDatabaseUrl, redactDatabaseUrl, redactSecrets } from './storage/database-url.js';
import { createStore } from './storage/kysely-store.js';
import { DEFAULT_RAW_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS } from './storage/maintenance.js';
import { backupSqlite, postgresBackupError, restoreSqlite } from './storage/sqlite-backup.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from './ingest/result-clock.js';
import { tuneForTransfers } from './runtime/transfer-memory.js';
import { collectorVersion } from './version.js';

/** Highest TCP port. */
const MAX_PORT = 65_535;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new InvalidArgumentError(`expected a port number 0-${MAX_PORT}, got "${value}"`);
  }
  return port;
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  }
  return n;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number of days >= 1, got "${value}"`);
  }
  return n;
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${what} ${path} cannot be read as JSON`, {
      cause: err,
    });
  }
}

/** The scoring config: defaults, or a JSON file's overrides validated against them. */
function scoringFrom(path: string | undefined): ScoringConfig {
  return path === undefined ? DEFAULT_SCORING_CONFIG : parseScoringConfig(readJson(path, 'scoring config'));
}

/** The `serve --influx-*` options as commander parses them. */
export interface InfluxCliOptions {
  influxUrl?: string;
  influxOrg?: string;
  influxBucket?: string;
  influxToken?: string;
}

/**
 * The export settings from `serve --influx-*`: undefined when none is
 * given, all four or a SKOLNET_CLI_BAD_ARGUMENT naming the missing ones.
 */
export function influxFromOptions(opts: InfluxCliOptions): InfluxExportConfig | undefined {
  const given = {
    url: opts.influxUrl,
    org: opts.influxOrg,
    bucket: opts.influxBucket,
    token: opts.influxToken,
  };
  // A token alone (from the environment) does not turn the export on.
  if (given.url === undefined && given.org === undefined && given.bucket === undefined) return undefined;
  const missing = Object.entries(given)
    .filter(([, v]) => v === undefined || v.trim() === '')
    .map(([k]) => (k === 'token' ? '--influx-token (or SKOLNET_INFLUX_TOKEN)' : `--influx-${k}`));
  if (missing.length > 0) {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `the InfluxDB export also needs ${missing.join(', ')}`,
    );
  }
  const config = { url: given.url!, org: given.org!, bucket: given.bucket!, token: given.token! };
  checkInfluxOptions(config);
  return config;
}

/** A calendar day option, `YYYY-MM-DD`. */
function parseSupportDate(value: string): string {
  if (!isIsoDate(value)) throw new InvalidArgumentError('expected a calendar day YYYY-MM-DD');
  return value;
}

/** Environment variable naming the database when `--database` is not given. */
export const DATABASE_URL_ENV = 'SKOLNET_DATABASE_URL';

/** The `--database` option every command that opens the store takes. */
function databaseOption(): Option {
  // No argument parser: commander would quote the rejected value (and its
  // password) in its message; createStore checks the URL without echoing it.
  return new Option(
    '--database <url>',
    'database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB (default: sqlite:<data dir>/collector.db)',
  ).env(DATABASE_URL_ENV);
}

const DATA_DIR_HELP = 'data directory (holds the SQLite database unless --database says otherwise)';

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Whether stdout is a terminal (a person reading): `plan` then prints a table. Default false. */
  stdoutIsTerminal?: boolean;
  /** The clock (`plan` checks the completion date against it). Default the system clock. */
  now?: () => Date;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  stdoutIsTerminal: process.stdout.isTTY === true,
};

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

  addMapOptions(addPlanSettingOptions(addAuthOptions(program.command('serve'))))
    .description('run the collector')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port', parsePort, 8080)
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .option('--scoring <file>', 'scoring config JSON overriding the default thresholds and weights')
    .option(
      '--raw-retention-days <days>',
      'delete raw results older than this, once rolled up into hourly rollups',
      parseDays,
      DEFAULT_RAW_RETENTION_DAYS,
    )
    .option(
      '--rollup-retention-days <days>',
      'delete hourly rollups older than this',
      parseDays,
      DEFAULT_ROLLUP_RETENTION_DAYS,
    )
    .option(
      '--support-keys <dir>',
      'directory of the pupil-data keys, outside the database (default <data>/support-keys with SQLite; none with --database: pupil records off)',
    )
    .option(
      '--support-grades-1-4-from <date>',
      'first day (YYYY-MM-DD) grades 1-4 belong to the PuMPuRS target group',
      parseSupportDate,
      DEFAULT_SUPPORT_CONFIG.grades_1_4_from,
    )
    .option(
      '--support-retention-days <days>',
      "erase a pupil's support records this many days after their last plan's semester",
      parseDays,
      DEFAULT_SUPPORT_CONFIG.retention_days,
    )
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .env('SKOLNET_LOG_LEVEL'),
    )
    .option(
      '--influx-url <url>',
      'also export stored results to InfluxDB at this URL (e.g. http://influx:8086)',
    )
    .option('--influx-org <org>', 'InfluxDB organization of the export')
    .option('--influx-bucket <bucket>', 'InfluxDB bucket of the export')
    .addOption(
      new Option('--influx-token <token>', 'InfluxDB API token of the export (better: the environment)').env(
        'SKOLNET_INFLUX_TOKEN',
      ),
    )
    .action(
      async (
        opts: {
          host: string;
          port: number;
          data: string;
          database?: string;
          config?: string;
          logLevel: string;
          scoring?: string;
          rawRetentionDays: number;
          rollupRetentionDays: number;
          supportKeys?: string;
          supportGrades14From: string;
          supportRetentionDays: number;
        } & InfluxCliOptions &
          AuthCliOptions &
          PlanSettingOptions &
          MapCliOptions,
      ) => {
        const influx = influxFromOptions(opts);
        // The same parser as `plan`'s, so the API's plan is the CLI's.
        const plan = planSettingsFrom(opts);
        const auth = authFromOptions(opts);
        tuneForTransfers();
        const collector = await startCollector({
          host: opts.host,
          port: opts.port,
          dataDir: opts.data,
          ...(opts.database === undefined ? {} : { database: opts.database }),
          logger: { level: opts.logLevel },
          config: {
            scoring: scoringFrom(opts.scoring),
            ...(influx === undefined ? {} : { influx }),
            auth,
            plan,
            ...(opts.mapTileUrl === undefined ? {} : { map: { tileUrl: opts.mapTileUrl } }),
            support: {
              retention_days: opts.supportRetentionDays,
              grades_1_4_from: opts.supportGrades14From,
              ...(opts.supportKeys === undefined ? {} : { keyDir: opts.supportKeys }),
            },
          },
          retention: { rawDays: opts.rawRetentionDays, rollupDays: opts.rollupRetentionDays },
        }).catch((err: unknown) => {
          if ((err as { code?: unknown }).code !== 'EADDRINUSE') throw err;
          throw new SkolnetError(
            ErrorCodes.CLI_BAD_ARGUMENT,
            `port ${opts.port} on ${opts.host} is in use; stop what uses it or choose another --port`,
            { cause: err },
          );
        });
        io.out(`skolnet collector listening on ${collector.url}`);
        if (collector.needsFirstAdmin) {
          // The same storage options as this start, the password left out.
          const storage =
            opts.config !== undefined
              ? `--config ${opts.config}`
              : opts.database !== undefined
                ? `--database ${redactDatabaseUrl(opts.database)}`
                : `--data ${opts.data}`;
          io.out('');
          io.out('No admin account yet. Create one, then sign in at ' + `${collector.url}/sign-in:`);
          io.out(`  skolnet-collector user add --role admin --email you@example.lv ${storage}`);
          io.out('');
        }
        let closing = false;
        const shutdown = (signal: string): void => {
          if (closing) return;
          closing = true;
          const started = performance.now();
          collector.app.log.info({ signal }, 'shutting down');
          collector.close().then(
            () => {
              collector.app.log.info({ duration_ms: Math.round(performance.now() - started) }, 'shut down');
              process.exit(0);
            },
            (err: unknown) => {
              io.err(`error while shutting down: ${describeError(err)}`);
              process.exit(1);
            },
          );
        };
        process.once('SIGINT', () => shutdown('SIGINT'));
        process.once('SIGTERM', () => shutdown('SIGTERM'));
      },
    );

  program
    .command('admin-token')
    .description('retired: people have accounts now (see "user add" and "user token create")')
    .option('--reset', 'no longer issues anything')
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .action(() => {
      throw new SkolnetError(
        ErrorCodes.CLI_BAD_ARGUMENT,
        'the admin token is retired: create an admin account with "skolnet-collector user add --role admin --email EMAIL" ' +
          'and an API token for scripts with "skolnet-collector user token create --email EMAIL --name NAME"',
      );
    });

  // Built on its own, so it takes the program's error handling (exit status,
  // the code on usage errors) explicitly, down to its nested commands.
  program.addCommand(inheritSettings(createUserCommand(io), program));
  program.addCommand(inheritSettings(createVerifyReportCommand(io), program));

  /** The SQLite file behind `--database`/`--data`; PostgreSQL has its own tools. */
  const sqliteFile = (command: 'backup' | 'restore', opts: { data: string; database?: string }): string => {
    const location = parseDatabaseUrl(resolveDatabaseUrl(opts.database, opts.data));
    if (location.dialect === 'postgres') throw postgresBackupError(command);
    if (location.path === ':memory:') {
      throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `an in-memory database has nothing to ${command}`);
    }
    return location.path;
  };

  program
    .command('backup')
    .description('copy the database to FILE while the collector keeps running (SQLite)')
    .argument('<file>', 'backup file to write')
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .option('--force', 'overwrite FILE when it exists')
    .action(async (file: string, opts: { data: string; database?: string; force?: boolean }) => {
      const outcome = await backupSqlite(sqliteFile('backup', opts), resolve(file), opts.force);
      io.out(`backup written to ${outcome.path}: ${outcome.bytes} bytes, ${outcome.results} results`);
    });

  program
    .command('restore')
    .description('replace the database with a backup FILE; the collector must be stopped (SQLite)')
    .argument('<file>', 'backup file written by "skolnet-collector backup"')
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .action(async (file: string, opts: { data: string; database?: string }) => {
      const target = sqliteFile('restore', opts);
      await mkdir(dirname(target), { recursive: true });
      // A running collector writes its pid beside its SQLite database.
      const outcome = await restoreSqlite(resolve(file), target, { pidFile: pidFileFor(target) });
      io.out(`restored ${outcome.results} results into ${outcome.path}`);
      if (outcome.previous !== undefined) io.out(`the previous database is kept as ${outcome.previous}`);
    });

  const support = program.command('support').description('pupil-support records (docs/pupil-support.md)');
  support
    .command('rotate-key')
    .description(
      'rotate the pupil-data pseudonym or encryption key and re-key every pupil in one transaction; stop the collector first',
    )
    .addArgument(new Argument('<kind>', 'which key').choices(['pseudonym', 'encryption']))
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .option('--support-keys <dir>', 'directory of the pupil-data keys (default <data>/support-keys)')
    .action(
      async (
        kind: 'pseudonym' | 'encryption',
        opts: { data: string; database?: string; supportKeys?: string },
      ) => {
        const database = resolveDatabaseUrl(opts.database, opts.data);
        const location = parseDatabaseUrl(database);
        if (location.dialect === 'sqlite' && location.path !== ':memory:') {
          const pid = await livePid(pidFileFor(location.path));
          if (pid !== undefined) {
            throw new SkolnetError(
              ErrorCodes.STORE_IN_USE,
              `a collector (process ${pid}) serves this database: stop it, rotate, start it again`,
            );
          }
        }
        if (opts.supportKeys === undefined && opts.database !== undefined) {
          throw new SkolnetError(
            ErrorCodes.CLI_BAD_ARGUMENT,
            'with --database, name the key directory: --support-keys DIR',
          );
        }
        const keyDir = opts.supportKeys ?? join(resolve(opts.data), SUPPORT_KEY_DIR);
        const store = await createStore(database);
        try {
          const rotated = await rotatePupilKey(store, keyDir, kind, new Date());
          io.out(`${kind} key rotated: ${rotated.pupils} pupils re-keyed, new key id ${rotated.key_id}`);
        } finally {
          await store.close();
        }
      },
    );

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
