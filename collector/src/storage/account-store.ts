import type { Kysely } from 'kysely';
import { ErrorCodes, SkolnetError, uuidv7 } from '@skolnet/shared';
import type { Role } from '../auth/roles.js';

/** A person's account as stored (migration 0006-accounts). */
export interface UserRow {
  id: string;
  /** Lower case. */
  email: string;
  display_name: string | null;
  role: Role;
  scope_school_id: string | null;
  scope_municipality: string | null;
  scope_vendor: string | null;
  /** argon2id PHC string; null for accounts that sign in only through OpenID Connect. */
  password_hash: string | null;
  /** `issuer|subject` of the OpenID Connect identity bound to the account, once it signed in so. */
  oidc_subject: string | null;
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A browser session; the cookie carries the secret, the store only its SHA-256. */
export interface SessionRow {
  id_hash: string;
  user_id: string;
  /** The synchronizer token state-changing requests must echo in `x-skolnet-csrf`. */
  csrf_token: string;
  /** How the person signed in: `password` or `oidc`. */
  method: string;
  created_at: string;
  last_seen_at: string;
  /** Absolute expiry, fixed at sign-in. */
  expires_at: string;
  revoked_at: string | null;
}

/** What a user token is for. */
export type UserTokenKind = 'api' | 'password_reset';

/** A per-user token (API token for scripts, or a one-time password reset code); only its hash is kept. */
export interface UserTokenRow {
  id: string;
  user_id: string;
  kind: UserTokenKind;
  token_hash: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Failed sign-ins for one typed email (whether or not an account has it). */
export interface LoginFailureRow {
  email: string;
  failures: number;
  locked_until: string | null;
  last_failure_at: string;
}

/** One entry of the audit log. */
export interface AuditEntry {
  id: string;
  at: string;
  /** The account that acted; null for the CLI, the system or an anonymous caller. */
  actor_user_id: string | null;
  /** Who acted, readable: an email, `cli`, `anonymous`. */
  actor: string;
  /** What happened, e.g. `sign_in`, `sign_in_failed`, `user_role_changed`, `token_created`. */
  action: string;
  /** What it happened to (a user's email, a token's id), when anything. */
  target: string | null;
  /** JSON text of further facts; never a password, token or pupil data. */
  details: string;
  ip: string | null;
}

/** Input of {@link AccountStore.appendAudit}. */
export interface NewAuditEntry {
  actor_user_id?: string | null;
  actor: string;
  action: string;
  target?: string | null;
  details?: Record<string, unknown>;
  ip?: string | null;
}

/** What {@link AccountStore.listAudit} returns: a page, newest first, narrowed by the filters given. */
export interface AuditListOptions {
  limit: number;
  /** An entry id: only entries older than it (the next page). */
  before?: string;
  /** Only this action, e.g. `school_updated`. */
  action?: string;
  /** Only entries by this actor (an email, `cli`), case ignored. */
  actor?: string;
  /** Only entries about this target (a school's or a user's id, an email). */
  target?: string;
  /** Only entries at or after this instant (RFC 3339). */
  since?: string;
  /** Only entries before this instant (RFC 3339). */
  until?: string;
}

/** Input of {@link AccountStore.createUser}. */
export interface NewUser {
  email: string;
  display_name?: string | null;
  role: Role;
  scope_school_id?: string | null;
  scope_municipality?: string | null;
  scope_vendor?: string | null;
  password_hash?: string | null;
}

/** Changes of {@link AccountStore.updateUser}; omitted keys stay. */
export type UserPatch = Partial<
  Pick<
    UserRow,
    | 'display_name'
    | 'role'
    | 'scope_school_id'
    | 'scope_municipality'
    | 'scope_vendor'
    | 'password_hash'
    | 'oidc_subject'
    | 'disabled_at'
  >
>;

/** The account tables as Kysely sees them. */
export interface AccountTables {
  users: UserRow;
  sessions: SessionRow;
  user_tokens: UserTokenRow;
  login_failures: LoginFailureRow;
  audit_log: AuditEntry;
}

/**
 * Accounts, sessions, tokens, lockout counters and the audit log. The audit
 * log has an append and a read, and no way to change or remove an entry.
 */
export interface AccountStore {
  createUser(user: NewUser, now: Date): Promise<UserRow>;
  getUser(id: string): Promise<UserRow | undefined>;
  findUserByEmail(email: string): Promise<UserRow | undefined>;
  findUserByOidcSubject(subject: string): Promise<UserRow | undefined>;
  /** Every account, by email. */
  listUsers(): Promise<UserRow[]>;
  /** Number of admin accounts not disabled. */
  countActiveAdmins(): Promise<number>;
  /** Applies `patch`; throws `SKOLNET_API_NOT_FOUND` for an unknown account. */
  updateUser(id: string, patch: UserPatch, now: Date): Promise<UserRow>;

  getLoginFailures(email: string): Promise<LoginFailureRow | undefined>;
  /** Stores the failure count and lock of an email (insert or replace). */
  setLoginFailures(row: LoginFailureRow): Promise<void>;
  clearLoginFailures(email: string): Promise<void>;

  createSession(row: SessionRow): Promise<void>;
  findSession(idHash: string): Promise<SessionRow | undefined>;
  touchSession(idHash: string, at: Date): Promise<void>;
  revokeSession(idHash: string, at: Date): Promise<void>;
  /** Revokes every live session of an account; returns how many. */
  revokeUserSessions(userId: string, at: Date): Promise<number>;

  createUserToken(row: UserTokenRow): Promise<void>;
  findUserTokenByHash(hash: string): Promise<UserTokenRow | undefined>;
  listUserTokens(userId: string, kind?: UserTokenKind): Promise<UserTokenRow[]>;
  touchUserToken(id: string, at: Date): Promise<void>;
  /** Revokes a token; returns it, or undefined when there is none with that id (of that user, when given). */
  revokeUserToken(id: string, at: Date, userId?: string): Promise<UserTokenRow | undefined>;
  /** Revokes every live token of an account (of one kind, when given); returns how many. */
  revokeUserTokens(userId: string, at: Date, kind?: UserTokenKind): Promise<number>;

  appendAudit(entry: NewAuditEntry, now: Date): Promise<AuditEntry>;
  /** Newest first; `before` (an entry id) pages further back; the filters narrow it. */
  listAudit(options: AuditListOptions): Promise<AuditEntry[]>;
}

/** The {@link AccountStore} over the collector's Kysely database. */
export class KyselyAccountStore implements AccountStore {
  readonly #db: Kysely<AccountTables>;

  /** Uses `db`, owned by the caller's store. */
  constructor(db: Kysely<AccountTables>) {
    this.#db = db;
  }

  async createUser(user: NewUser, now: Date): Promise<UserRow> {
    const email = normalizeEmail(user.email);
    if (await this.findUserByEmail(email)) {
      throw new SkolnetError(ErrorCodes.API_CONFLICT, `an account with email ${email} exists already`);
    }
    const row: UserRow = {
      id: uuidv7(now.getTime()),
      email,
      display_name: user.display_name ?? null,
      role: user.role,
      scope_school_id: user.scope_school_id ?? null,
      scope_municipality: user.scope_municipality ?? null,
      scope_vendor: user.scope_vendor ?? null,
      password_hash: user.password_hash ?? null,
      oidc_subject: null,
      disabled_at: null,
      created_at: now.toISOString(),
      updated_at: now.toISOString(),
    };
    await this.#db.insertInto('users').values(row).execute();
    return row;
  }

  async getUser(id: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findUserByEmail(email: string): Promise<UserRow | undefined> {
    return this.#db
      .selectFrom('users')
      .selectAll()
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
  }

  async findUserByOidcSubject(subject: string): Promise<UserRow | undefined> {
    return this.#db.selectFrom('users').selectAll().where('oidc_subject', '=', subject).executeTakeFirst();
  }

  async listUsers(): Promise<UserRow[]> {
    return this.#db.selectFrom('users').selectAll().orderBy('email').execute();
  }

  async countActiveAdmins(): Promise<number> {
    const row = await this.#db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
    return Number(row.n);
  }

  async updateUser(id: string, patch: UserPatch, now: Date): Promise<UserRow> {
    const result = await this.#db
      .updateTable('users')
      .set({ ...patch, updated_at: now.toISOString() })
      .where('id', '=', id)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `account ${id} does not exist`);
    }
    return (await this.getUser(id))!;
  }

  async getLoginFailures(email: string): Promise<LoginFailureRow | undefined> {
    return this.#db
      .selectFrom('login_failures')
      .selectAll()
      .where('email', '=', normalizeEmail(email))
      .executeTakeFirst();
  }

  async setLoginFailures(row: LoginFailureRow): Promise<void> {
    const value = { ...row, email: normalizeEmail(row.email) };
    await this.#db
      .insertInto('login_failures')
      .values(value)
      .onConflict((oc) =>
        oc.column('email').doUpdateSet({
          failures: value.failures,
          locked_until: value.locked_until,
          last_failure_at: value.last_failure_at,
        }),
      )
      .execute();
  }

  async clearLoginFailures(email: string): Promise<void> {
    await this.#db.deleteFrom('login_failures').where('email', '=', normalizeEmail(email)).execute();
  }

  async createSession(row: SessionRow): Promise<void> {
    await this.#db.insertInto('sessions').values(row).execute();
  }

  async findSession(idHash: string): Promise<SessionRow | undefined> {
    return this.#db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
  }

  async touchSession(idHash: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('sessions')
      .set({ last_seen_at: at.toISOString() })
      .where('id_hash', '=', idHash)
      .execute();
  }

  async revokeSession(idHash: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('sessions')
      .set({ revoked_at: at.toISOString() })
      .where('id_hash', '=', idHash)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async revokeUserSessions(userId: string, at: Date): Promise<number> {
    const result = await this.#db
      .updateTable('sessions')
      .set({ revoked_at: at.toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async createUserToken(row: UserTokenRow): Promise<void> {
    await this.#db.insertInto('user_tokens').values(row).execute();
  }

  async findUserTokenByHash(hash: string): Promise<UserTokenRow | undefined> {
    return this.#db.selectFrom('user_tokens').selectAll().where('token_hash', '=', hash).executeTakeFirst();
  }

  async listUserTokens(userId: string, kind?: UserTokenKind): Promise<UserTokenRow[]> {
    let query = this.#db.selectFrom('user_tokens').selectAll().where('user_id', '=', userId);
    if (kind !== undefined) query = query.where('kind', '=', kind);
    return query.orderBy('created_at').orderBy('id').execute();
  }

  async touchUserToken(id: string, at: Date): Promise<void> {
    await this.#db
      .updateTable('user_tokens')
      .set({ last_used_at: at.toISOString() })
      .where('id', '=', id)
      .execute();
  }

  async revokeUserToken(id: string, at: Date, userId?: string): Promise<UserTokenRow | undefined> {
    let query = this.#db.selectFrom('user_tokens').selectAll().where('id', '=', id);
    if (userId !== undefined) query = query.where('user_id', '=', userId);
    const token = await query.executeTakeFirst();
    if (!token) return undefined;
    if (token.revoked_at === null) {
      await this.#db
        .updateTable('user_tokens')
        .set({ revoked_at: at.toISOString() })
        .where('id', '=', id)
        .execute();
    }
    return (await this.#db.selectFrom('user_tokens').selectAll().where('id', '=', id).executeTakeFirst())!;
  }

  async revokeUserTokens(userId: string, at: Date, kind?: UserTokenKind): Promise<number> {
    let query = this.#db
      .updateTable('user_tokens')
      .set({ revoked_at: at.toISOString() })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null);
    if (kind !== undefined) query = query.where('kind', '=', kind);
    const result = await query.executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async appendAudit(entry: NewAuditEntry, now: Date): Promise<AuditEntry> {
    const row: AuditEntry = {
      id: uuidv7(now.getTime()),
      at: now.toISOString(),
      actor_user_id: entry.actor_user_id ?? null,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: JSON.stringify(entry.details ?? {}),
      ip: entry.ip ?? null,
    };
    await this.#db.insertInto('audit_log').values(row).execute();
    return row;
  }

  async listAudit(options: AuditListOptions): Promise<AuditEntry[]> {
    let query = this.#db.selectFrom('audit_log').selectAll();
    if (options.before !== undefined) query = query.where('id', '<', options.before);
    if (options.action !== undefined) query = query.where('action', '=', options.action);
    // Actors are stored as the lower-cased email (or `cli`), so a lower-cased filter matches.
    if (options.actor !== undefined) query = query.where('actor', '=', options.actor.trim().toLowerCase());
    if (options.target !== undefined) query = query.where('target', '=', options.target);
    // Timestamps are fixed-width UTC text, so text order is time order.
    if (options.since !== undefined) query = query.where('at', '>=', new Date(options.since).toISOString());
    if (options.until !== undefined) query = query.where('at', '<', new Date(options.until).toISOString());
    return query.orderBy('id', 'desc').limit(options.limit).execute();
  }
}

/** The form emails are stored and looked up in: trimmed, lower case. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
