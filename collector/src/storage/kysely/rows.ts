import type { AgentRole } from '@skolnet/shared';
import type { AgentRow, HourlyRollup, SchoolRow } from '../store.js';

// The collector's own tables as the Kysely store reads and writes them. The
// tables of the other stores (accounts, support, register, school IT,
// acceptance) are declared in their modules beside their queries.

/** A one-time enrollment code, stored only as the hash of its text (migrations 0001, 0004, 0007). */
export interface EnrollmentCodeRow {
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

/** A machine an agent said hello from (migration 0004-agent-identity). */
export interface AgentFingerprintRow {
  agent_id: string;
  /** Both hashes joined, `-` for a missing one: one row per machine per agent. */
  fingerprint: string;
  machine_id_hash: string | null;
  smbios_uuid_hash: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

/** An agent configuration as stored, for a school or one agent's override. */
export interface StoredConfigRow {
  config: string;
  updated_at: string;
}

/** A result as stored: fields and tags as JSON text. */
export interface ResultRow {
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

/** A collector-wide setting. */
export interface MetaRow {
  key: string;
  value: string;
}

/** An hour whose rollups wait to be recomputed (migration 0003-rollups). */
export interface RollupDirtyRow {
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
