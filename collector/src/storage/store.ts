import type {
  AgentConfig,
  AgentRole,
  ConfigAck,
  HardwareFingerprint,
  Result,
  SchoolType,
  Timetable,
} from '@skolnet/shared';
import type { AcceptanceStore } from './acceptance-store.js';
import type { AccountStore } from './account-store.js';
import type { SchoolItStore } from './school-it-store.js';
import type { SchoolRegisterStore } from './school-register-store.js';
import type { SupportStore } from './support-store.js';
import type { StoreDialect } from './migrations/migration-provider.js';

/** A school as stored. Timestamps are RFC 3339 UTC strings. */
export interface SchoolRow {
  /** UUIDv7 assigned by the collector. */
  id: string;
  name: string;
  municipality: string;
  /** Number of pupils; the scoring divides throughput by it. */
  pupils: number;
  created_at: string;
  /** The national register of education institutions' number; null until the register gives it. */
  registration_number: string | null;
  address: string | null;
  /** WGS84 latitude, degrees, inside Latvia (collector/src/schools/register-rules.ts). */
  lat: number | null;
  /** WGS84 longitude, degrees. */
  lon: number | null;
  school_type: SchoolType | null;
  /** When the school was retired from the register; null while it is active. */
  retired_at: string | null;
}

/** An enrolled agent. The secret itself is never stored, only its SHA-256. */
export interface AgentRow {
  id: string;
  school_id: string;
  /** Lower-case hex SHA-256 of the agent's secret. */
  secret_hash: string;
  hostname: string;
  agent_version: string;
  enrolled_at: string;
  /** Last time the agent said hello or sent a batch; null until then. */
  last_seen_at: string | null;
  /** What kind of machine it runs on, given at enrollment. */
  role: AgentRole;
  /** When an administrator revoked it; a revoked agent never authenticates again. */
  revoked_at: string | null;
  /** Hash of the secret being rotated to; accepted beside `secret_hash` until used once. */
  pending_secret_hash: string | null;
  /** When the pending secret was issued. */
  pending_secret_at: string | null;
  /** When the agent last completed a secret rotation. */
  secret_rotated_at: string | null;
  /** When an administrator asked for a rotation that has not completed yet. */
  rotation_requested_at: string | null;
  /** The school before the last move, whose queued results are still accepted. */
  previous_school_id: string | null;
  /** When the agent was last moved to another school. */
  moved_at: string | null;
  /** JSON text of the configuration the collector wants the agent to run; null when none was set. */
  config_json: string | null;
  /** Version of `config_json`, monotonic per agent; 0 before any. */
  config_version: number;
  /** Newest version the agent reported as applied. */
  config_applied_version: number | null;
  /** Why the agent could not apply the version it last acknowledged; null when it applied it. */
  config_error: string | null;
  /** When the agent last acknowledged a configuration. */
  config_acked_at: string | null;
}

/** Outcome of {@link AgentStore.authenticateAgent}. */
export type AgentAuthentication =
  | {
      ok: true;
      agent: AgentRow;
      /** True when this secret was the pending one: the rotation is now complete. */
      rotated: boolean;
    }
  | {
      ok: false;
      /** `unknown` for an unknown agent or a wrong secret alike; `revoked` only for a right secret. */
      reason: 'unknown' | 'revoked';
    };

/** Why an agent is flagged in the listing. */
export type AgentFlag =
  /** Another agent reported the same machine id or SMBIOS UUID: the image was cloned before enrollment. */
  | 'hardware_shared'
  /** This agent said hello from machines with different ids: its credentials run on several machines. */
  | 'credentials_shared';

/** An agent as the admin listing shows it; never its secret or hashes. */
export interface AgentSummary {
  id: string;
  school_id: string;
  role: AgentRole;
  /** The hostname, or the pseudonym an `issued_laptop` reports instead. */
  hostname: string;
  agent_version: string;
  enrolled_at: string;
  last_seen_at: string | null;
  revoked_at: string | null;
  previous_school_id: string | null;
  moved_at: string | null;
  secret_rotated_at: string | null;
  /** An administrator asked for a rotation that has not completed. */
  rotation_pending: boolean;
  flags: AgentFlag[];
  /** Ids of the other agents that reported the same hardware (flag `hardware_shared`). */
  shares_hardware_with: string[];
  /** Distinct machine fingerprints this agent said hello with. */
  fingerprints_seen: number;
  config: {
    /** Version the collector wants running; 0 when none was set. */
    version: number;
    applied_version: number | null;
    /** True while the agent has not applied `version`. */
    pending: boolean;
    error: string | null;
    acked_at: string | null;
  };
}

/** Outcome of {@link AgentStore.recordFingerprint}. */
export interface FingerprintRecord {
  /** True when this agent had never said hello with this fingerprint. */
  new_fingerprint: boolean;
  flags: AgentFlag[];
  shares_hardware_with: string[];
}

/** A configuration that changed for one agent and should be pushed to it. */
export interface AgentConfigChange {
  agent_id: string;
  version: number;
  config: AgentConfig;
}

/** A stored result: the agent's {@link Result} plus when the collector received it. */
export interface StoredResult extends Result {
  received_at: string;
}

/** Input of {@link SchoolStore.createSchool}. */
export interface NewSchool {
  name: string;
  municipality: string;
  pupils: number;
  registration_number?: string | null;
  address?: string | null;
  lat?: number | null;
  lon?: number | null;
  school_type?: SchoolType | null;
}

/** A freshly issued enrollment code; the plain code exists only in this value. */
export interface IssuedEnrollmentCode {
  /** Human-typable code, e.g. `7KQ2M-XT9PA`. Shown once, stored only as a hash. */
  code: string;
  expires_at: string;
  /** The role an agent redeeming the code must have; absent when it may choose. */
  role?: AgentRole;
}

/** What {@link EnrollmentStore.redeemEnrollmentCode} records about the redeeming agent. */
export interface NewAgent {
  hostname: string;
  agent_version: string;
  /** Default `school_server`; must equal the code's role when the code fixes one. */
  role?: AgentRole;
}

/** A freshly enrolled agent; the plain secret exists only in this value. */
export interface EnrolledAgent {
  agent_id: string;
  school_id: string;
  /** The agent's secret, shown once, stored only as a hash. */
  secret: string;
  role: AgentRole;
}

/** Outcome of {@link ResultStore.insertResults}. */
export interface InsertOutcome {
  /** Results stored by this call. */
  inserted: number;
  /** Results whose id was already stored (or repeated within the call); left untouched. */
  duplicates: number;
}

/** Options of {@link ResultStore.latestResults}. */
export interface LatestResultsOptions {
  /**
   * When true, at most one result (the newest) per measurement and `target`
   * tag, so a dashboard shows the current state of every probe target.
   */
  perMeasurement?: boolean;
  /** Most results returned. */
  limit: number;
  /** Only results measured at or before this time; default the store's read horizon. */
  until?: Date;
}

/** Filter of {@link ResultStore.countResults}; omitted keys match everything. */
export interface ResultFilter {
  schoolId?: string;
  agentId?: string;
  measurement?: string;
}

/**
 * One UTC hour of one numeric result field: the statistics of its values.
 * Percentiles are nearest-rank, as the scoring defines them
 * (`collector/src/scoring/school-score.ts`).
 */
export interface HourlyRollup {
  school_id: string;
  measurement: string;
  /** The result's `target` tag, or `''` when it has none. */
  target: string;
  /** The result's `result` field (`success`, `timeout`, …), or `''` when it has none. */
  outcome: string;
  /** Start of the hour, RFC 3339 UTC (`2026-03-10T06:00:00.000Z`). */
  hour: string;
  /** Field name, e.g. `rtt_avg_ms`. */
  field: string;
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
}

/** Query of {@link RollupStore.hourlyRollups}. */
export interface RollupQuery {
  schoolId: string;
  /** Hours starting at or after the hour that contains `since`. */
  since: Date;
  /** Narrows to these measurements. */
  measurements?: readonly string[];
  /** Only hours up to the one that contains `until`; default the store's read horizon. */
  until?: Date;
}

/** Options of {@link RollupStore.refreshRollups}; omitted keys match every dirty hour. */
export interface RefreshRollupsOptions {
  /** Most hours recomputed by this call. */
  limit?: number;
  schoolId?: string;
  /** Only hours starting at or after the hour that contains `since`. */
  since?: Date;
  /** Only hours starting before `before`. */
  before?: Date;
  /**
   * Only hours whose latest mark was made before this time (by the
   * collector's own clock, `Date.now()`): an hour still receiving results
   * would be recomputed again at once, so the background job leaves it
   * until it has been quiet for a while. Reads refresh every hour they
   * cover whatever its age.
   */
  markedBefore?: Date;
}

/** Outcome of {@link RetentionStore.deleteResultsBefore} and {@link RetentionStore.deleteRollupsBefore}. */
export interface DeleteOutcome {
  /** Rows deleted by this call. */
  deleted: number;
  /** True when old rows are left that a further call can delete. */
  more: boolean;
}

/** The schools: create, list, read. The register's edits are `Store.register`. */
export interface SchoolStore {
  /** Creates a school with a new id. */
  createSchool(school: NewSchool, now?: Date): Promise<SchoolRow>;
  /** All schools, by name. */
  listSchools(): Promise<SchoolRow[]>;
  /** One school, or undefined. */
  getSchool(id: string): Promise<SchoolRow | undefined>;
}

/** Enrollment: one-time codes for a school, redeemed by an agent for its identity. */
export interface EnrollmentStore {
  /**
   * Issues a one-time enrollment code for a school, valid for `ttlMs`.
   * Throws `SKOLNET_API_NOT_FOUND` for an unknown school.
   */
  createEnrollmentCode(
    schoolId: string,
    ttlMs: number,
    now?: Date,
    role?: AgentRole,
  ): Promise<IssuedEnrollmentCode>;
  /**
   * Atomically marks the code used and creates an agent with a fresh
   * secret. Throws `SKOLNET_ENROLL_CODE_INVALID` for an unknown, used or
   * expired code; a code can be redeemed once, even under concurrency.
   * Throws `SKOLNET_ENROLL_ROLE_MISMATCH`, leaving the code unused, when
   * the code fixes another role than the agent's.
   */
  redeemEnrollmentCode(code: string, agent: NewAgent, now?: Date): Promise<EnrolledAgent>;
}

/** Enrolled agents and their identity: authentication, secret rotation, revocation, moves and clone flags. */
export interface AgentStore {
  /** One agent, or undefined. */
  findAgent(id: string): Promise<AgentRow | undefined>;
  /** Records that the agent was active at `at`, and its version when it tells one. */
  touchAgent(id: string, at?: Date, agentVersion?: string): Promise<void>;
  /**
   * Checks an agent's secret. The pending secret of a rotation also
   * authenticates, and using it completes the rotation (the old secret
   * stops working). A revoked agent is told so only when its secret is right.
   */
  authenticateAgent(id: string, secret: string, now?: Date): Promise<AgentAuthentication>;
  /** A school's agents with their flags and configuration state, by enrollment. */
  listAgents(schoolId: string): Promise<AgentSummary[]>;
  /** One agent as the listing shows it, or undefined. */
  describeAgent(id: string): Promise<AgentSummary | undefined>;
  /** Revokes an agent for good. Throws `SKOLNET_API_NOT_FOUND` for an unknown agent. */
  revokeAgent(id: string, now?: Date): Promise<AgentRow>;
  /**
   * Moves an agent to another school: results measured from `now` on
   * belong to the new one; the old school is remembered for queued results.
   * Recomputes the agent's configuration from the new school's. Throws
   * `SKOLNET_API_NOT_FOUND` for an unknown agent or school,
   * `SKOLNET_API_BAD_REQUEST` when it is already there.
   */
  moveAgent(
    id: string,
    schoolId: string,
    now?: Date,
  ): Promise<{ agent: AgentRow; config?: AgentConfigChange }>;
  /** Asks for a secret rotation the next time the agent is connected. */
  requestSecretRotation(id: string, now?: Date): Promise<AgentRow>;
  /**
   * Starts a rotation: a new secret whose hash is kept beside the current
   * one. Returns the plain secret, which exists only in this value. A
   * second call replaces an unconfirmed pending secret, unless
   * `keepPendingForMs` is given and the pending one is younger: then it
   * returns undefined, because the agent may have stored that one already.
   */
  beginSecretRotation(id: string, now?: Date, keepPendingForMs?: number): Promise<string | undefined>;
  /** Records a hello's hardware fingerprint and returns the agent's clone flags. */
  recordFingerprint(id: string, fingerprint: HardwareFingerprint, now?: Date): Promise<FingerprintRecord>;
}

/** The configuration the collector pushes to agents: a school's, an agent's override, and what the agents acknowledged. */
export interface AgentConfigStore {
  /**
   * Sets the configuration of every agent of a school (merged under each
   * agent's override). Returns the agents whose configuration changed, with
   * their new versions, for pushing.
   */
  setSchoolAgentConfig(schoolId: string, config: AgentConfig, now?: Date): Promise<AgentConfigChange[]>;
  /**
   * The timetable of every school whose agent configuration sets one (the
   * school's own lesson hours, as pushed to its agents), by school id, in
   * one read. Agents' own overrides are not a school's timetable.
   */
  schoolTimetables(): Promise<Map<string, Timetable>>;
  /** Sets one agent's override, merged over its school's configuration. */
  setAgentConfigOverride(agentId: string, config: AgentConfig, now?: Date): Promise<AgentConfigChange[]>;
  /** Records what an agent said about a pushed configuration. */
  recordConfigAck(agentId: string, ack: ConfigAck, now?: Date): Promise<void>;
}

/** Results: idempotent ingest and the reads of dashboards and scoring, bounded by the read horizon. */
export interface ResultStore {
  /**
   * Stores results in one transaction, idempotent on `id`: a result whose
   * id is already stored is counted as a duplicate and changes nothing.
   * The caller has validated the results and their ownership.
   */
  insertResults(results: readonly Result[], receivedAt?: Date): Promise<InsertOutcome>;
  /** A school's newest results, newest first. */
  latestResults(schoolId: string, options: LatestResultsOptions): Promise<StoredResult[]>;
  /**
   * A school's results measured at or after `since`, oldest first, for the
   * scoring, from the school's own agents (never an issued laptop's);
   * `measurements` narrows them to the kinds the scoring uses. Only results measured at or before `until` (default the read horizon).
   */
  resultsForScoring(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]>;
  /**
   * The results of the laptops issued to a school's pupils (agents
   * enrolled with the `issued_laptop` role), as {@link resultsForScoring}
   * reads the school's own: a pupil's home line, read only for the
   * home-connectivity counts. Every other read of results and rollups
   * leaves them out, so they never reach a school's score or plan.
   */
  issuedLaptopResults(
    schoolId: string,
    since: Date,
    measurements?: readonly string[],
    until?: Date,
  ): Promise<StoredResult[]>;
  /** Number of stored results matching `filter`. */
  countResults(filter?: ResultFilter): Promise<number>;
}

/** Hourly rollups of results, kept up to date from the hours ingest marks. */
export interface RollupStore {
  /**
   * Hourly rollups of a school, oldest hour first. Hours still waiting for
   * their rollup (see {@link refreshRollups}) are brought up to date
   * first, so a read always reflects every stored result.
   */
  hourlyRollups(query: RollupQuery): Promise<HourlyRollup[]>;
  /**
   * Recomputes the rollups of hours whose raw results changed since, oldest
   * first, each hour in its own transaction (so ingest is never held up
   * for long) from its raw rows. An hour older than the raw retention
   * horizon (see {@link RetentionStore.deleteResultsBefore}) that already has rollups is
   * not recomputed: its raw rows are gone, so a late result cannot make it
   * more complete, only less. Returns the number of hours processed.
   */
  refreshRollups(options?: RefreshRollupsOptions): Promise<number>;
  /** Number of hours waiting for their rollup. */
  pendingRollupHours(): Promise<number>;
}

/** Retention: deleting raw results and rollups older than their horizons, in bounded steps. */
export interface RetentionStore {
  /**
   * Raw retention: deletes up to `limit` results of the oldest hours measured
   * before `cutoff`, rounded down to a whole hour, and records that hour
   * as the raw retention horizon. A result whose hour still waits for its
   * rollup is kept, so nothing is deleted before it is rolled up.
   */
  deleteResultsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome>;
  /** Rollup retention: deletes up to `limit` hourly rollups of hours starting before `cutoff`. */
  deleteRollupsBefore(cutoff: Date, limit: number): Promise<DeleteOutcome>;
}

/** Collector-wide settings. */
export interface MetaStore {
  /** A collector-wide setting, or undefined. */
  getMeta(key: string): Promise<string | undefined>;
  /** Sets a collector-wide setting. */
  setMeta(key: string, value: string): Promise<void>;
}

/**
 * Everything the collector keeps: the parts above and the feature stores
 * together. One interface, implemented once over a query builder so SQLite
 * and PostgreSQL behave the same (see `test/conformance/`). A caller that
 * needs one part takes that part's interface ({@link SchoolStore},
 * {@link ResultStore}, …), so it says what it touches and a test can hand
 * it only that. Methods throw {@link SkolnetError} with
 * `SKOLNET_API_NOT_FOUND` or `SKOLNET_ENROLL_CODE_INVALID` for the caller's
 * mistakes; database failures surface as they are thrown by the driver.
 */
export interface Store
  extends
    SchoolStore,
    EnrollmentStore,
    AgentStore,
    AgentConfigStore,
    ResultStore,
    RollupStore,
    RetentionStore,
    MetaStore {
  /** The database behind the store, where it has one (test doubles may leave it out). */
  readonly dialect?: StoreDialect;
  /** People's accounts, sessions, tokens and the audit log (migration 0006-accounts). */
  readonly accounts: AccountStore;
  /** Pupil-support records (migration 0009-support). */
  readonly support: SupportStore;
  /** The school register's edits: find by registration number, edit, retire (migration 0007). */
  readonly register: SchoolRegisterStore;
  /** School IT's enrollment codes (list, expire, revoke) and agent names (migration 0007). */
  readonly schoolIt: SchoolItStore;
  /** Vendor contracts, acceptance campaigns and their signed reports (migration 0008-acceptance). */
  readonly acceptance: AcceptanceStore;
  /**
   * Sets the default upper time bound of every read of results and
   * rollups ({@link ResultStore.latestResults}, {@link ResultStore.resultsForScoring},
   * {@link RollupStore.hourlyRollups}) that gives none: the app sets it to its clock
   * plus the allowed clock skew, so a result dated in the future never
   * counts as the latest or enters a score. Undefined: no bound.
   */
  setReadHorizon?(horizon: (() => Date) | undefined): void;
  /**
   * A number that changes when another process has committed to the
   * database since this store last asked (SQLite's `data_version`), so
   * read models can tell a foreign write without reading everything;
   * undefined where the database cannot tell.
   */
  externalChangeVersion?(): Promise<number | undefined>;
  /** Closes the database; the store is unusable afterwards. */
  close(): Promise<void>;
}
