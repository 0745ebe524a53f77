import type { Kysely, Transaction } from 'kysely';
import { DEFAULT_AGENT_ROLE, ErrorCodes, SkolnetError, uuidv7, type AgentRole } from '@skolnet/shared';
import {
  generateEnrollmentCode,
  generateSecret,
  normalizeEnrollmentCode,
  sha256Hex,
} from '../../security/secrets.js';
import type { StoreDialect } from '../migrations/migration-provider.js';
import type {
  AgentRow,
  EnrolledAgent,
  EnrollmentStore,
  IssuedEnrollmentCode,
  NewAgent,
  SchoolStore,
} from '../store.js';
import { lockSchool, recomputeAgentConfigs } from './agent-configs.js';
import type { KyselyContext } from './context.js';
import type { CollectorDatabase } from './rows.js';

/** Enrollment codes: issued for a school, redeemed once by an agent for its identity. */
export class KyselyEnrollment implements EnrollmentStore {
  readonly #db: Kysely<CollectorDatabase>;
  readonly #context: KyselyContext;
  /** Which database: PostgreSQL takes row locks that SQLite does not need. */
  readonly dialect: StoreDialect;
  readonly #schools: Pick<SchoolStore, 'getSchool'>;

  constructor(context: KyselyContext, schools: Pick<SchoolStore, 'getSchool'>) {
    this.#db = context.db;
    this.#context = context;
    this.dialect = context.dialect;
    this.#schools = schools;
  }

  #transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    return this.#context.transaction(fn);
  }

  async createEnrollmentCode(
    schoolId: string,
    ttlMs: number,
    now: Date = new Date(),
    role?: AgentRole,
  ): Promise<IssuedEnrollmentCode> {
    if (!(await this.#schools.getSchool(schoolId))) {
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
}
