import type { Kysely, Migration } from 'kysely';
import { useBinaryCollation } from './0002-binary-text-order.js';
import type { StoreDialect } from './migration-provider.js';

/**
 * Agent identity: the role given at enrollment (and the role an enrollment
 * code may fix), revocation, two-phase secret rotation, moves between
 * schools, hardware fingerprints for clone detection, and the remotely
 * pushed configuration with its acknowledgement. Portable column types
 * only (text, integer), like the first migration.
 */
export function agentIdentityMigration(dialect: StoreDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      const agentColumns: [string, 'text' | 'integer', string?][] = [
        // Agents enrolled before roles existed were, in practice, school servers.
        ['role', 'text', 'school_server'],
        ['revoked_at', 'text'],
        // Two-phase rotation: the new secret's hash, accepted beside the old one
        // until the agent authenticates with it.
        ['pending_secret_hash', 'text'],
        ['pending_secret_at', 'text'],
        ['secret_rotated_at', 'text'],
        ['rotation_requested_at', 'text'],
        // The last move: results of the previous school measured before
        // `moved_at` are still accepted (queued in the agent's outbox).
        ['previous_school_id', 'text'],
        ['moved_at', 'text'],
        // The configuration the collector wants the agent to run, as JSON text,
        // with its version (monotonic per agent), and what the agent reported.
        ['config_json', 'text'],
        ['config_version', 'integer', '0'],
        ['config_applied_version', 'integer'],
        ['config_error', 'text'],
        ['config_acked_at', 'text'],
      ];
      for (const [name, type, fallback] of agentColumns) {
        await db.schema
          .alterTable('agents')
          .addColumn(name, type, (c) =>
            fallback === undefined
              ? c
              : c.notNull().defaultTo(type === 'integer' ? Number(fallback) : fallback),
          )
          .execute();
      }

      // Null: the code lets the agent choose its role.
      await db.schema.alterTable('enrollment_codes').addColumn('role', 'text').execute();

      // Every distinct hardware fingerprint each agent has said hello with.
      // `fingerprint` joins both hashes so one agent's history has one row per
      // machine; the hashes also stand alone for finding clones across agents.
      await db.schema
        .createTable('agent_fingerprints')
        .addColumn('agent_id', 'text', (c) => c.notNull().references('agents.id'))
        .addColumn('fingerprint', 'text', (c) => c.notNull())
        .addColumn('machine_id_hash', 'text')
        .addColumn('smbios_uuid_hash', 'text')
        .addColumn('first_seen_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('agent_fingerprints_pk', ['agent_id', 'fingerprint'])
        .execute();
      await db.schema
        .createIndex('agent_fingerprints_machine_id')
        .on('agent_fingerprints')
        .column('machine_id_hash')
        .execute();
      await db.schema
        .createIndex('agent_fingerprints_smbios_uuid')
        .on('agent_fingerprints')
        .column('smbios_uuid_hash')
        .execute();

      // The agent listing of a school reads agents by school.
      await db.schema.createIndex('agents_school').on('agents').column('school_id').execute();

      // Remote configuration set by an administrator: per school, and an
      // optional per-agent override merged over it. JSON text of AgentConfig.
      await db.schema
        .createTable('school_agent_configs')
        .addColumn('school_id', 'text', (c) => c.primaryKey().references('schools.id'))
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('agent_config_overrides')
        .addColumn('agent_id', 'text', (c) => c.primaryKey().references('agents.id'))
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();

      // Keys and timestamps compare bytewise on PostgreSQL too, as on SQLite.
      await useBinaryCollation(
        db,
        dialect,
        'agents',
        agentColumns.filter(([, type]) => type === 'text').map(([name]) => name),
      );
      await useBinaryCollation(db, dialect, 'enrollment_codes', ['role']);
      await useBinaryCollation(db, dialect, 'agent_fingerprints', [
        'agent_id',
        'fingerprint',
        'machine_id_hash',
        'smbios_uuid_hash',
        'first_seen_at',
        'last_seen_at',
      ]);
      for (const table of ['school_agent_configs', 'agent_config_overrides']) {
        const key = table === 'school_agent_configs' ? 'school_id' : 'agent_id';
        await useBinaryCollation(db, dialect, table, [key, 'config', 'updated_at']);
      }
    },

    async down(db: Kysely<unknown>): Promise<void> {
      for (const table of ['agent_config_overrides', 'school_agent_configs', 'agent_fingerprints']) {
        await db.schema.dropTable(table).ifExists().execute();
      }
      await db.schema.dropIndex('agents_school').ifExists().execute();
      await db.schema.alterTable('enrollment_codes').dropColumn('role').execute();
      for (const name of [
        'config_acked_at',
        'config_error',
        'config_applied_version',
        'config_version',
        'config_json',
        'moved_at',
        'previous_school_id',
        'rotation_requested_at',
        'secret_rotated_at',
        'pending_secret_at',
        'pending_secret_hash',
        'revoked_at',
        'role',
      ]) {
        await db.schema.alterTable('agents').dropColumn(name).execute();
      }
    },
  };
}
