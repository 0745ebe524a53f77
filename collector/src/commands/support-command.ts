import { join, resolve } from 'node:path';
import { Argument, Command } from 'commander';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { SUPPORT_KEY_DIR, pidFileFor, resolveDatabaseUrl } from '../server.js';
import { rotatePupilKey } from '../services/support-service.js';
import { parseDatabaseUrl } from '../storage/database-url.js';
import { createStore } from '../storage/kysely-store.js';
import { livePid } from '../storage/pid-file.js';
import { DATA_DIR_HELP, databaseOption, type CliIo } from './common-options.js';

/** The `support` commands: the pupil-support records' keys (`support rotate-key`). */
export function createSupportCommand(io: CliIo): Command {
  const support = new Command('support').description('pupil-support records (docs/pupil-support.md)');
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
  return support;
}
