import { sql, type Kysely, type Migration } from 'kysely';
import { useBinaryCollation } from './0002-binary-text-order.js';
import type { StoreDialect } from './migration-provider.js';

const TEXT_COLUMNS: Record<string, readonly string[]> = {
  users: [
    'id',
    'email',
    'display_name',
    'role',
    'scope_school_id',
    'scope_municipality',
    'scope_vendor',
    'password_hash',
    'oidc_subject',
    'disabled_at',
    'created_at',
    'updated_at',
  ],
  sessions: [
    'id_hash',
    'user_id',
    'csrf_token',
    'method',
    'created_at',
    'last_seen_at',
    'expires_at',
    'revoked_at',
  ],
  user_tokens: [
    'id',
    'user_id',
    'kind',
    'token_hash',
    'name',
    'created_at',
    'expires_at',
    'revoked_at',
    'last_used_at',
  ],
  login_failures: ['email', 'locked_until', 'last_failure_at'],
  audit_log: ['id', 'at', 'actor_user_id', 'actor', 'action', 'target', 'details', 'ip'],
};

/**
 * Accounts of people: users with a role and its scope, browser sessions
 * (kept by the hash of the cookie's secret), per-user tokens for scripts
 * and password resets (hashes only), failed sign-ins per typed email for
 * the lockout, and the append-only audit log. On PostgreSQL a trigger
 * refuses UPDATE and DELETE on the audit log, so not even a bug or a
 * stray statement through the collector's own login can rewrite it.
 */
export function accountsMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // Lower-cased at write, so lookups need no case folding.
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('display_name', 'text')
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('scope_school_id', 'text')
        .addColumn('scope_municipality', 'text')
        .addColumn('scope_vendor', 'text')
        // Null for accounts that sign in through OpenID Connect only.
        .addColumn('password_hash', 'text')
        .addColumn('oidc_subject', 'text', (c) => c.unique())
        .addColumn('disabled_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
      await db.schema
        .createTable('user_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .execute();
      await db.schema.createIndex('user_tokens_user').on('user_tokens').column('user_id').execute();
      await db.schema
        .createTable('login_failures')
        .addColumn('email', 'text', (c) => c.primaryKey())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('locked_until', 'text')
        .addColumn('last_failure_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_user_id', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .execute();
      for (const [table, columns] of Object.entries(TEXT_COLUMNS)) {
        await useBinaryCollation(db, dialect, table, columns);
      }
      if (dialect === 'postgres') {
        await sql`create function skolnet_audit_log_append_only() returns trigger language plpgsql as $$
          begin
            raise exception 'audit_log is append-only';
          end
        $$`.execute(db);
        await sql`create trigger audit_log_append_only before update or delete on audit_log
          for each statement execute function skolnet_audit_log_append_only()`.execute(db);
      } else {
        // SQLite's triggers refuse per row, which is enough: the collector
        // never updates or deletes audit rows, so any attempt is a fault.
        await sql`create trigger audit_log_no_update before update on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
        await sql`create trigger audit_log_no_delete before delete on audit_log
          begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['audit_log', 'login_failures', 'user_tokens', 'sessions', 'users']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
      if (dialect === 'postgres') {
        await sql`drop function if exists skolnet_audit_log_append_only()`.execute(db);
      }
    },
  };
}
