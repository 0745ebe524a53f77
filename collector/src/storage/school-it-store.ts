import type { Kysely } from 'kysely';
import { ErrorCodes, SkolnetError, type AgentRole } from '@skolnet/shared';

/**
 * Length of an enrollment code's public id: the first hex characters of
 * the SHA-256 the store keeps. 16 hex digits (64 bits) never collide among
 * a school's codes, and a prefix of a hash gives nothing toward the code.
 */
export const CODE_ID_HEX = 16;

/** Where an enrollment code stands. */
export type EnrollmentCodeStatus = 'active' | 'used' | 'expired' | 'revoked';

/** An enrollment code as school IT staff see it: never the code, only its id and state. */
export interface EnrollmentCodeView {
  id: string;
  school_id: string;
  role: AgentRole | null;
  created_at: string | null;
  expires_at: string;
  used_at: string | null;
  agent_id: string | null;
  revoked_at: string | null;
  status: EnrollmentCodeStatus;
}

/** The tables this module reads and writes (migration 0007 added the columns it needs). */
export interface SchoolItTables {
  enrollment_codes: {
    code_hash: string;
    school_id: string;
    expires_at: string;
    used_at: string | null;
    agent_id: string | null;
    role: AgentRole | null;
    created_at: string | null;
    revoked_at: string | null;
  };
  agents: { id: string; school_id: string; display_name: string | null };
}

/** School IT's writes beside the agent store: enrollment codes listed, expired and revoked; agents named. */
export interface SchoolItStore {
  /** A school's codes, newest first (codes from before migration 0007 last). */
  listEnrollmentCodes(schoolId: string, now: Date): Promise<EnrollmentCodeView[]>;
  /**
   * Ends an unused code now (`expire`) or withdraws it (`revoke`). Throws
   * `SKOLNET_API_NOT_FOUND` for a code not of this school and
   * `SKOLNET_API_CONFLICT` for one already used.
   */
  endEnrollmentCode(
    schoolId: string,
    id: string,
    how: 'expire' | 'revoke',
    now: Date,
  ): Promise<EnrollmentCodeView>;
  /** Display names of a school's agents, by agent id (agents without one left out). */
  agentNames(schoolId: string): Promise<Map<string, string>>;
  /** Names an agent (null clears it). Throws `SKOLNET_API_NOT_FOUND` for an unknown agent. */
  renameAgent(agentId: string, name: string | null): Promise<void>;
}

/** The {@link SchoolItStore} over the collector's Kysely database. */
export class KyselySchoolItStore implements SchoolItStore {
  readonly #db: Kysely<SchoolItTables>;

  /** Uses `db`, owned by the caller's store. */
  constructor(db: Kysely<SchoolItTables>) {
    this.#db = db;
  }

  async listEnrollmentCodes(schoolId: string, now: Date): Promise<EnrollmentCodeView[]> {
    const rows = await this.#db
      .selectFrom('enrollment_codes')
      .selectAll()
      .where('school_id', '=', schoolId)
      .orderBy('expires_at', 'desc')
      .execute();
    const views = rows.map((r) => view(r, now));
    // Newest issue first; codes without an issue date (before migration 0007) after them.
    return views.sort((a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? ''));
  }

  async endEnrollmentCode(
    schoolId: string,
    id: string,
    how: 'expire' | 'revoke',
    now: Date,
  ): Promise<EnrollmentCodeView> {
    if (!/^[0-9a-f]+$/.test(id) || id.length !== CODE_ID_HEX) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `enrollment code ${id} does not exist`);
    }
    const find = () =>
      this.#db
        .selectFrom('enrollment_codes')
        .selectAll()
        .where('school_id', '=', schoolId)
        .where('code_hash', 'like', `${id}%`)
        .executeTakeFirst();
    const row = await find();
    if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `enrollment code ${id} does not exist`);
    if (row.used_at !== null) {
      throw new SkolnetError(
        ErrorCodes.API_CONFLICT,
        `enrollment code ${id} was used already; revoke the agent instead`,
      );
    }
    const at = now.toISOString();
    // Only a code still open changes: ending it twice keeps the first end.
    if (how === 'revoke' && row.revoked_at === null) {
      await this.#db
        .updateTable('enrollment_codes')
        .set({ revoked_at: at })
        .where('code_hash', '=', row.code_hash)
        .where('used_at', 'is', null)
        .execute();
    } else if (how === 'expire' && row.expires_at > at) {
      await this.#db
        .updateTable('enrollment_codes')
        .set({ expires_at: at })
        .where('code_hash', '=', row.code_hash)
        .where('used_at', 'is', null)
        .execute();
    }
    return view((await find())!, now);
  }

  async agentNames(schoolId: string): Promise<Map<string, string>> {
    const rows = await this.#db
      .selectFrom('agents')
      .select(['id', 'display_name'])
      .where('school_id', '=', schoolId)
      .where('display_name', 'is not', null)
      .execute();
    return new Map(rows.map((r) => [r.id, r.display_name as string]));
  }

  async renameAgent(agentId: string, name: string | null): Promise<void> {
    const result = await this.#db
      .updateTable('agents')
      .set({ display_name: name })
      .where('id', '=', agentId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${agentId} does not exist`);
    }
  }
}

function view(row: SchoolItTables['enrollment_codes'], now: Date): EnrollmentCodeView {
  const status: EnrollmentCodeStatus =
    row.used_at !== null
      ? 'used'
      : row.revoked_at !== null
        ? 'revoked'
        : row.expires_at <= now.toISOString()
          ? 'expired'
          : 'active';
  return {
    id: row.code_hash.slice(0, CODE_ID_HEX),
    school_id: row.school_id,
    role: row.role,
    created_at: row.created_at,
    expires_at: row.expires_at,
    used_at: row.used_at,
    agent_id: row.agent_id,
    revoked_at: row.revoked_at,
    status,
  };
}
