import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  type SqliteDatabase,
  type SqliteStatement,
  type Transaction,
} from 'kysely';
import pg from 'pg';
import {
  DEFAULT_AGENT_ROLE,
  ErrorCodes,
  SkolnetError,
  openSqlite,
  uuidv7,
  type AgentConfig,
  type AgentRole,
  type ConfigAck,
  type HardwareFingerprint,
  type Result,
  type Timetable,
} from '@skolnet/shared';
import { canonicalConfigJson, effectiveAgentConfig } from '../agents/effective-agent-config.js';
import {
  generateEnrollmentCode,
  generateSecret,
  matchesHash,
  normalizeEnrollmentCode,
  sha256Hex,
} from '../security/secrets.js';
import { KyselyAcceptanceStore, type AcceptanceTables } from './acceptance-store.js';
import { KyselyAccountStore, type AccountTables } from './account-store.js';
import { KyselySupportStore, type SupportTables } from './support-store.js';
import { KyselySchoolItStore, type SchoolItTables } from './school-it-store.js';
import { KyselySchoolRegisterStore, toSchoolRow, type RegisterTables } from './school-register-store.js';
import { parseDatabaseUrl, redactSecrets } from './database-url.js';
import { ensurePrivateDir, preparePrivateDatabaseFile } from './file-modes.js';
import { RESULT_HOUR_SQL } from './migrations/0005-results-hour-index.js';
import { createMigrationProvider, type StoreDialect } from './migrations/migration-provider.js';
import { hourOf, nextHour, summariseHour } from './rollups.js';
import { BusyAwareSqliteDialect, retryWhileBusy, SQLITE_BUSY_TIMEOUT_MS } from './sqlite-busy.js';
import type {
  AgentAuthentication,
  AgentConfigChange,
  AgentFlag,
  AgentRow,
  AgentSummary,
  DeleteOutcome,
  HourlyRollup,
  EnrolledAgent,
  FingerprintRecord,
  InsertOutcome,
  IssuedEnrollmentCode,
  LatestResultsOptions,
  NewAgent,
  NewSchool,
  RefreshRollupsOptions,
  ResultFilter,
  RollupQuery,
  SchoolRow,
  Store,
  StoredResult,
} from './store.js';

interface EnrollmentCodeRow {
  code_hash: string;
  school_id: string;
  expires_at: string;
  used_at: string | null;
  agent_id: string | null;
  /** The role the code fixes, or null when the agent chooses. */
  role: AgentRole | null;
  /** When it was issued; null for codes issued before migration 0007. */
  created_at: string | null;
  /** When school IT staff withdrew it; a revoked code never enrolls. */
  revoked_at: string | null;
}

interface AgentFingerprintRow {
  agent_id: string;
  /** Both hashes joined, `-` for a missing one: one row per machine per agent. */
  fingerprint: string;
  machine_id_hash: string | null;
  smbios_uuid_hash: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

interface StoredConfigRow {
  config: string;
  updated_at: string;
}

interface ResultRow {
  id: string;
  agent_id: string;
  school_id: string;
  measurement: string;
  /** JSON text of the result's fields. */
  fields: string;
  /** JSON text of the result's tags. */
  tags: string;
  at: string;
  received_at: string;
}

interface MetaRow {
  key: string;
  value: string;
}

/** An hour whose rollups wait to be recomputed (migration 0002-rollups). */
interface RollupDirtyRow {
  school_id: string;
  measurement: string;
  hour: string;
  /** Changes on every mark, so a recomputation clears only the mark it read. */
  token: string;
}

/** The collector's tables as Kysely sees them. */
export interface CollectorDatabase {
  schools: SchoolRow;
  enrollment_codes: EnrollmentCodeRow;
  agents: AgentRow;
  results: ResultRow;
  meta: MetaRow;
  rollups_hourly: HourlyRollup;
  rollups_dirty: RollupDirtyRow;
  agent_fingerprints: AgentFingerprintRow;
  school_agent_configs: StoredConfigRow & { school_id: string };
  agent_config_overrides: StoredConfigRow & { agent_id: string };
}

/**
 * Meta key of the raw retention horizon: the start of the oldest hour whose
 * raw results are still kept; older hours live on as rollups only.
 */
export const RAW_HORIZON_META_KEY = 'raw_results.deleted_before';

/**
 * Raw rows a rollup refresh reads per transaction (a busy hour of a school
 * holds a few hundred), so a backlog commits in few transactions and none
 * holds ingest up for more than a few milliseconds.
 */
const REFRESH_ROWS_PER_TRANSACTION = 5_000;
/** Hours a rollup refresh recomputes per transaction at most, for the same reason. */
const REFRESH_HOURS_PER_TRANSACTION = 200;

/** Rows per statement when deleting by key: well under both dialects' parameter limits. */
const DELETE_CHUNK_ROWS = 500;

/**
 * Rows per INSERT statement: 100 rows × 8 columns stays far below
 * SQLite's bound-parameter limit (32,766 since 3.32) and PostgreSQL's (65,535).
 */
const INSERT_CHUNK_ROWS = 100;

/**
 * Rows read per measurement to find the newest result of each target. A
 * probe measures a handful of targets, so the newest 200 rows of a
 * measurement contain the newest of every target that is still measured.
 */
const LATEST_SCAN_ROWS_PER_MEASUREMENT = 200;

/**
 * Most rows handed to the scoring per school: a week of 5-minute latency
 * probes to a few targets is ~10,000; beyond this the newest are kept.
 */
const MAX_SCORING_ROWS = 50_000;

/**
 * PostgreSQL connections per collector. Requests are short and the event
 * loop is single-threaded, so a few connections keep it busy; ten leaves
 * room under the server's default `max_connections` (100) for several
 * collectors, the `admin-token` and `plan` commands and an operator's psql.
 */
export const DEFAULT_POOL_SIZE = 10;

/**
 * Longest a PostgreSQL statement may run, in ms, before the server cancels
 * it: a runaway query must not hold a pooled connection (and a lock) for
 * ever. The heaviest statements (a week of results for scoring, a
 * 100-row insert) take well under a second on a healthy server.
 */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;

/** How long opening a PostgreSQL connection may take, in ms. */
const POSTGRES_CONNECT_TIMEOUT_MS = 10_000;

/** PostgreSQL closes a pooled connection idle this long, in ms. */
const POSTGRES_IDLE_TIMEOUT_MS = 30_000;

/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification (pg_hba.conf). */
const POSTGRES_AUTH_FAILED = new Set(['28P01', '28000']);

/** SQLSTATE invalid_catalog_name: the database does not exist. */
const POSTGRES_NO_DATABASE = '3D000';

/** Node's error codes for a server that cannot be reached. */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/**
 * Upper bound of a read without one: above every `Date#toISOString` text
 * of a four-digit year, which the result schema's date-time format allows.
 */
const NO_UPPER_BOUND = '9999-12-31T23:59:59.999Z';

/** Options of {@link createStore}; they apply to PostgreSQL only. */
export interface StoreOptions {
  /** Most pooled connections; default {@link DEFAULT_POOL_SIZE}. */
  poolSize?: number;
  /** Server-side statement timeout in ms; default {@link DEFAULT_STATEMENT_TIMEOUT_MS}. */
  statementTimeoutMs?: number;
}

/**
 * Prepared statements kept per SQLite connection. Kysely prepares every
 * query afresh; ingest repeats the same few INSERTs thousands of times a
 * second, and preparing a 100-row INSERT costs about as much as running
 * it. 256 covers every distinct query the collector makes with room over.
 */
const SQLITE_STATEMENT_CACHE_SIZE = 256;

/** The columns of `results` in the order {@link KyselyStore} binds them when inserting. */
const RESULT_COLUMNS = [
  'id',
  'agent_id',
  'school_id',
  'measurement',
  'fields',
  'tags',
  'at',
  'received_at',
] as const satisfies readonly (keyof ResultRow)[];

/**
 * The agents enrolled with the `issued_laptop` role: their results are a
 * pupil's home connection (docs/pupil-support.md), kept out of every
 * school figure (rollups, scoring, the latest results) and read only by
 * {@link KyselyStore.issuedLaptopResults} for the home-connectivity counts.
 */
function issuedLaptopAgents(db: Kysely<CollectorDatabase>) {
  return db.selectFrom('agents').select('id').where('role', '=', 'issued_laptop');
}

/** Runs every pending migration; throws `SKOLNET_STORE_FAILED` naming the one that failed. */
export async function migrateToLatest(
  db: Kysely<CollectorDatabase>,
  dialect: StoreDialect = 'sqlite',
): Promise<void> {
  const migrator = new Migrator({ db, provider: createMigrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `database migration ${failed} failed`, { cause: error });
  }
}

/**
 * The {@link Store} over Kysely. Only the query builder is used here, so
 * the same class serves every dialect Kysely supports; dialect specifics
 * (pragmas, pools) live in the factories such as {@link createSqliteStore}.
 */
export class KyselyStore implements Store {
  readonly #db: Kysely<CollectorDatabase>;
  /** Which database this store talks to. */
  readonly dialect: StoreDialect;
  /** People's accounts, sessions, tokens and the audit log. */
  readonly accounts: KyselyAccountStore;
  /** Pupil-support records (migration 0009-support). */
  readonly support: KyselySupportStore;
  /** The school register's edits (migration 0007-school-register). */
  readonly register: KyselySchoolRegisterStore;
  /** School IT's enrollment codes and agent names (migration 0007-school-register). */
  readonly schoolIt: KyselySchoolItStore;
  /** Vendor contracts, acceptance campaigns and reports. */
  readonly acceptance: KyselyAcceptanceStore;

  /** The result INSERT compiled once per row count, for this store's dialect. */
  readonly #insertSql = new Map<number, string>();

  /** Latest `at` a read returns when the caller gives no `until` (see {@link setReadHorizon}). */
  #readHorizon: (() => Date) | undefined;

  /** SQLite's `data_version` of this store's connection; undefined on PostgreSQL. */
  readonly #dataVersion: (() => number) | undefined;

  /** Wraps an open, migrated database; the store owns it from now on. */
  constructor(db: Kysely<CollectorDatabase>, dialect: StoreDialect = 'sqlite', dataVersion?: () => number) {
    this.#db = db;
    this.dialect = dialect;
    this.#dataVersion = dataVersion;
    // The account tables live in their own module; the same connection serves them.
    this.accounts = new KyselyAccountStore(db as unknown as Kysely<AccountTables>);
    this.support = new KyselySupportStore(db as unknown as Kysely<SupportTables>, dialect);
    this.register = new KyselySchoolRegisterStore(db as unknown as Kysely<RegisterTables>);
    this.schoolIt = new KyselySchoolItStore(db as unknown as Kysely<SchoolItTables>);
    this.acceptance = new KyselyAcceptanceStore(db as unknown as Kysely<AcceptanceTables>);
  }

  /**
   * SQLite's `PRAGMA data_version`: it changes when another connection (the
   * `demo:seed` script, `skolnet-collector user …`, a second collector on
   * the file) has committed since this connection last looked, and never
   * for this connection's own writes, so the school read model re-reads
   * exactly when another process wrote. Undefined on PostgreSQL, where
   * several collectors share the database and the read model's age bounds
   * how late they see each other's writes.
   */
  externalChangeVersion(): Promise<number | undefined> {
    return Promise.resolve(this.#dataVersion?.());
  }

  /**
   * Runs `fn` in a transaction. On SQLite a transaction that found the
   * database locked by another process (or its snapshot stale) is rolled
   * back and run again from the start (sqlite-busy.ts); PostgreSQL waits
   * for its row locks itself.
   */
  #transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    const run = (): Promise<T> => this.#db.transaction().execute(fn);
    return this.dialect === 'sqlite' ? retryWhileBusy(run) : run();
  }

  setReadHorizon(horizon: (() => Date) | undefined): void {
    this.#readHorizon = horizon;
  }

  /** The upper bound of a read: the caller's, else the horizon's, else none. */
  #until(explicit: Date | undefined): string | undefined {
    const until = explicit ?? this.#readHorizon?.();
    return until?.toISOString();
  }

  async createSchool(school: NewSchool, now: Date = new Date()): Promise<SchoolRow> {
    if (school.registration_number) await this.register.assertNumberFree(school.registration_number);
    const row: SchoolRow = {
      id: uuidv7(now.getTime()),
      name: school.name,
      municipality: school.municipality,
      pupils: school.pupils,
      created_at: now.toISOString(),
      registration_number: school.registration_number ?? null,
      address: school.address ?? null,
      lat: school.lat ?? null,
      lon: school.lon ?? null,
      school_type: school.school_type ?? null,
      retired_at: null,
    };
    await this.#db.insertInto('schools').values(row).execute();
    return row;
  }

  async listSchools(): Promise<SchoolRow[]> {
    const rows = await this.#db.selectFrom('schools').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toSchool);
  }

  async getSchool(id: string): Promise<SchoolRow | undefined> {
    const row = await this.#db.selectFrom('schools').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSchool(row);
  }

  async createEnrollmentCode(
    schoolId: string,
    ttlMs: number,
    now: Date = new Date(),
    role?: AgentRole,
  ): Promise<IssuedEnrollmentCode> {
    if (!(await this.getSchool(schoolId))) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
    }
    const code = generateEnrollmentCode();
    const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
    await this.#db
      .insertInto('enrollment_codes')
      .values({
        code_hash: sha256Hex(normalizeEnrollmentCode(code)),
        school_id: schoolId,
        expires_at: expiresAt,
        used_at: null,
        agent_id: null,
        role: role ?? null,
        created_at: now.toISOString(),
        revoked_at: null,
      })
      .execute();
    return role === undefined ? { code, expires_at: expiresAt } : { code, expires_at: expiresAt, role };
  }

  async redeemEnrollmentCode(code: string, agent: NewAgent, now: Date = new Date()): Promise<EnrolledAgent> {
    const codeHash = sha256Hex(normalizeEnrollmentCode(code));
    const at = now.toISOString();
    return this.#transaction(async (trx) => {
      const row = await trx
        .selectFrom('enrollment_codes')
        .select(['school_id', 'expires_at', 'used_at', 'role', 'revoked_at'])
        .where('code_hash', '=', codeHash)
        .executeTakeFirst();
      // One message for unknown, used and expired alike: telling them apart
      // would help someone probing for codes, and the remedy is the same.
      const invalid = (): SkolnetError =>
        new SkolnetError(
          ErrorCodes.ENROLL_CODE_INVALID,
          'enrollment code is unknown, already used or expired',
        );
      if (row === undefined || row.used_at !== null || row.revoked_at !== null || row.expires_at <= at) {
        throw invalid();
      }
      const role = agent.role ?? row.role ?? DEFAULT_AGENT_ROLE;
      if (row.role !== null && row.role !== role) {
        // Thrown before anything is written, so the code stays usable with the right role.
        throw new SkolnetError(
          ErrorCodes.ENROLL_ROLE_MISMATCH,
          `this enrollment code is for role ${row.role}, not ${role}; enroll with --role ${row.role}`,
        );
      }

      // Before the agent exists, so a school configuration set meanwhile
      // either reaches it below or waits for it (see setSchoolAgentConfig).
      await lockSchool(trx, this.dialect, row.school_id, 'share');
      const secret = generateSecret();
      const agentRow: AgentRow = {
        id: uuidv7(now.getTime()),
        school_id: row.school_id,
        secret_hash: sha256Hex(secret),
        hostname: agent.hostname,
        agent_version: agent.agent_version,
        enrolled_at: at,
        last_seen_at: null,
        role,
        revoked_at: null,
        pending_secret_hash: null,
        pending_secret_at: null,
        secret_rotated_at: null,
        rotation_requested_at: null,
        previous_school_id: null,
        moved_at: null,
        config_json: null,
        config_version: 0,
        config_applied_version: null,
        config_error: null,
        config_acked_at: null,
      };
      await trx.insertInto('agents').values(agentRow).execute();
      // A school configuration set before this agent enrolled applies to it too.
      await recomputeAgentConfigs(trx, this.dialect, [agentRow.id]);
      // The `used_at is null` guard makes the claim atomic even where two
      // transactions read the unused code concurrently (PostgreSQL): only
      // one update matches, the other rolls back with its agent.
      const claimed = await trx
        .updateTable('enrollment_codes')
        .set({ used_at: at, agent_id: agentRow.id })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      if (claimed.numUpdatedRows !== 1n) throw invalid();
      return { agent_id: agentRow.id, school_id: agentRow.school_id, secret, role };
    });
  }

  async findAgent(id: string): Promise<AgentRow | undefined> {
    const row = await this.#db.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toAgent(row);
  }

  async authenticateAgent(id: string, secret: string, now: Date = new Date()): Promise<AgentAuthentication> {
    const agent = await this.findAgent(id);
    if (agent === undefined) return { ok: false, reason: 'unknown' };
    const pending = agent.pending_secret_hash;
    const byPending = pending !== null && matchesHash(secret, pending);
    if (!byPending && !matchesHash(secret, agent.secret_hash)) return { ok: false, reason: 'unknown' };
    if (agent.revoked_at !== null) return { ok: false, reason: 'revoked' };
    if (!byPending) return { ok: true, agent, rotated: false };
    // The agent holds the new secret, so it has stored it: the old one goes.
    // The guard on the pending hash keeps a concurrent newer rotation intact.
    const at = now.toISOString();
    await this.#db
      .updateTable('agents')
      .set({
        secret_hash: pending,
        pending_secret_hash: null,
        secret_rotated_at: at,
        rotation_requested_at: null,
      })
      .where('id', '=', id)
      .where('pending_secret_hash', '=', pending)
      .execute();
    return {
      ok: true,
      agent: {
        ...agent,
        secret_hash: pending,
        pending_secret_hash: null,
        pending_secret_at: null,
        secret_rotated_at: at,
        rotation_requested_at: null,
      },
      rotated: true,
    };
  }

  async listAgents(schoolId: string): Promise<AgentSummary[]> {
    const rows = await this.#db
      .selectFrom('agents')
      .selectAll()
      .where('school_id', '=', schoolId)
      .orderBy('enrolled_at')
      .orderBy('id')
      .execute();
    return this.#summarize(rows.map(toAgent));
  }

  async describeAgent(id: string): Promise<AgentSummary | undefined> {
    const agent = await this.findAgent(id);
    return agent === undefined ? undefined : (await this.#summarize([agent]))[0];
  }

  async #summarize(agents: AgentRow[]): Promise<AgentSummary[]> {
    const flags = await this.#cloneFlags(agents.map((a) => a.id));
    return agents.map((a) => {
      const f = flags.get(a.id) ?? { flags: [], shares_hardware_with: [], fingerprints_seen: 0 };
      return {
        id: a.id,
        school_id: a.school_id,
        role: a.role,
        hostname: a.hostname,
        agent_version: a.agent_version,
        enrolled_at: a.enrolled_at,
        last_seen_at: a.last_seen_at,
        revoked_at: a.revoked_at,
        previous_school_id: a.previous_school_id,
        moved_at: a.moved_at,
        secret_rotated_at: a.secret_rotated_at,
        rotation_pending: a.rotation_requested_at !== null,
        ...f,
        config: {
          version: a.config_version,
          applied_version: a.config_applied_version,
          pending: a.config_version > 0 && (a.config_applied_version ?? 0) < a.config_version,
          error: a.config_error,
          acked_at: a.config_acked_at,
        },
      };
    });
  }

  /**
   * Clone flags of some agents, from every fingerprint stored: another
   * agent with one of their hardware hashes (`hardware_shared`), or two
   * different non-missing values of one kind of hash for the agent itself
   * (`credentials_shared`). A hash that appears only later (SMBIOS readable
   * once the agent runs as root) is not a second machine.
   */
  async #cloneFlags(
    agentIds: readonly string[],
  ): Promise<Map<string, Pick<AgentSummary, 'flags' | 'shares_hardware_with' | 'fingerprints_seen'>>> {
    const out = new Map<string, Pick<AgentSummary, 'flags' | 'shares_hardware_with' | 'fingerprints_seen'>>();
    if (agentIds.length === 0) return out;
    const own = await this.#db
      .selectFrom('agent_fingerprints')
      .selectAll()
      .where('agent_id', 'in', [...agentIds])
      .execute();
    const machineIds = [...new Set(own.map((r) => r.machine_id_hash).filter((h): h is string => h !== null))];
    const smbiosIds = [...new Set(own.map((r) => r.smbios_uuid_hash).filter((h): h is string => h !== null))];
    const sharing =
      machineIds.length + smbiosIds.length === 0
        ? []
        : await this.#db
            .selectFrom('agent_fingerprints')
            .select(['agent_id', 'machine_id_hash', 'smbios_uuid_hash'])
            .where((eb) =>
              eb.or([
                ...(machineIds.length > 0 ? [eb('machine_id_hash', 'in', machineIds)] : []),
                ...(smbiosIds.length > 0 ? [eb('smbios_uuid_hash', 'in', smbiosIds)] : []),
              ]),
            )
            .execute();
    for (const id of agentIds) {
      const mine = own.filter((r) => r.agent_id === id);
      const myMachine = new Set(mine.map((r) => r.machine_id_hash).filter((h) => h !== null));
      const mySmbios = new Set(mine.map((r) => r.smbios_uuid_hash).filter((h) => h !== null));
      const others = new Set<string>();
      for (const r of sharing) {
        if (r.agent_id === id) continue;
        const m = r.machine_id_hash !== null && myMachine.has(r.machine_id_hash);
        const b = r.smbios_uuid_hash !== null && mySmbios.has(r.smbios_uuid_hash);
        if (m || b) others.add(r.agent_id);
      }
      const flags: AgentFlag[] = [];
      if (others.size > 0) flags.push('hardware_shared');
      if (myMachine.size > 1 || mySmbios.size > 1) flags.push('credentials_shared');
      out.set(id, { flags, shares_hardware_with: [...others].sort(), fingerprints_seen: mine.length });
    }
    return out;
  }

  async recordFingerprint(
    id: string,
    fingerprint: HardwareFingerprint,
    now: Date = new Date(),
  ): Promise<FingerprintRecord> {
    const machine = fingerprint.machine_id_sha256 ?? null;
    const smbios = fingerprint.smbios_uuid_sha256 ?? null;
    let isNew = false;
    if (machine !== null || smbios !== null) {
      const key = `${machine ?? '-'}/${smbios ?? '-'}`;
      const at = now.toISOString();
      isNew = await this.#transaction(async (trx) => {
        // Insert first: of several hellos bringing one new fingerprint at
        // once (PostgreSQL), exactly one inserts; the others wait for it on
        // the key and then only refresh the time seen.
        const inserted = await trx
          .insertInto('agent_fingerprints')
          .values({
            agent_id: id,
            fingerprint: key,
            machine_id_hash: machine,
            smbios_uuid_hash: smbios,
            first_seen_at: at,
            last_seen_at: at,
          })
          .onConflict((oc) => oc.columns(['agent_id', 'fingerprint']).doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return true;
        // A late hello must not move the time seen backwards.
        await trx
          .updateTable('agent_fingerprints')
          .set({ last_seen_at: at })
          .where('agent_id', '=', id)
          .where('fingerprint', '=', key)
          .where('last_seen_at', '<', at)
          .execute();
        return false;
      });
    }
    const flags = (await this.#cloneFlags([id])).get(id)!;
    return { new_fingerprint: isNew, flags: flags.flags, shares_hardware_with: flags.shares_hardware_with };
  }

  async #requireAgent(id: string): Promise<AgentRow> {
    const agent = await this.findAgent(id);
    if (agent === undefined) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${id} does not exist`);
    return agent;
  }

  async revokeAgent(id: string, now: Date = new Date()): Promise<AgentRow> {
    const agent = await this.#requireAgent(id);
    if (agent.revoked_at !== null) return agent;
    const at = now.toISOString();
    // The pending secret goes too: nothing of the old identity may authenticate.
    await this.#db
      .updateTable('agents')
      .set({
        revoked_at: at,
        pending_secret_hash: null,
        pending_secret_at: null,
        rotation_requested_at: null,
      })
      .where('id', '=', id)
      .execute();
    return {
      ...agent,
      revoked_at: at,
      pending_secret_hash: null,
      pending_secret_at: null,
      rotation_requested_at: null,
    };
  }

  async moveAgent(
    id: string,
    schoolId: string,
    now: Date = new Date(),
  ): Promise<{ agent: AgentRow; config?: AgentConfigChange }> {
    const agent = await this.#requireAgent(id);
    if (!(await this.getSchool(schoolId))) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
    }
    if (agent.school_id === schoolId) {
      throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, `agent ${id} already belongs to school ${schoolId}`);
    }
    const at = now.toISOString();
    const changes = await this.#transaction(async (trx) => {
      await lockSchool(trx, this.dialect, schoolId, 'share');
      await trx
        .updateTable('agents')
        .set({ school_id: schoolId, previous_school_id: agent.school_id, moved_at: at })
        .where('id', '=', id)
        .execute();
      return recomputeAgentConfigs(trx, this.dialect, [id]);
    });
    const moved = await this.#requireAgent(id);
    return changes[0] === undefined ? { agent: moved } : { agent: moved, config: changes[0] };
  }

  async requestSecretRotation(id: string, now: Date = new Date()): Promise<AgentRow> {
    const agent = await this.#requireAgent(id);
    if (agent.revoked_at !== null) {
      throw new SkolnetError(ErrorCodes.AUTH_REVOKED, `agent ${id} is revoked; it has no secret to rotate`);
    }
    const at = now.toISOString();
    await this.#db.updateTable('agents').set({ rotation_requested_at: at }).where('id', '=', id).execute();
    return { ...agent, rotation_requested_at: at };
  }

  async beginSecretRotation(
    id: string,
    now: Date = new Date(),
    keepPendingForMs?: number,
  ): Promise<string | undefined> {
    const agent = await this.#requireAgent(id);
    if (agent.revoked_at !== null) {
      throw new SkolnetError(ErrorCodes.AUTH_REVOKED, `agent ${id} is revoked; it has no secret to rotate`);
    }
    if (
      keepPendingForMs !== undefined &&
      agent.pending_secret_at !== null &&
      now.getTime() - Date.parse(agent.pending_secret_at) < keepPendingForMs
    ) {
      return undefined;
    }
    const secret = generateSecret();
    // Revoked meanwhile: no new secret for a revoked identity.
    const started = await this.#db
      .updateTable('agents')
      .set({ pending_secret_hash: sha256Hex(secret), pending_secret_at: now.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (started.numUpdatedRows !== 1n) {
      throw new SkolnetError(ErrorCodes.AUTH_REVOKED, `agent ${id} is revoked; it has no secret to rotate`);
    }
    return secret;
  }

  async setSchoolAgentConfig(
    schoolId: string,
    config: AgentConfig,
    now: Date = new Date(),
  ): Promise<AgentConfigChange[]> {
    const text = JSON.stringify(config);
    const at = now.toISOString();
    return this.#transaction(async (trx) => {
      // Exclusive on the school: an agent enrolling into it or moving to it
      // (which share-lock it) either commits first and is among the agents
      // below, or waits and then reads this configuration.
      await lockSchool(trx, this.dialect, schoolId, 'update');
      await trx
        .insertInto('school_agent_configs')
        .values({ school_id: schoolId, config: text, updated_at: at })
        .onConflict((oc) => oc.column('school_id').doUpdateSet({ config: text, updated_at: at }))
        .execute();
      const agents = await trx.selectFrom('agents').select('id').where('school_id', '=', schoolId).execute();
      return recomputeAgentConfigs(
        trx,
        this.dialect,
        agents.map((a) => a.id),
      );
    });
  }

  async schoolTimetables(): Promise<Map<string, Timetable>> {
    const rows = await this.#db.selectFrom('school_agent_configs').select(['school_id', 'config']).execute();
    const out = new Map<string, Timetable>();
    for (const row of rows) {
      const timetable = parseConfig(row.config)?.timetable;
      if (timetable !== undefined) out.set(row.school_id, timetable);
    }
    return out;
  }

  async setAgentConfigOverride(
    agentId: string,
    config: AgentConfig,
    now: Date = new Date(),
  ): Promise<AgentConfigChange[]> {
    await this.#requireAgent(agentId);
    const text = JSON.stringify(config);
    const at = now.toISOString();
    return this.#transaction(async (trx) => {
      await trx
        .insertInto('agent_config_overrides')
        .values({ agent_id: agentId, config: text, updated_at: at })
        .onConflict((oc) => oc.column('agent_id').doUpdateSet({ config: text, updated_at: at }))
        .execute();
      return recomputeAgentConfigs(trx, this.dialect, [agentId]);
    });
  }

  async recordConfigAck(agentId: string, ack: ConfigAck, now: Date = new Date()): Promise<void> {
    const at = now.toISOString();
    if (ack.applied) {
      // An ack of an older version arriving late must not lower what is recorded.
      await this.#db
        .updateTable('agents')
        .set({ config_applied_version: ack.version, config_error: null, config_acked_at: at })
        .where('id', '=', agentId)
        .where((eb) =>
          eb.or([eb('config_applied_version', 'is', null), eb('config_applied_version', '<=', ack.version)]),
        )
        .execute();
      return;
    }
    await this.#db
      .updateTable('agents')
      .set({ config_error: `version ${ack.version}: ${ack.error ?? 'not applied'}`, config_acked_at: at })
      .where('id', '=', agentId)
      .execute();
  }

  async touchAgent(id: string, at: Date = new Date(), agentVersion?: string): Promise<void> {
    await this.#db
      .updateTable('agents')
      .set(
        agentVersion === undefined
          ? { last_seen_at: at.toISOString() }
          : { last_seen_at: at.toISOString(), agent_version: agentVersion },
      )
      .where('id', '=', id)
      .execute();
  }

  async insertResults(results: readonly Result[], receivedAt: Date = new Date()): Promise<InsertOutcome> {
    if (results.length === 0) return { inserted: 0, duplicates: 0 };
    const received = receivedAt.toISOString();
    const rows: ResultRow[] = results.map((r) => ({
      id: r.id,
      agent_id: r.agent_id,
      school_id: r.school_id,
      measurement: r.measurement,
      fields: JSON.stringify(r.fields),
      tags: JSON.stringify(r.tags),
      // Normalised to UTC milliseconds so text comparison orders by time
      // whatever offset the agent wrote.
      at: new Date(r.at).toISOString(),
      received_at: received,
    }));
    // One lock order for every batch: two overlapping batches inserted
    // concurrently (an agent resending while the first send is still being
    // stored) then wait for each other on PostgreSQL instead of deadlocking.
    rows.sort((a, b) => compareText(a.id, b.id));
    const inserted = await this.#transaction(async (trx) => {
      let count = 0;
      if (this.dialect === 'postgres') {
        count = await insertResultsUnnest(trx, rows);
      } else {
        for (let i = 0; i < rows.length; i += INSERT_CHUNK_ROWS) {
          count += await this.#insertIgnoringDuplicates(trx, rows.slice(i, i + INSERT_CHUNK_ROWS));
        }
      }
      // The hours these results fall in need their rollups recomputed; marked
      // in the same transaction, so a crash cannot store a result and forget
      // its rollup. A batch of duplicates only changes nothing.
      if (count > 0) await markDirtyHours(trx, rows);
      return count;
    });
    return { inserted, duplicates: rows.length - inserted };
  }

  async latestResults(schoolId: string, options: LatestResultsOptions): Promise<StoredResult[]> {
    // The far future as the bound when there is none keeps one query shape.
    const until = this.#until(options.until) ?? NO_UPPER_BOUND;
    if (!options.perMeasurement) {
      const rows = await this.#db
        .selectFrom('results')
        .selectAll()
        .where('school_id', '=', schoolId)
        .where('at', '<=', until)
        .where('agent_id', 'not in', issuedLaptopAgents(this.#db))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit)
        .execute();
      return rows.map(toStoredResult);
    }
    const measurements = await this.#db
      .selectFrom('results')
      .select('measurement')
      .distinct()
      .where('school_id', '=', schoolId)
      .execute();
    const newest: StoredResult[] = [];
    for (const { measurement } of measurements) {
      const rows = await this.#db
        .selectFrom('results')
        .selectAll()
        .where('school_id', '=', schoolId)
        .where('measurement', '=', measurement)
        .where('at', '<=', until)
        .where('agent_id', 'not in', issuedLaptopAgents(this.#db))
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(LATEST_SCAN_ROWS_PER_MEASUREMENT)
        .execute();
      const seenTargets = new Set<string>();
      for (const row of rows) {
        const result = toStoredResult(row);
        const target = result.tags['target'] ?? '';
        if (seenTargets.has(target)) continue;
        seenTargets.add(target);
        newest.push(result);
      }
    }
    // Code-unit order, like the database's: ids and timestamps are ASCII.
    newest.sort((a, b) => compareText(b.at, a.at) || compareText(b.id, a.id));
    return newest.slice(0, options.limit);
  }

  async resultsForScoring(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    return this.#resultsOf('school', schoolId, since, measurements, until);
  }

  async issuedLaptopResults(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    return this.#resultsOf('issued_laptop', schoolId, since, measurements, until);
  }

  /** A school's results from its own machines, or from the laptops issued to its pupils only. */
  async #resultsOf(
    source: 'school' | 'issued_laptop',
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]> {
    if (measurements !== undefined && measurements.length === 0) return [];
    let query = this.#db
      .selectFrom('results')
      .selectAll()
      .where('school_id', '=', schoolId)
      .where('at', '>=', since.toISOString())
      .where('at', '<=', this.#until(until) ?? NO_UPPER_BOUND)
      .where('agent_id', source === 'school' ? 'not in' : 'in', issuedLaptopAgents(this.#db));
    if (measurements !== undefined) query = query.where('measurement', 'in', [...measurements]);
    const rows = await query.orderBy('at', 'desc').limit(MAX_SCORING_ROWS).execute();
    return rows.reverse().map(toStoredResult);
  }

  async hourlyRollups(query: RollupQuery): Promise<HourlyRollup[]> {
    if (query.measurements !== undefined && query.measurements.length === 0) return [];
    const until = this.#until(query.until);
    // Hours up to the one holding the bound; a later hour is neither
    // recomputed nor returned, so a result dated in the future (stored
    // before ingest refused them) never reaches a score.
    const lastHour = until === undefined ? undefined : hourOf(until);
    await this.refreshRollups({
      schoolId: query.schoolId,
      since: query.since,
      ...(lastHour === undefined ? {} : { before: new Date(nextHour(lastHour)) }),
    });
    let q = this.#db
      .selectFrom('rollups_hourly')
      .selectAll()
      .where('school_id', '=', query.schoolId)
      .where('hour', '>=', hourOf(query.since));
    if (lastHour !== undefined) q = q.where('hour', '<=', lastHour);
    if (query.measurements !== undefined) q = q.where('measurement', 'in', [...query.measurements]);
    const rows = await q
      .orderBy('hour')
      .orderBy('measurement')
      .orderBy('target')
      .orderBy('outcome')
      .orderBy('field')
      .execute();
    return rows.map(toRollup);
  }

  async refreshRollups(options: RefreshRollupsOptions = {}): Promise<number> {
    let q = this.#db.selectFrom('rollups_dirty').selectAll();
    if (options.schoolId !== undefined) q = q.where('school_id', '=', options.schoolId);
    if (options.since !== undefined) q = q.where('hour', '>=', hourOf(options.since));
    if (options.before !== undefined) q = q.where('hour', '<', options.before.toISOString());
    // A mark's token starts with the time it was last set (dirtyMarkToken).
    if (options.markedBefore !== undefined) q = q.where('token', '<', options.markedBefore.toISOString());
    q = q.orderBy('hour').orderBy('school_id').orderBy('measurement');
    if (options.limit !== undefined) q = q.limit(options.limit);
    const dirty = await q.execute();
    if (dirty.length === 0) return 0;
    // Several hours per transaction, up to a bounded number of raw rows:
    // one commit per hour would make a backlog wait on the disk, one huge
    // transaction would hold ingest up.
    let next = 0;
    while (next < dirty.length) {
      // Between transactions the event loop runs: better-sqlite3 works
      // synchronously, and without this a backlog of hours would hold the
      // collector's only thread (every agent's batches and acks) for as
      // long as the whole refresh takes.
      if (next > 0) await yieldToEventLoop();
      next = await this.#transaction(async (trx) => {
        let i = next;
        let rowsRead = 0;
        while (
          i < dirty.length &&
          rowsRead < REFRESH_ROWS_PER_TRANSACTION &&
          i - next < REFRESH_HOURS_PER_TRANSACTION
        ) {
          const mark = dirty[i] as RollupDirtyRow;
          i += 1;
          // The mark as it is now, locked on PostgreSQL. Gone: another
          // refresh (a second collector, a read beside the background job)
          // has committed this hour already, and recomputing it here would
          // insert its rollups twice. An ingest re-marking the hour meanwhile
          // waits for this transaction, so its new mark outlives the delete
          // below, which clears only the token read here.
          const locked = await trx
            .selectFrom('rollups_dirty')
            .select('token')
            .where('school_id', '=', mark.school_id)
            .where('measurement', '=', mark.measurement)
            .where('hour', '=', mark.hour)
            .$if(this.dialect === 'postgres', (q) => q.forUpdate())
            .executeTakeFirst();
          if (locked === undefined) continue;
          const raw = await trx
            .selectFrom('results')
            .select(['fields', 'tags'])
            .where('school_id', '=', mark.school_id)
            .where('measurement', '=', mark.measurement)
            .where('at', '>=', mark.hour)
            .where('at', '<', nextHour(mark.hour))
            // A pupil's laptop measures the home line, not the school's: never in the school's rollups.
            .where('agent_id', 'not in', issuedLaptopAgents(trx))
            .execute();
          rowsRead += raw.length;
          // The horizon is read after the raw rows: retention deletes rows
          // and advances it in one transaction, so rows read before its
          // commit are complete, and a horizon read after it is current.
          const horizon =
            (
              await trx
                .selectFrom('meta')
                .select('value')
                .where('key', '=', RAW_HORIZON_META_KEY)
                .executeTakeFirst()
            )?.value ?? '';
          const sealed =
            mark.hour < horizon &&
            (await trx
              .selectFrom('rollups_hourly')
              .select('field')
              .where('school_id', '=', mark.school_id)
              .where('measurement', '=', mark.measurement)
              .where('hour', '=', mark.hour)
              .limit(1)
              .executeTakeFirst()) !== undefined;
          if (!sealed) {
            const rollups = summariseHour(
              raw.map((r) => ({
                fields: JSON.parse(r.fields) as StoredResult['fields'],
                tags: JSON.parse(r.tags) as StoredResult['tags'],
              })),
            );
            await trx
              .deleteFrom('rollups_hourly')
              .where('school_id', '=', mark.school_id)
              .where('measurement', '=', mark.measurement)
              .where('hour', '=', mark.hour)
              .execute();
            const rows: HourlyRollup[] = rollups.map((r) => ({
              school_id: mark.school_id,
              measurement: mark.measurement,
              hour: mark.hour,
              ...r,
            }));
            for (let j = 0; j < rows.length; j += INSERT_CHUNK_ROWS) {
              await trx
                .insertInto('rollups_hourly')
                .values(rows.slice(j, j + INSERT_CHUNK_ROWS))
                .execute();
            }
          }
          await trx
            .deleteFrom('rollups_dirty')
            .where('school_id', '=', mark.school_id)
            .where('measurement', '=', mark.measurement)
            .where('hour', '=', mark.hour)
            .where('token', '=', locked.token)
            .execute();
        }
        return i;
      });
    }
    return dirty.length;
  }

  async pendingRollupHours(): Promise<number> {
    const row = await this.#db
      .selectFrom('rollups_dirty')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async deleteResultsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome> {
    const horizon = hourOf(cutoff);
    return this.#transaction(async (trx) => {
      // By hour (the results_hour index; `horizon` is a whole hour, so this
      // is `at < horizon`), oldest hours first.
      const old = await trx
        .selectFrom('results')
        .select(['id', 'school_id', 'measurement', 'at'])
        .where(RESULT_HOUR_SQL, '<', horizon.slice(0, 13))
        .orderBy(RESULT_HOUR_SQL)
        .limit(limit)
        .execute();
      const dirty = new Set(
        (
          await trx
            .selectFrom('rollups_dirty')
            .select(['school_id', 'measurement', 'hour'])
            .where('hour', '<', horizon)
            .execute()
        ).map((d) => JSON.stringify([d.school_id, d.measurement, d.hour])),
      );
      const ids = old
        .filter((r) => !dirty.has(JSON.stringify([r.school_id, r.measurement, hourOf(r.at)])))
        .map((r) => r.id);
      for (let i = 0; i < ids.length; i += DELETE_CHUNK_ROWS) {
        await trx
          .deleteFrom('results')
          .where('id', 'in', ids.slice(i, i + DELETE_CHUNK_ROWS))
          .execute();
      }
      const previous = await trx
        .selectFrom('meta')
        .select('value')
        .where('key', '=', RAW_HORIZON_META_KEY)
        .executeTakeFirst();
      if (previous === undefined || previous.value < horizon) {
        await trx
          .insertInto('meta')
          .values({ key: RAW_HORIZON_META_KEY, value: horizon })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: horizon }))
          .execute();
      }
      // Rows kept because their hour is dirty wait for the next run; "more"
      // means a further call can delete something now.
      return { deleted: ids.length, more: old.length === limit && ids.length > 0 };
    });
  }

  async deleteRollupsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome> {
    const before = hourOf(cutoff);
    return this.#transaction(async (trx) => {
      const old = await trx
        .selectFrom('rollups_hourly')
        .select(['school_id', 'measurement', 'hour', 'target', 'outcome', 'field'])
        .where('hour', '<', before)
        .orderBy('hour')
        .limit(limit)
        .execute();
      for (const key of old) {
        await trx
          .deleteFrom('rollups_hourly')
          .where('school_id', '=', key.school_id)
          .where('measurement', '=', key.measurement)
          .where('hour', '=', key.hour)
          .where('target', '=', key.target)
          .where('outcome', '=', key.outcome)
          .where('field', '=', key.field)
          .execute();
      }
      return { deleted: old.length, more: old.length === limit };
    });
  }

  async countResults(filter: ResultFilter = {}): Promise<number> {
    let query = this.#db.selectFrom('results').select((eb) => eb.fn.countAll().as('n'));
    if (filter.schoolId !== undefined) query = query.where('school_id', '=', filter.schoolId);
    if (filter.agentId !== undefined) query = query.where('agent_id', '=', filter.agentId);
    if (filter.measurement !== undefined) query = query.where('measurement', '=', filter.measurement);
    const row = await query.executeTakeFirstOrThrow();
    // PostgreSQL returns count(*) as a bigint string, SQLite as a number.
    return Number(row.n);
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }

  async close(): Promise<void> {
    await this.#db.destroy();
  }

  async #insertIgnoringDuplicates(trx: Transaction<CollectorDatabase>, rows: ResultRow[]): Promise<number> {
    // The query builder compiles the statement once per row count; only
    // the parameters change between batches, so building and compiling it
    // again for every chunk would be wasted work on the ingest path.
    const parameters: unknown[] = [];
    for (const row of rows) for (const column of RESULT_COLUMNS) parameters.push(row[column]);
    let sql = this.#insertSql.get(rows.length);
    if (sql === undefined) {
      const compiled = trx
        .insertInto('results')
        .values(rows)
        .onConflict((oc) => oc.column('id').doNothing())
        .compile();
      // The cached SQL is reused with parameters bound in RESULT_COLUMNS
      // order; a row built in another key order would bind values to the
      // wrong columns, so that is refused here rather than stored.
      if (
        compiled.parameters.length !== parameters.length ||
        compiled.parameters.some((p, i) => p !== parameters[i])
      ) {
        throw new SkolnetError(ErrorCodes.INTERNAL, 'result INSERT binds columns in an unexpected order');
      }
      sql = compiled.sql;
      this.#insertSql.set(rows.length, sql);
    }
    // Both dialects report only the rows actually inserted when a conflict
    // is ignored, which is exactly the "new" count.
    const outcome = await trx.executeQuery(CompiledQuery.raw(sql, parameters));
    return Number(outcome.numAffectedRows ?? 0n);
  }
}

/**
 * PostgreSQL's own bulk form of the result INSERT: one statement with one
 * array parameter per column, however many rows. The portable multi-row
 * VALUES form sends 800 parameters per 100 rows and has the server parse
 * and plan a statement that large for every chunk, which cost more than
 * the rows themselves; this one is planned once per group. Rows are
 * inserted in array order (ORDER BY the ordinality), so the lock order
 * stays the sorted id order {@link KyselyStore.insertResults} relies on.
 */
async function insertResultsUnnest(
  trx: Transaction<CollectorDatabase>,
  rows: readonly ResultRow[],
): Promise<number> {
  const columns = RESULT_COLUMNS.map((column) => rows.map((row) => row[column]));
  const outcome = await trx.executeQuery(
    CompiledQuery.raw(
      `insert into "results" (${RESULT_COLUMNS.map((c) => `"${c}"`).join(', ')})
       select ${RESULT_COLUMNS.map((c) => `r."${c}"`).join(', ')}
       from unnest(${RESULT_COLUMNS.map((_, i) => `$${i + 1}::text[]`).join(', ')})
         with ordinality as r(${RESULT_COLUMNS.map((c) => `"${c}"`).join(', ')}, n)
       order by r.n
       on conflict ("id") do nothing`,
      columns,
    ),
  );
  // Only the rows actually inserted count, as for the VALUES form.
  return Number(outcome.numAffectedRows ?? 0n);
}

/** A {@link SqliteDatabase} whose statements are prepared once and reused. */
function withStatementCache(db: SqliteDatabase): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        if (cache.size >= SQLITE_STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The token of a dirty-hour mark made at `ms` (wall clock): unique per
 * mark, so a recomputation clears only the mark it read, and starting with
 * the time as `Date#toISOString` text, so tokens compare by when they were
 * made (`RefreshRollupsOptions.markedBefore`). Tokens written before this
 * form (UUIDs, starting with a hex digit below "2") sort as long ago.
 */
function dirtyMarkToken(ms: number): string {
  return `${new Date(ms).toISOString()} ${randomUUID()}`;
}

async function markDirtyHours(
  trx: Transaction<CollectorDatabase>,
  rows: readonly ResultRow[],
): Promise<void> {
  const token = dirtyMarkToken(Date.now());
  const hours = new Map<string, RollupDirtyRow>();
  for (const r of rows) {
    // `at` is already `Date#toISOString` text: its first 13 characters name the hour.
    const hour = `${r.at.slice(0, 13)}:00:00.000Z`;
    const key = `${r.school_id} ${r.measurement} ${hour}`;
    if (!hours.has(key)) hours.set(key, { school_id: r.school_id, measurement: r.measurement, hour, token });
  }
  // One lock order for every batch, as for the results: two batches marking
  // the same hours wait for each other on PostgreSQL instead of deadlocking.
  const marks = [...hours.values()].sort(
    (a, b) =>
      compareText(a.school_id, b.school_id) ||
      compareText(a.measurement, b.measurement) ||
      compareText(a.hour, b.hour),
  );
  for (let i = 0; i < marks.length; i += INSERT_CHUNK_ROWS) {
    await trx
      .insertInto('rollups_dirty')
      .values(marks.slice(i, i + INSERT_CHUNK_ROWS))
      .onConflict((oc) =>
        oc
          .columns(['school_id', 'measurement', 'hour'])
          .doUpdateSet((eb) => ({ token: eb.ref('excluded.token') })),
      )
      .execute();
  }
}

function toRollup(row: HourlyRollup): HourlyRollup {
  // PostgreSQL may hand numbers back as strings, SQLite as numbers.
  return {
    ...row,
    count: Number(row.count),
    min: Number(row.min),
    max: Number(row.max),
    mean: Number(row.mean),
    p50: Number(row.p50),
    p95: Number(row.p95),
  };
}

/**
 * Recomputes the effective configuration of some agents from their
 * school's and their own override, and bumps the version of each whose
 * configuration changed. Returns those, for pushing.
 */
async function recomputeAgentConfigs(
  trx: Transaction<CollectorDatabase>,
  dialect: StoreDialect,
  agentIds: readonly string[],
): Promise<AgentConfigChange[]> {
  const changes: AgentConfigChange[] = [];
  // Agents in id order, each locked on PostgreSQL before its version is
  // read: two changes reaching one agent at once (a school's configuration
  // and the agent's override) then take turns, and the second one reads
  // both the version and the configuration the first committed. Without
  // the lock both would write the same next version, and the later commit
  // would drop the other's change.
  for (const id of [...agentIds].sort(compareText)) {
    const agent = await trx
      .selectFrom('agents')
      .select(['school_id', 'config_json', 'config_version'])
      .where('id', '=', id)
      .$if(dialect === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    if (agent === undefined) continue;
    const school = await trx
      .selectFrom('school_agent_configs')
      .select('config')
      .where('school_id', '=', agent.school_id)
      .executeTakeFirst();
    const override = await trx
      .selectFrom('agent_config_overrides')
      .select('config')
      .where('agent_id', '=', id)
      .executeTakeFirst();
    const effective = effectiveAgentConfig(parseConfig(school?.config), parseConfig(override?.config));
    if (effective === undefined) continue;
    const text = canonicalConfigJson(effective);
    if (text === agent.config_json) continue;
    const version = Number(agent.config_version) + 1;
    await trx
      .updateTable('agents')
      .set({ config_json: text, config_version: version })
      .where('id', '=', id)
      .execute();
    changes.push({ agent_id: id, version, config: effective });
  }
  return changes;
}

/**
 * Locks a school's row on PostgreSQL for the rest of the transaction:
 * `update` to change what applies to its agents, `share` to add an agent
 * to it. SQLite runs one write transaction at a time and needs nothing.
 * Throws `SKOLNET_API_NOT_FOUND` when the school does not exist.
 */
async function lockSchool(
  trx: Transaction<CollectorDatabase>,
  dialect: StoreDialect,
  schoolId: string,
  mode: 'update' | 'share',
): Promise<void> {
  const row = await trx
    .selectFrom('schools')
    .select('id')
    .where('id', '=', schoolId)
    .$if(dialect === 'postgres', (q) => (mode === 'update' ? q.forUpdate() : q.forShare()))
    .executeTakeFirst();
  if (row === undefined) {
    throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
  }
}

function parseConfig(text: string | undefined): AgentConfig | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as AgentConfig);
}

function toAgent(row: AgentRow): AgentRow {
  // PostgreSQL may hand integers back as strings, SQLite as numbers.
  return {
    ...row,
    config_version: Number(row.config_version),
    config_applied_version: row.config_applied_version === null ? null : Number(row.config_applied_version),
  };
}

const toSchool = toSchoolRow;

function toStoredResult(row: ResultRow): StoredResult {
  return {
    id: row.id,
    agent_id: row.agent_id,
    school_id: row.school_id,
    measurement: row.measurement,
    fields: JSON.parse(row.fields) as StoredResult['fields'],
    tags: JSON.parse(row.tags) as StoredResult['tags'],
    at: row.at,
    received_at: row.received_at,
  };
}

/**
 * Opens (creating if needed) a SQLite database file, migrates it, and
 * returns a {@link KyselyStore}. `:memory:` gives a throwaway database.
 */
export async function createSqliteStore(path: string): Promise<KyselyStore> {
  let sqlite: ReturnType<typeof openSqlite>;
  try {
    if (path !== ':memory:') {
      // A folder made here is private; an existing one (perhaps shared, such
      // as /var/lib) is left as it is. The file and its -wal/-shm are made
      // owner-only in any case: they hold every result and credential hash.
      ensurePrivateDir(dirname(path), false);
      preparePrivateDatabaseFile(path);
    }
    sqlite = openSqlite(path);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `cannot open database ${path}`, { cause: err });
  }
  try {
    // First, so the pragmas below wait for a lock another process holds.
    sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    // WAL lets readers (dashboards) proceed while a batch is being written,
    // and lets a second process (the admin-token command) open the file.
    await retryWhileBusy(() => Promise.resolve(sqlite.pragma('journal_mode = WAL')));
    // An ack tells the agent to delete its copy, so a commit must be on
    // disk before it: FULL syncs the WAL at every commit (NORMAL, the
    // WAL default, may lose the last commits to a power cut). Group commit
    // (ingest/ingest-queue.ts) pays one sync for many agents' batches.
    sqlite.pragma('synchronous = FULL');
    // SQLite leaves foreign keys off unless asked, per connection.
    sqlite.pragma('foreign_keys = ON');
  } catch (err) {
    sqlite.close();
    throw new SkolnetError(ErrorCodes.STORE_FAILED, `cannot open database ${path}`, { cause: err });
  }
  const db = new Kysely<CollectorDatabase>({
    // Transactions take the write lock first and wait for other processes
    // without holding the event loop (sqlite-busy.ts).
    dialect: new BusyAwareSqliteDialect(
      { database: withStatementCache(sqlite) },
      {},
      () => sqlite.inTransaction,
    ),
  });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new KyselyStore(db, 'sqlite', () => sqlite.pragma('data_version', { simple: true }) as number);
}

/**
 * Opens the database a URL names (`sqlite:PATH` or `postgres://…`, see
 * {@link parseDatabaseUrl}), migrates it, and returns a {@link KyselyStore}.
 * Throws `SKOLNET_CONFIG_INVALID` for a bad URL and `SKOLNET_STORE_FAILED`
 * when the database cannot be opened; no message contains the password.
 */
export async function createStore(url: string, options: StoreOptions = {}): Promise<KyselyStore> {
  const location = parseDatabaseUrl(url);
  if (location.dialect === 'sqlite') return createSqliteStore(location.path);
  return createPostgresStore(location.url, location.display, options);
}

async function createPostgresStore(
  url: string,
  display: string,
  options: StoreOptions,
): Promise<KyselyStore> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    statement_timeout: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS,
    connectionTimeoutMillis: POSTGRES_CONNECT_TIMEOUT_MS,
    idleTimeoutMillis: POSTGRES_IDLE_TIMEOUT_MS,
    application_name: 'skolnet-collector',
  });
  // An idle pooled connection that the server drops (restart, failover)
  // is reported here; without a listener it would crash the process. The
  // pool discards it and the next query opens a fresh one.
  pool.on('error', () => undefined);
  // As pg decides it: the URL's user, else PGUSER, else the OS account.
  const user = decodeURIComponent(new URL(url).username) || process.env.PGUSER || userInfo().username;
  try {
    // Fail at start with a clear message rather than at the first request.
    await pool.query('select 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw postgresOpenError(err, display, user);
  }
  const db = new Kysely<CollectorDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (err) {
    await db.destroy();
    throw err;
  }
  return new KyselyStore(db, 'postgres');
}

function postgresOpenError(err: unknown, display: string, user: string): SkolnetError {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && POSTGRES_AUTH_FAILED.has(code)) {
    return new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `PostgreSQL at ${display} refused the login of user "${user}" (wrong password, or not allowed by pg_hba.conf)`,
      { cause: err },
    );
  }
  if (code === POSTGRES_NO_DATABASE) {
    return new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `PostgreSQL at ${display}: the database does not exist`,
      {
        cause: err,
      },
    );
  }
  if ((typeof code === 'string' && UNREACHABLE_CODES.has(code)) || /timeout/i.test(message)) {
    return new SkolnetError(
      ErrorCodes.STORE_FAILED,
      `cannot reach PostgreSQL at ${display} (${typeof code === 'string' ? code : redactSecrets(message)})`,
      { cause: err, retryable: true },
    );
  }
  return new SkolnetError(
    ErrorCodes.STORE_FAILED,
    `cannot open PostgreSQL at ${display}: ${redactSecrets(message)}`,
    { cause: err },
  );
}
