import type { Kysely, Transaction } from 'kysely';
import { ErrorCodes, SkolnetError, type HardwareFingerprint } from '@skolnet/shared';
import { generateSecret, matchesHash, sha256Hex } from '../../security/secrets.js';
import type { StoreDialect } from '../migrations/migration-provider.js';
import type {
  AgentAuthentication,
  AgentConfigChange,
  AgentFlag,
  AgentRow,
  AgentStore,
  AgentSummary,
  FingerprintRecord,
  SchoolStore,
} from '../store.js';
import { lockSchool, recomputeAgentConfigs } from './agent-configs.js';
import type { KyselyContext } from './context.js';
import type { CollectorDatabase } from './rows.js';

/**
 * Enrolled agents and their identity: secrets and their rotation,
 * revocation, moves between schools, and the clone flags from the hardware
 * fingerprints they say hello with.
 */
export class KyselyAgents implements AgentStore {
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

  /** The agent, or `SKOLNET_API_NOT_FOUND`. */
  async requireAgent(id: string): Promise<AgentRow> {
    const agent = await this.findAgent(id);
    if (agent === undefined) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${id} does not exist`);
    return agent;
  }

  async revokeAgent(id: string, now: Date = new Date()): Promise<AgentRow> {
    const agent = await this.requireAgent(id);
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
    const agent = await this.requireAgent(id);
    if (!(await this.#schools.getSchool(schoolId))) {
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
    const moved = await this.requireAgent(id);
    return changes[0] === undefined ? { agent: moved } : { agent: moved, config: changes[0] };
  }

  async requestSecretRotation(id: string, now: Date = new Date()): Promise<AgentRow> {
    const agent = await this.requireAgent(id);
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
    const agent = await this.requireAgent(id);
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
}

function toAgent(row: AgentRow): AgentRow {
  // PostgreSQL may hand integers back as strings, SQLite as numbers.
  return {
    ...row,
    config_version: Number(row.config_version),
    config_applied_version: row.config_applied_version === null ? null : Number(row.config_applied_version),
  };
}
