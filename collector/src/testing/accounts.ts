import { AccountService } from '../auth/account-service.js';
import { createAuthConfig } from '../auth/auth-config.js';
import type { Role, Scope } from '../auth/roles.js';
import type { UserRow } from '../storage/account-store.js';
import type { Store } from '../storage/store.js';

/** A test's account and its API token. */
export interface TestAccount {
  user: UserRow;
  /** `Bearer` value for the account's scripts. */
  token: string;
  /** The `authorization` header with the token. */
  headers: { authorization: string };
}

let counter = 0;

/**
 * Creates an account of `role` (with `scope` for scoped roles) and an API
 * token for it, straight through the account service, as
 * `skolnet-collector user add` and `user token create` do.
 */
export async function createTestAccount(
  store: Pick<Store, 'accounts'>,
  role: Role = 'admin',
  scope: Scope = {},
): Promise<TestAccount> {
  counter += 1;
  const accounts = new AccountService(store.accounts, createAuthConfig(), () => new Date());
  const user = await accounts.createUser(
    { email: `${role}-${counter}-${Date.now()}@test.skolnet`, role, ...scope },
    { label: 'test' },
  );
  const { token } = await accounts.createApiToken(user.id, 'test', { label: 'test' });
  return { user, token, headers: { authorization: `Bearer ${token}` } };
}
