import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { Command, InvalidArgumentError, Option } from 'commander';
import { ErrorCodes, SkolnetError, isSkolnetError } from '@skolnet/shared';
import {
  AccountService,
  CLI_ACTOR,
  generatePassword,
  publicToken,
  publicUser,
  type PublicUser,
} from '../auth/account-service.js';
import { createAuthConfig } from '../auth/auth-config.js';
import { ROLES, ROLE_DESCRIPTIONS, isRole, type Role, type Scope } from '../auth/roles.js';
import { resolveDatabaseUrl } from '../server.js';
import { createStore } from '../storage/kysely-store.js';
import type { Store } from '../storage/store.js';

/** Where the command writes, and how it reads a password. */
export interface UserCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Reads a password: from stdin when it is not a terminal, else a hidden prompt. Undefined: none given. */
  readPassword?: (prompt: string) => Promise<string | undefined>;
}

interface StoreOpts {
  data: string;
  database?: string;
}

function parseRole(value: string): Role {
  if (!isRole(value)) throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}, got "${value}"`);
  return value;
}

function parseDays(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected whole days >= 1, got "${value}"`);
  return n;
}

/** Adds `--data` and `--database` as every store command has them. */
function withStore(command: Command): Command {
  return command
    .option(
      '--data <dir>',
      'data directory (holds the SQLite database unless --database says otherwise)',
      './data',
    )
    .addOption(
      new Option('--database <url>', 'database: sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DB').env(
        'SKOLNET_DATABASE_URL',
      ),
    );
}

/** The service's "you asked for something wrong" errors are the CLI user's to fix: exit 2. */
function asUsage(err: unknown): unknown {
  if (
    isSkolnetError(err, ErrorCodes.API_BAD_REQUEST) ||
    isSkolnetError(err, ErrorCodes.API_CONFLICT) ||
    isSkolnetError(err, ErrorCodes.API_NOT_FOUND)
  ) {
    return new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, err.message, { cause: err });
  }
  return err;
}

async function withAccounts<T>(
  opts: StoreOpts,
  work: (accounts: AccountService, store: Store) => Promise<T>,
): Promise<T> {
  const store = await createStore(resolveDatabaseUrl(opts.database, opts.data));
  try {
    return await work(new AccountService(store.accounts, createAuthConfig(), () => new Date()), store);
  } catch (err) {
    throw asUsage(err);
  } finally {
    await store.close();
  }
}

function scopeFrom(opts: { school?: string; municipality?: string; vendor?: string }): Scope {
  return {
    ...(opts.school === undefined ? {} : { school_id: opts.school }),
    ...(opts.municipality === undefined ? {} : { municipality: opts.municipality }),
    ...(opts.vendor === undefined ? {} : { vendor: opts.vendor }),
  };
}

function scopeText(user: PublicUser): string {
  return user.school_id ?? user.municipality ?? user.vendor ?? 'national';
}

/**
 * Reads a password: the first line of stdin when stdin is not a terminal
 * (`printf '%s\n' "$PW" | skolnet-collector user add …`), otherwise a
 * prompt that does not echo. Undefined when stdin is a terminal-less empty stream.
 */
export async function readPasswordFromTerminalOrStdin(prompt: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) {
    let text = '';
    for await (const chunk of process.stdin) text += String(chunk);
    const line = text.split(/\r?\n/)[0] ?? '';
    return line === '' ? undefined : line;
  }
  const muted = new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve));
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

/**
 * `skolnet-collector user …`: people's accounts from the command line,
 * on the database `serve` uses. `user add --role admin` creates the first
 * administrator (the admin token of earlier versions is retired).
 */
export function createUserCommand(io: UserCommandIo): Command {
  const readPassword = io.readPassword ?? readPasswordFromTerminalOrStdin;
  const user = new Command('user').description(
    "people's accounts: add, list, change role, disable, API tokens",
  );

  withStore(
    user
      .command('add')
      .description(
        'create an account; the password comes from stdin, a prompt, or is generated and shown once',
      )
      .requiredOption('--email <email>', "the person's email (their sign-in name)")
      .addOption(
        new Option(
          '--role <role>',
          `one of: ${ROLES.map((r) => `${r} (${ROLE_DESCRIPTIONS[r]})`).join('; ')}`,
        )
          .argParser(parseRole)
          .makeOptionMandatory(),
      )
      .option(
        '--school <id>',
        'the school of a school-scoped role (school_it, support_coordinator, director)',
      )
      .option('--municipality <name>', 'the municipality of municipality_planner or municipal_coordinator')
      .option('--vendor <organisation>', 'the organisation of a vendor')
      .option('--name <name>', 'display name')
      .option('--generate-password', 'generate a password and print it once instead of reading one')
      .option('--no-password', 'no password: the account signs in through OpenID Connect only'),
  ).action(
    async (
      opts: StoreOpts & {
        email: string;
        role: Role;
        school?: string;
        municipality?: string;
        vendor?: string;
        name?: string;
        generatePassword?: boolean;
        password: boolean;
      },
    ) => {
      let password: string | undefined;
      let generated = false;
      if (opts.password) {
        password = opts.generatePassword
          ? undefined
          : await readPassword('Password (at least 12 characters): ');
        if (password === undefined) {
          password = generatePassword();
          generated = true;
        }
      }
      const created = await withAccounts(opts, async (accounts, store) => {
        if (opts.school !== undefined && !(await store.getSchool(opts.school))) {
          throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `school ${opts.school} does not exist`);
        }
        return accounts.createUser(
          {
            email: opts.email,
            role: opts.role,
            ...scopeFrom(opts),
            ...(opts.name === undefined ? {} : { display_name: opts.name }),
            ...(password === undefined ? {} : { password }),
          },
          CLI_ACTOR,
        );
      });
      io.out(`created ${created.role} account ${created.email} (${scopeText(publicUser(created))})`);
      if (generated) {
        io.out('Password (shown once, it will not be shown again):');
        io.out(`  ${password!}`);
      }
    },
  );

  withStore(user.command('list').description('list accounts').option('--json', 'one JSON object')).action(
    async (opts: StoreOpts & { json?: boolean }) => {
      const users = await withAccounts(opts, async (accounts) =>
        (await accounts.store.listUsers()).map(publicUser),
      );
      if (opts.json) {
        io.out(JSON.stringify({ users }, null, 2));
        return;
      }
      if (users.length === 0)
        io.out('no accounts: create one with skolnet-collector user add --role admin --email …');
      for (const u of users) {
        io.out(
          `${u.email}\t${u.role}\t${scopeText(u)}\t${u.disabled ? 'disabled' : 'active'}${u.oidc_linked ? '\toidc' : ''}`,
        );
      }
    },
  );

  for (const [name, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    withStore(
      user
        .command(name)
        .description(
          disabled ? 'disable an account: its sessions and tokens end at once' : 'enable a disabled account',
        )
        .requiredOption('--email <email>', 'the account'),
    ).action(async (opts: StoreOpts & { email: string }) => {
      const changed = await withAccounts(opts, async (accounts) => {
        const found = await accounts.findUser(opts.email);
        return accounts.setDisabled(found.id, disabled, CLI_ACTOR);
      });
      io.out(`${changed.email} ${disabled ? 'disabled' : 'enabled'}`);
    });
  }

  withStore(
    user
      .command('role')
      .description("change an account's role and scope")
      .requiredOption('--email <email>', 'the account')
      .addOption(new Option('--role <role>', ROLES.join(', ')).argParser(parseRole).makeOptionMandatory())
      .option('--school <id>', 'school scope')
      .option('--municipality <name>', 'municipality scope')
      .option('--vendor <organisation>', 'vendor scope'),
  ).action(
    async (
      opts: StoreOpts & {
        email: string;
        role: Role;
        school?: string;
        municipality?: string;
        vendor?: string;
      },
    ) => {
      const changed = await withAccounts(opts, async (accounts) => {
        const found = await accounts.findUser(opts.email);
        return accounts.setRole(found.id, opts.role, scopeFrom(opts), CLI_ACTOR);
      });
      io.out(`${changed.email} is now ${changed.role} (${scopeText(publicUser(changed))})`);
    },
  );

  withStore(
    user
      .command('reset-password')
      .description('issue a one-time password reset code (valid 24 h) to hand to the person')
      .requiredOption('--email <email>', 'the account'),
  ).action(async (opts: StoreOpts & { email: string }) => {
    const issued = await withAccounts(opts, async (accounts) => {
      const found = await accounts.findUser(opts.email);
      return accounts.issuePasswordReset(found.id, CLI_ACTOR);
    });
    io.out(`Reset code for ${opts.email} (shown once, valid until ${issued.expires_at}):`);
    io.out(`  ${issued.code}`);
    io.out('The person sets a new password with POST /api/v1/password-reset {email, code, password}.');
  });

  const token = user.command('token').description("an account's API tokens for scripts");
  withStore(
    token
      .command('create')
      .description("create an API token; it is shown once and acts with the account's role and scope")
      .requiredOption('--email <email>', 'the account')
      .requiredOption('--name <name>', 'what the token is for (shown in listings)')
      .option('--ttl-days <days>', 'expire after this many days (default: until revoked)', parseDays),
  ).action(async (opts: StoreOpts & { email: string; name: string; ttlDays?: number }) => {
    const created = await withAccounts(opts, async (accounts) => {
      const found = await accounts.findUser(opts.email);
      return accounts.createApiToken(
        found.id,
        opts.name,
        CLI_ACTOR,
        opts.ttlDays === undefined ? undefined : opts.ttlDays * 86_400_000,
      );
    });
    io.out(
      `API token ${created.row.id} for ${opts.email} (shown once; send it as "Authorization: Bearer <token>"):`,
    );
    io.out(`  ${created.token}`);
  });
  withStore(
    token
      .command('list')
      .description("list an account's API tokens")
      .requiredOption('--email <email>', 'the account'),
  ).action(async (opts: StoreOpts & { email: string }) => {
    const tokens = await withAccounts(opts, async (accounts) => {
      const found = await accounts.findUser(opts.email);
      return (await accounts.store.listUserTokens(found.id, 'api')).map(publicToken);
    });
    for (const t of tokens) {
      io.out(
        `${t.id}\t${t.name}\tcreated ${t.created_at}\t${t.revoked_at === null ? 'active' : `revoked ${t.revoked_at}`}`,
      );
    }
  });
  withStore(
    token.command('revoke').description('revoke an API token').requiredOption('--id <id>', 'the token id'),
  ).action(async (opts: StoreOpts & { id: string }) => {
    await withAccounts(opts, (accounts) => accounts.revokeApiToken(opts.id, CLI_ACTOR));
    io.out(`token ${opts.id} revoked`);
  });
  return user;
}
