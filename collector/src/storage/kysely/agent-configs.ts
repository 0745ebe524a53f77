import type { Kysely, Transaction } from 'kysely';
import { ErrorCodes, SkolnetError, type AgentConfig, type ConfigAck, type Timetable } from '@skolnet/shared';
import { canonicalConfigJson, effectiveAgentConfig } from '../../agents/effective-agent-config.js';
import type { StoreDialect } from '../migrations/migration-provider.js';
import type { AgentConfigChange, AgentConfigStore } from '../store.js';
import { compareText, type KyselyContext } from './context.js';
import type { CollectorDatabase } from './rows.js';

/**
 * The configuration pushed to agents: each school's, each agent's
 * override merged over it, versioned per agent, and the agents' acks.
 */
export class KyselyAgentConfigs implements AgentConfigStore {
  readonly #db: Kysely<CollectorDatabase>;
  readonly #context: KyselyContext;
  /** Which database: PostgreSQL takes row locks that SQLite does not need. */
  readonly dialect: StoreDialect;
  readonly #agents: { requireAgent(id: string): Promise<unknown> };

  constructor(context: KyselyContext, agents: { requireAgent(id: string): Promise<unknown> }) {
    this.#db = context.db;
    this.#context = context;
    this.dialect = context.dialect;
    this.#agents = agents;
  }

  #transaction<T>(fn: (trx: Transaction<CollectorDatabase>) => Promise<T>): Promise<T> {
    return this.#context.transaction(fn);
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
    await this.#agents.requireAgent(agentId);
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
}

export /**
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

export /**
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

export function parseConfig(text: string | undefined): AgentConfig | undefined {
  return text === undefined ? undefined : (JSON.parse(text) as AgentConfig);
}
