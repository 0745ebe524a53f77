import { randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { ErrorCodes, SkolnetError, uuidv7 } from '@skolnet/shared';
import { sha256Hex } from '../security/secrets.js';
import {
  normalizeEmail,
  type AccountStore,
  type SessionRow,
  type UserRow,
  type UserTokenRow,
} from '../storage/account-store.js';
import type { AuthConfig } from './auth-config.js';
import { scopeProblem, type Principal, type Role, type Scope } from './roles.js';

/**
 * argon2id with @node-rs/argon2's defaults: 19 MiB memory, 2 passes, 1
 * lane, the first of the OWASP Password Storage Cheat Sheet's argon2id
 * configurations; the PHC string records them, so raising them later
 * still verifies old hashes.
 */
// 2 is `Algorithm.Argon2id`, a const enum that isolated modules cannot read.
const ARGON2_OPTIONS = { algorithm: 2 } as const;

/**
 * Shortest password accepted, in characters. NIST SP 800-63B asks for at
 * least 8 and no composition rules; 12 because these accounts see a
 * national plan and, later, records about pupils.
 */
export const MIN_PASSWORD_CHARS = 12;
/** Longest password accepted, in characters: argon2 takes any length, this bounds the work per request. */
export const MAX_PASSWORD_CHARS = 256;

/** Prefix of per-user API tokens: recognisable in a leak, and never mistaken for an agent secret. */
export const API_TOKEN_PREFIX = 'skolnet_ut_';
/** Prefix of one-time password reset codes. */
export const RESET_CODE_PREFIX = 'skolnet_pr_';
/** Lifetime of a password reset code, in ms: a day, to pass it on by phone or in person. */
export const RESET_CODE_TTL_MS = 24 * 3_600_000;

/** Bytes of randomness in session secrets, tokens, CSRF tokens: 256 bits, so a plain SHA-256 suffices to store them. */
const SECRET_BYTES = 32;

const secret = (): string => randomBytes(SECRET_BYTES).toString('base64url');

/** Who does something, for the audit log. */
export interface Actor {
  user_id?: string | null;
  /** An email, `cli` or `anonymous`. */
  label: string;
  ip?: string | null;
}

/** The CLI as an actor. */
export const CLI_ACTOR: Actor = { label: 'cli' };

/** Input of {@link AccountService.createUser}. */
export interface CreateUserInput extends Scope {
  email: string;
  role: Role;
  display_name?: string | null;
  /** The password; none for an account that signs in only through OpenID Connect. */
  password?: string;
}

/** A session just started; `secret` goes into the cookie and nowhere else. */
export interface StartedSession {
  secret: string;
  session: SessionRow;
  user: UserRow;
}

/** A session found by its cookie, still valid. */
export interface LiveSession {
  session: SessionRow;
  user: UserRow;
}

/** An account as the API and CLI show it: never its password hash. */
export interface PublicUser extends Scope {
  id: string;
  email: string;
  display_name: string | null;
  role: Role;
  disabled: boolean;
  oidc_linked: boolean;
  created_at: string;
}

/** A token as listed: never the token or its hash. */
export interface PublicToken {
  id: string;
  name: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** The account without secrets. */
export function publicUser(user: UserRow): PublicUser {
  return {
    id: user.id,
    email: user.email,
    display_name: user.display_name,
    role: user.role,
    school_id: user.scope_school_id,
    municipality: user.scope_municipality,
    vendor: user.scope_vendor,
    disabled: user.disabled_at !== null,
    oidc_linked: user.oidc_subject !== null,
    created_at: user.created_at,
  };
}

/** The token without secrets. */
export function publicToken(token: UserTokenRow): PublicToken {
  return {
    id: token.id,
    name: token.name,
    created_at: token.created_at,
    expires_at: token.expires_at,
    revoked_at: token.revoked_at,
    last_used_at: token.last_used_at,
  };
}

/** The principal a request acts as. */
export function principalOf(user: UserRow, credential: Principal['credential']): Principal {
  return {
    user_id: user.id,
    email: user.email,
    role: user.role,
    school_id: user.scope_school_id,
    municipality: user.scope_municipality,
    vendor: user.scope_vendor,
    credential,
  };
}

/** Checks a new password's length; throws `SKOLNET_API_BAD_REQUEST` saying what is wrong. */
export function checkPassword(password: string): void {
  const chars = [...password].length;
  if (chars < MIN_PASSWORD_CHARS || chars > MAX_PASSWORD_CHARS) {
    throw new SkolnetError(
      ErrorCodes.API_BAD_REQUEST,
      `a password has ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters (this one has ${chars})`,
    );
  }
}

/** A random password to print once: 24 base64url characters, 144 bits. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * People's accounts: creation, password sign-in with lockout and back-off,
 * sessions with idle and absolute expiry, per-user API tokens, password
 * resets, role and scope changes, disabling. Every such event goes into the
 * audit log. Routes, the CLI and `npm start` all use this one service.
 */
export class AccountService {
  readonly #store: AccountStore;
  readonly #config: AuthConfig;
  readonly #now: () => Date;
  /** A hash of a random password, verified against for unknown emails so they take as long as known ones. */
  #dummyHash: Promise<string> | undefined;

  /** Works on `store` with the auth settings and the collector's clock. */
  constructor(store: AccountStore, config: AuthConfig, now: () => Date) {
    this.#store = store;
    this.#config = config;
    this.#now = now;
  }

  /** The account store, for reads the routes shape themselves. */
  get store(): AccountStore {
    return this.#store;
  }

  /** Creates an account; audits it. Throws `SKOLNET_API_BAD_REQUEST` for a bad scope or password, `SKOLNET_API_CONFLICT` for a taken email. */
  async createUser(input: CreateUserInput, actor: Actor): Promise<UserRow> {
    const email = normalizeEmail(input.email);
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
      throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, `"${input.email}" is not an email address`);
    }
    const problem = scopeProblem(input.role, input);
    if (problem !== undefined) throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, problem);
    if (input.password !== undefined) checkPassword(input.password);
    const user = await this.#store.createUser(
      {
        email,
        role: input.role,
        display_name: input.display_name ?? null,
        scope_school_id: input.school_id ?? null,
        scope_municipality: input.municipality ?? null,
        scope_vendor: input.vendor ?? null,
        password_hash: input.password === undefined ? null : await hash(input.password, ARGON2_OPTIONS),
      },
      this.#now(),
    );
    await this.audit(actor, 'user_created', user.email, { role: user.role, ...scopeDetails(user) });
    return user;
  }

  /** Sets an account's role and scope; audits the change. */
  async setRole(userId: string, role: Role, scope: Scope, actor: Actor): Promise<UserRow> {
    const before = await this.#requireUser(userId);
    const problem = scopeProblem(role, scope);
    if (problem !== undefined) throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, problem);
    if (before.role === 'admin' && role !== 'admin') await this.#keepAnAdmin(before);
    const user = await this.#store.updateUser(
      userId,
      {
        role,
        scope_school_id: scope.school_id ?? null,
        scope_municipality: scope.municipality ?? null,
        scope_vendor: scope.vendor ?? null,
      },
      this.#now(),
    );
    await this.audit(actor, 'user_role_changed', user.email, {
      from: { role: before.role, ...scopeDetails(before) },
      to: { role: user.role, ...scopeDetails(user) },
    });
    return user;
  }

  /**
   * Disables an account (or enables it again): its sessions and tokens
   * end at once and it cannot sign in. The last active admin cannot be
   * disabled, so the collector never loses its last administrator.
   */
  async setDisabled(userId: string, disabled: boolean, actor: Actor): Promise<UserRow> {
    const before = await this.#requireUser(userId);
    if (disabled && before.role === 'admin' && before.disabled_at === null) await this.#keepAnAdmin(before);
    const now = this.#now();
    const user = await this.#store.updateUser(
      userId,
      { disabled_at: disabled ? (before.disabled_at ?? now.toISOString()) : null },
      now,
    );
    let sessions = 0;
    let tokens = 0;
    if (disabled) {
      sessions = await this.#store.revokeUserSessions(userId, now);
      tokens = await this.#store.revokeUserTokens(userId, now);
    }
    await this.audit(actor, disabled ? 'user_disabled' : 'user_enabled', user.email, {
      revoked_sessions: sessions,
      revoked_tokens: tokens,
    });
    return user;
  }

  /** Sets a new password (CLI, reset); ends the account's sessions. */
  async setPassword(userId: string, password: string, actor: Actor): Promise<void> {
    checkPassword(password);
    const user = await this.#requireUser(userId);
    const now = this.#now();
    await this.#store.updateUser(userId, { password_hash: await hash(password, ARGON2_OPTIONS) }, now);
    await this.#store.revokeUserSessions(userId, now);
    await this.#store.clearLoginFailures(user.email);
    await this.audit(actor, 'password_changed', user.email);
  }

  /**
   * Signs in with email and password. A locked email is refused with
   * `SKOLNET_AUTH_LOCKED` without looking at the password; a wrong email
   * or password alike with `SKOLNET_AUTH_UNAUTHORIZED`, counting towards
   * the lock. The lock is kept per typed email, whether or not an account
   * has it, so the lock does not tell which emails exist.
   */
  async signInWithPassword(email: string, password: string, ip: string | null): Promise<StartedSession> {
    const typed = normalizeEmail(email);
    const now = this.#now();
    const failures = await this.#store.getLoginFailures(typed);
    if (failures?.locked_until != null && failures.locked_until > now.toISOString()) {
      await this.audit({ label: 'anonymous', ip }, 'sign_in_refused_locked', typed, {
        locked_until: failures.locked_until,
      });
      throw new SkolnetError(
        ErrorCodes.AUTH_LOCKED,
        `too many failed sign-ins: try again after ${failures.locked_until}`,
      );
    }
    const user = await this.#store.findUserByEmail(typed);
    const usable = user !== undefined && user.disabled_at === null && user.password_hash !== null;
    // Verify even for unknown or disabled accounts, so answers take as long either way.
    this.#dummyHash ??= hash(generatePassword(), ARGON2_OPTIONS);
    const checked = await verify(usable ? user.password_hash! : await this.#dummyHash, password).catch(
      () => false,
    );
    if (!usable || !checked) {
      const count = (failures?.failures ?? 0) + 1;
      const { threshold, baseMs, maxMs } = this.#config.lockout;
      const lockMs = count >= threshold ? Math.min(maxMs, baseMs * 2 ** (count - threshold)) : 0;
      const lockedUntil = lockMs > 0 ? new Date(now.getTime() + lockMs).toISOString() : null;
      await this.#store.setLoginFailures({
        email: typed,
        failures: count,
        locked_until: lockedUntil,
        last_failure_at: now.toISOString(),
      });
      await this.audit({ label: 'anonymous', ip }, 'sign_in_failed', typed, {
        reason:
          user === undefined ? 'unknown_email' : user.disabled_at !== null ? 'disabled' : 'wrong_password',
        failures: count,
        ...(lockedUntil === null ? {} : { locked_until: lockedUntil }),
      });
      throw new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, 'wrong email or password');
    }
    await this.#store.clearLoginFailures(typed);
    return this.startSession(user, 'password', ip);
  }

  /** Starts a session for an account that has proven who it is; audits the sign-in. */
  async startSession(user: UserRow, method: 'password' | 'oidc', ip: string | null): Promise<StartedSession> {
    const now = this.#now();
    const plain = secret();
    const session: SessionRow = {
      id_hash: sha256Hex(plain),
      user_id: user.id,
      csrf_token: secret(),
      method,
      created_at: now.toISOString(),
      last_seen_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.#config.sessionAbsoluteMs).toISOString(),
      revoked_at: null,
    };
    await this.#store.createSession(session);
    await this.audit({ user_id: user.id, label: user.email, ip }, 'sign_in', user.email, { method });
    return { secret: plain, session, user };
  }

  /**
   * The session a cookie's secret names, when it is live: not signed out,
   * within its absolute lifetime, used within the idle timeout, and its
   * account not disabled. Records the use, which restarts the idle timer.
   */
  async resolveSession(plain: string): Promise<LiveSession | undefined> {
    const session = await this.#store.findSession(sha256Hex(plain));
    if (!session || session.revoked_at !== null) return undefined;
    const now = this.#now();
    if (now.toISOString() >= session.expires_at) return undefined;
    if (now.getTime() - Date.parse(session.last_seen_at) >= this.#config.sessionIdleMs) return undefined;
    const user = await this.#store.getUser(session.user_id);
    if (!user || user.disabled_at !== null) return undefined;
    await this.#store.touchSession(session.id_hash, now);
    return { session: { ...session, last_seen_at: now.toISOString() }, user };
  }

  /** Ends a session (sign-out); audits it. */
  async signOut(live: LiveSession, ip: string | null): Promise<void> {
    await this.#store.revokeSession(live.session.id_hash, this.#now());
    await this.audit({ user_id: live.user.id, label: live.user.email, ip }, 'sign_out', live.user.email);
  }

  /** Whether `token` is the session's CSRF token, compared in constant time. */
  csrfMatches(live: LiveSession, token: string | undefined): boolean {
    return token !== undefined && sameText(token, live.session.csrf_token);
  }

  /**
   * Creates an API token for an account's scripts. It acts with the
   * account's role and scope as they are when it is used, so a role change
   * applies to the account's tokens too. Returns the plain token once.
   */
  async createApiToken(
    userId: string,
    name: string,
    actor: Actor,
    ttlMs?: number,
  ): Promise<{ token: string; row: UserTokenRow }> {
    const user = await this.#requireUser(userId);
    if (user.disabled_at !== null) {
      throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, `account ${user.email} is disabled`);
    }
    const now = this.#now();
    const token = `${API_TOKEN_PREFIX}${secret()}`;
    const row: UserTokenRow = {
      id: uuidv7(now.getTime()),
      user_id: user.id,
      kind: 'api',
      token_hash: sha256Hex(token),
      name,
      created_at: now.toISOString(),
      expires_at: ttlMs === undefined ? null : new Date(now.getTime() + ttlMs).toISOString(),
      revoked_at: null,
      last_used_at: null,
    };
    await this.#store.createUserToken(row);
    await this.audit(actor, 'token_created', user.email, { token_id: row.id, name });
    return { token, row };
  }

  /** The account an API token acts for, when the token is live and the account enabled. */
  async resolveApiToken(token: string): Promise<UserRow | undefined> {
    if (!token.startsWith(API_TOKEN_PREFIX)) return undefined;
    const row = await this.#store.findUserTokenByHash(sha256Hex(token));
    if (!row || row.kind !== 'api' || row.revoked_at !== null) return undefined;
    const now = this.#now();
    if (row.expires_at !== null && now.toISOString() >= row.expires_at) return undefined;
    const user = await this.#store.getUser(row.user_id);
    if (!user || user.disabled_at !== null) return undefined;
    await this.#store.touchUserToken(row.id, now);
    return user;
  }

  /** Revokes a token (of `ownerId` only, when given); audits it. Throws `SKOLNET_API_NOT_FOUND` when there is none. */
  async revokeApiToken(tokenId: string, actor: Actor, ownerId?: string): Promise<UserTokenRow> {
    const row = await this.#store.revokeUserToken(tokenId, this.#now(), ownerId);
    if (!row || row.kind !== 'api') {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `token ${tokenId} does not exist`);
    }
    await this.audit(actor, 'token_revoked', row.user_id, { token_id: row.id, name: row.name });
    return row;
  }

  /**
   * Issues a one-time password reset code for an account (an admin hands
   * it over); earlier codes stop working. Returns the plain code once.
   */
  async issuePasswordReset(userId: string, actor: Actor): Promise<{ code: string; expires_at: string }> {
    const user = await this.#requireUser(userId);
    const now = this.#now();
    await this.#store.revokeUserTokens(user.id, now, 'password_reset');
    const code = `${RESET_CODE_PREFIX}${secret()}`;
    const expires = new Date(now.getTime() + RESET_CODE_TTL_MS).toISOString();
    await this.#store.createUserToken({
      id: uuidv7(now.getTime()),
      user_id: user.id,
      kind: 'password_reset',
      token_hash: sha256Hex(code),
      name: 'password reset',
      created_at: now.toISOString(),
      expires_at: expires,
      revoked_at: null,
      last_used_at: null,
    });
    await this.audit(actor, 'password_reset_issued', user.email, { expires_at: expires });
    return { code, expires_at: expires };
  }

  /** Sets a new password with a reset code, which is then used up. Throws `SKOLNET_AUTH_UNAUTHORIZED` for a bad code. */
  async resetPassword(email: string, code: string, password: string, ip: string | null): Promise<void> {
    checkPassword(password);
    const user = await this.#store.findUserByEmail(email);
    const row = await this.#store.findUserTokenByHash(sha256Hex(code));
    const now = this.#now();
    const valid =
      user !== undefined &&
      user.disabled_at === null &&
      row !== undefined &&
      row.kind === 'password_reset' &&
      row.user_id === user.id &&
      row.revoked_at === null &&
      row.expires_at !== null &&
      now.toISOString() < row.expires_at;
    if (!valid) {
      await this.audit({ label: 'anonymous', ip }, 'password_reset_failed', normalizeEmail(email));
      throw new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, 'the reset code is not valid for this email');
    }
    await this.#store.revokeUserToken(row.id, now);
    await this.setPassword(user.id, password, { user_id: user.id, label: user.email, ip });
  }

  /** Appends to the audit log. */
  async audit(
    actor: Actor,
    action: string,
    target?: string | null,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.#store.appendAudit(
      {
        actor_user_id: actor.user_id ?? null,
        actor: actor.label,
        action,
        target: target ?? null,
        ...(details === undefined ? {} : { details }),
        ip: actor.ip ?? null,
      },
      this.#now(),
    );
  }

  async #requireUser(id: string): Promise<UserRow> {
    const user = (await this.#store.getUser(id)) ?? (await this.#store.findUserByEmail(id));
    if (!user) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `account ${id} does not exist`);
    return user;
  }

  async #keepAnAdmin(user: UserRow): Promise<void> {
    if ((await this.#store.countActiveAdmins()) <= 1) {
      throw new SkolnetError(
        ErrorCodes.API_CONFLICT,
        `${user.email} is the last active admin; make another admin first`,
      );
    }
  }

  /** The account by id or email; throws `SKOLNET_API_NOT_FOUND`. */
  async findUser(idOrEmail: string): Promise<UserRow> {
    return this.#requireUser(idOrEmail);
  }
}

function scopeDetails(user: UserRow): Record<string, string> {
  return {
    ...(user.scope_school_id === null ? {} : { school_id: user.scope_school_id }),
    ...(user.scope_municipality === null ? {} : { municipality: user.scope_municipality }),
    ...(user.scope_vendor === null ? {} : { vendor: user.scope_vendor }),
  };
}
