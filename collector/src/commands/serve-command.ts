import { Command, InvalidArgumentError, Option } from 'commander';
import { ErrorCodes, SkolnetError, describeError } from '@skolnet/shared';
import { checkInfluxOptions, type InfluxExportConfig } from '../export/influx-sink.js';
import { addMapOptions, type MapCliOptions } from '../map-settings.js';
import { addPlanSettingOptions, planSettingsFrom, type PlanSettingOptions } from '../plan-settings.js';
import { tuneForTransfers } from '../runtime/transfer-memory.js';
import { startCollector } from '../server.js';
import { DEFAULT_SUPPORT_CONFIG } from '../services/support-service.js';
import { redactDatabaseUrl } from '../storage/database-url.js';
import { DEFAULT_RAW_RETENTION_DAYS, DEFAULT_ROLLUP_RETENTION_DAYS } from '../storage/maintenance.js';
import { isIsoDate } from '../support/support-rules.js';
import { addAuthOptions, authFromOptions, type AuthCliOptions } from './auth-options.js';
import { DATA_DIR_HELP, databaseOption, scoringFrom, type CliIo } from './common-options.js';

/** Highest TCP port. */
const MAX_PORT = 65_535;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > MAX_PORT) {
    throw new InvalidArgumentError(`expected a port number 0-${MAX_PORT}, got "${value}"`);
  }
  return port;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a whole number of days >= 1, got "${value}"`);
  }
  return n;
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

/** The `serve` command: runs the collector until SIGINT or SIGTERM. */
export function createServeCommand(io: CliIo): Command {
  return addMapOptions(addPlanSettingOptions(addAuthOptions(new Command('serve'))))
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
}
