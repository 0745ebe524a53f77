import { resolve } from 'node:path';
import { Command } from 'commander';
import { backupSqlite } from '../storage/sqlite-backup.js';
import { DATA_DIR_HELP, databaseOption, sqliteFile, type CliIo } from './common-options.js';

/** The `backup` command: an online copy of the SQLite database. */
export function createBackupCommand(io: CliIo): Command {
  return new Command('backup')
    .description('copy the database to FILE while the collector keeps running (SQLite)')
    .argument('<file>', 'backup file to write')
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .option('--force', 'overwrite FILE when it exists')
    .action(async (file: string, opts: { data: string; database?: string; force?: boolean }) => {
      const outcome = await backupSqlite(sqliteFile('backup', opts), resolve(file), opts.force);
      io.out(`backup written to ${outcome.path}: ${outcome.bytes} bytes, ${outcome.results} results`);
    });
}
