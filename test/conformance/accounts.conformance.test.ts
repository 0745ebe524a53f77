import { expect, it } from 'vitest';
import { ErrorCodes, openSqlite } from '@skolnet/shared';
import { AccountService } from '../../collector/src/auth/account-service.js';
import { createAuthConfig } from '../../collector/src/auth/auth-config.js';
import { describeStores } from './stores.js';

const T0 = new Date('2026-03-10T08:00:00.000Z');
const PASSWORD = 'correct horse battery staple';

// Accounts, sessions, tokens, lockout counters and the append-only audit log, on every backend.
describeStores('accounts', (getStore, backend) => {
  const service = (now: () => Date = () => T0): AccountService =>
    new AccountService(getStore().accounts, createAuthConfig(), now);

  it('creates accounts with lower-cased unique emails, and lists them by email', async () => {
    const accounts = getStore().accounts;
    await accounts.createUser({ email: 'Zane@Skolnet.test', role: 'planner' }, T0);
    await accounts.createUser({ email: 'anna@skolnet.test', role: 'school_it', scope_school_id: 's1' }, T0);
    await expect(
      accounts.createUser({ email: 'ZANE@skolnet.test', role: 'admin' }, T0),
    ).rejects.toMatchObject({
      code: ErrorCodes.API_CONFLICT,
    });
    expect((await accounts.listUsers()).map((u) => [u.email, u.role, u.scope_school_id])).toEqual([
      ['anna@skolnet.test', 'school_it', 's1'],
      ['zane@skolnet.test', 'planner', null],
    ]);
    expect((await accounts.findUserByEmail(' zane@SKOLNET.test '))?.role).toBe('planner');
    expect(await accounts.countActiveAdmins()).toBe(0);
  });

  it('signs in, keeps the session across a second store, and revokes it', async () => {
    const user = await service().createUser(
      { email: 'p@skolnet.test', role: 'planner', password: PASSWORD },
      { label: 'test' },
    );
    const started = await service().signInWithPassword('p@skolnet.test', PASSWORD, '127.0.0.1');
    // Another collector process on the same database sees the session.
    const other = await backend.open();
    const elsewhere = new AccountService(other.accounts, createAuthConfig(), () => T0);
    expect((await elsewhere.resolveSession(started.secret))?.user.id).toBe(user.id);
    await elsewhere.signOut((await elsewhere.resolveSession(started.secret))!, null);
    expect(await service().resolveSession(started.secret)).toBeUndefined();
  });

  it('counts failures per email and locks with back-off', async () => {
    let now = T0;
    const accounts = service(() => now);
    for (let i = 0; i < 5; i += 1) {
      await expect(accounts.signInWithPassword('x@skolnet.test', 'wrong', null)).rejects.toMatchObject({
        code: ErrorCodes.AUTH_UNAUTHORIZED,
      });
    }
    const row = await getStore().accounts.getLoginFailures('X@skolnet.test');
    expect(row).toMatchObject({ failures: 5, locked_until: '2026-03-10T08:01:00.000Z' });
    await expect(accounts.signInWithPassword('x@skolnet.test', 'wrong', null)).rejects.toMatchObject({
      code: ErrorCodes.AUTH_LOCKED,
    });
    now = new Date(T0.getTime() + 60_000);
    await expect(accounts.signInWithPassword('x@skolnet.test', 'wrong', null)).rejects.toMatchObject({
      code: ErrorCodes.AUTH_UNAUTHORIZED,
    });
    expect((await getStore().accounts.getLoginFailures('x@skolnet.test'))?.locked_until).toBe(
      '2026-03-10T08:03:00.000Z',
    );
  });

  it('stores only token hashes, and revokes tokens', async () => {
    const accounts = service();
    const user = await accounts.createUser({ email: 't@skolnet.test', role: 'admin' }, { label: 'test' });
    const { token, row } = await accounts.createApiToken(user.id, 'script', { label: 'test' });
    const stored = await backend.query<{ token_hash: string }>('select token_hash from user_tokens');
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);
    expect((await accounts.resolveApiToken(token))?.id).toBe(user.id);
    await accounts.revokeApiToken(row.id, { label: 'test' });
    expect(await accounts.resolveApiToken(token)).toBeUndefined();
  });

  it('keeps the audit log append-only: newest first, and the database refuses to change it', async () => {
    const accounts = getStore().accounts;
    const first = await accounts.appendAudit(
      { actor: 'cli', action: 'user_created', target: 'a@skolnet.test' },
      T0,
    );
    const second = await accounts.appendAudit(
      { actor: 'a@skolnet.test', action: 'sign_in', details: { method: 'password' } },
      new Date(T0.getTime() + 1_000),
    );
    expect((await accounts.listAudit({ limit: 10 })).map((e) => e.id)).toEqual([second.id, first.id]);
    expect((await accounts.listAudit({ limit: 10, before: second.id })).map((e) => e.id)).toEqual([first.id]);
    // Written past the store, as a stray statement would be (the suite's query helper reads only on SQLite).
    const write = async (statement: string): Promise<unknown> => {
      if (backend.dialect === 'postgres') return backend.query(statement);
      const db = openSqlite(backend.url().slice('sqlite:'.length));
      try {
        return db.prepare(statement).run();
      } finally {
        db.close();
      }
    };
    await expect(write(`update audit_log set action = 'x'`)).rejects.toThrow(/append-only/);
    await expect(write('delete from audit_log')).rejects.toThrow(/append-only/);
    expect(await accounts.listAudit({ limit: 10 })).toHaveLength(2);
  });
});
