import { startCollector, type RunningCollector } from '@skolnet/collector';
import { collectorBin, runToEnd } from './processes.js';

/** A collector started for a test, with an admin's API token to set schools and codes up. */
export type TestCollector = RunningCollector & {
  /** `Bearer` token of an admin account created for the test (`user add --role admin`, `user token create`). */
  adminToken: string;
};

/**
 * Creates an admin account and an API token for it on a running collector,
 * as `skolnet-collector user add --role admin` and `user token create` do;
 * returns the token, which opens the admin routes (schools, codes, agents).
 */
export async function createAdminToken(
  running: CollectorWithAccounts,
  email = 'admin@test.skolnet',
): Promise<string> {
  const existing = await running.accounts.store.findUserByEmail(email);
  const user = existing ?? (await running.accounts.createUser({ email, role: 'admin' }, { label: 'test' }));
  return (await running.accounts.createApiToken(user.id, 'test', { label: 'test' })).token;
}

/**
 * What {@link createAdminToken} needs of a running collector, written out
 * so a collector started from the sources (the conformance suite) fits as
 * well as one from the built package.
 */
export interface CollectorWithAccounts {
  accounts: {
    store: { findUserByEmail(email: string): Promise<{ id: string } | undefined> };
    createUser(input: { email: string; role: 'admin' }, actor: { label: string }): Promise<{ id: string }>;
    createApiToken(userId: string, name: string, actor: { label: string }): Promise<{ token: string }>;
  };
}

/**
 * Starts a collector on a free loopback port with its data in `dataDir`,
 * as tests that enroll and run real agents against it want one: no log
 * output and no dashboard assets, and an admin's API token.
 */
export async function startTestCollector(dataDir: string): Promise<TestCollector> {
  const running = await startCollector({
    host: '127.0.0.1',
    port: 0,
    dataDir,
    logger: false,
    dashboardAssets: false,
  });
  return Object.assign(running, { adminToken: await createAdminToken(running) });
}

/**
 * Creates an admin account and an API token for it with the collector's own
 * CLI (`user add --role admin`, then `user token create`) on the database
 * of a collector process that a test started with `storageArgs` (for
 * example `['--data', dir]`), as an operator does beside a running
 * `serve`; returns the token.
 */
export async function adminTokenFromCli(
  storageArgs: readonly string[],
  email = 'admin@test.skolnet',
): Promise<string> {
  const added = await runToEnd([
    collectorBin,
    'user',
    'add',
    '--role',
    'admin',
    '--email',
    email,
    ...storageArgs,
  ]);
  if (added.code !== 0) throw new Error(`user add failed (${added.code}): ${added.stderr}`);
  const created = await runToEnd([
    collectorBin,
    'user',
    'token',
    'create',
    '--email',
    email,
    '--name',
    'test',
    ...storageArgs,
  ]);
  const token = /^\s+(skolnet_ut_\S+)\s*$/m.exec(created.stdout)?.[1];
  if (created.code !== 0 || token === undefined) {
    throw new Error(`user token create failed (${created.code}): ${created.stdout}${created.stderr}`);
  }
  return token;
}
