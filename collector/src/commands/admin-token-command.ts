import { Command } from 'commander';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { DATA_DIR_HELP, databaseOption } from './common-options.js';

/**
 * The retired `admin-token` command: it still parses its old options, so a
 * script that calls it learns where its replacement is instead of meeting
 * an unknown command.
 */
export function createAdminTokenCommand(): Command {
  return new Command('admin-token')
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
}
