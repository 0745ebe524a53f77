import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { pidFileFor } from '../server.js';
import { restoreSqlite } from '../storage/sqlite-backup.js';
import { DATA_DIR_HELP, databaseOption, sqliteFile, type CliIo } from './common-options.js';

/** The `restore` command: a backup back in place of the SQLite database, with the collector stopped. */
export function createRestoreCommand(io: CliIo): Command {
  return new Command('restore')
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
}
