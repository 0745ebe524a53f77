import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { describeError, isSkolnetError } from '@skolnet/shared';
import { resetAdminToken } from './auth/admin-token.js';
import { DATABASE_FILE, startCollector } from './server.js';
import { createSqliteStore } from './storage/kysely-store.js';
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

/** Where the CLI writes; tests pass their own. */
export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

const defaultIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Builds the `skolnet-collector` command line. */
export function createCli(io: CliIo = defaultIo): Command {
  const program = new Command()
    .name('skolnet-collector')
    .description(
      'skolnet collector: enrolls agents, ingests their results, scores schools, serves the dashboards.',
    )
    .version(collectorVersion());

  program
    .command('serve')
    .description('run the collector')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'TCP port', parsePort, 8080)
    .option('--data <dir>', 'data directory (database)', './data')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
        .default('info')
        .env('SKOLNET_LOG_LEVEL'),
    )
    .action(async (opts: { host: string; port: number; data: string; logLevel: string }) => {
      const collector = await startCollector({
        host: opts.host,
        port: opts.port,
        dataDir: opts.data,
        logger: { level: opts.logLevel },
      });
      io.out(`skolnet collector listening on ${collector.url}`);
      if (collector.adminToken !== undefined) {
        io.out('');
        io.out(`Admin token (shown once, it will not be shown again; store it safely):`);
        io.out(`  ${collector.adminToken}`);
        io.out(
          `A lost token can be replaced with: skolnet-collector admin-token --reset --data ${opts.data}`,
        );
        io.out('');
      }
      let closing = false;
      const shutdown = (signal: string): void => {
        if (closing) return;
        closing = true;
        collector.app.log.info({ signal }, 'shutting down');
        collector.close().then(
          () => process.exit(0),
          (err: unknown) => {
            io.err(`error while shutting down: ${describeError(err)}`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => shutdown('SIGINT'));
      process.once('SIGTERM', () => shutdown('SIGTERM'));
    });

  program
    .command('admin-token')
    .description('manage the admin token (it is only ever shown when issued)')
    .option('--reset', 'issue a new admin token; the old one stops working at once')
    .option('--data <dir>', 'data directory (database)', './data')
    .action(async (opts: { reset?: boolean; data: string }) => {
      if (!opts.reset) {
        io.err('The admin token is shown only when issued. Use --reset to issue a new one.');
        process.exitCode = 2;
        return;
      }
      const store = await createSqliteStore(join(resolve(opts.data), DATABASE_FILE));
      try {
        const token = await resetAdminToken(store);
        io.out('New admin token (shown once; the previous token no longer works):');
        io.out(`  ${token}`);
      } finally {
        await store.close();
      }
    });

  return program;
}

/** Runs the CLI with `argv` (as `process.argv`); reports failures on stderr with exit code 1. */
export async function runCli(argv: readonly string[] = process.argv, io: CliIo = defaultIo): Promise<void> {
  try {
    await createCli(io).parseAsync([...argv]);
  } catch (err) {
    const code = isSkolnetError(err) ? ` [${err.code}]` : '';
    io.err(`skolnet-collector: ${describeError(err)}${code}`);
    process.exitCode = 1;
  }
}
