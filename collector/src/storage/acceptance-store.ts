import type { Kysely } from 'kysely';
import { ErrorCodes, SkolnetError, uuidv7, type AgentConfig } from '@skolnet/shared';
import type { ContractInput, ContractProblem } from '../acceptance/contract.js';
import type { ContractKind, Verdict } from '../acceptance/verdict.js';

/** Where a contract stands. */
export type ContractStatus = 'open' | 'completed' | 'accepted' | 'rejected';

/** A contract as stored (migration 0008-acceptance). */
export interface ContractRow {
  id: string;
  school_id: string;
  vendor: string;
  kind: ContractKind;
  reference: string | null;
  download_max_mbps: number;
  download_min_mbps: number;
  upload_max_mbps: number;
  upload_min_mbps: number;
  latency_limit_ms: number | null;
  max_loss_pct: number | null;
  availability_pct: number | null;
  completion_date: string;
  acceptance_window_days: number;
  campaign_school_days: number;
  /** JSON array of room names. */
  rooms: string;
  /** JSON array of the validation's warnings ({@link ContractProblem}). */
  warnings: string;
  status: ContractStatus;
  completed_at: string | null;
  /** Who entered it: an email, or `import:<file>`. */
  created_by: string;
  created_at: string;
  updated_at: string;
}

/** A contract with its JSON columns read. */
export interface Contract extends Omit<ContractRow, 'rooms' | 'warnings'> {
  rooms: string[];
  warnings: ContractProblem[];
}

/** Where a campaign stands: `running` until its school days are over, then its verdict. */
export type CampaignStatus = 'running' | 'pass' | 'fail' | 'inconclusive' | 'cancelled';

/** An acceptance campaign as stored. */
export interface CampaignRow {
  id: string;
  contract_id: string;
  school_id: string;
  /** The campaign this one re-tests, when it is a re-test. */
  retest_of: string | null;
  status: CampaignStatus;
  /** School days it runs, extensions included. */
  school_days: number;
  /** How many times too few tests extended it. */
  extensions: number;
  started_at: string;
  /** When its school days end, as planned at start or at the last extension. */
  ends_at: string;
  finished_at: string | null;
  /** JSON of the school's agent configuration before the campaign; null when it had none. */
  previous_config: string | null;
  /** JSON of the final {@link Verdict}, once finished. */
  verdict: string | null;
  created_at: string;
}

/** A campaign with its JSON columns read. */
export interface Campaign extends Omit<CampaignRow, 'previous_config' | 'verdict'> {
  previous_config: AgentConfig | null;
  verdict: Verdict | null;
}

/** A report as issued: the bytes every reader gets, and their signature. */
export interface ReportRow {
  campaign_id: string;
  format: 'html' | 'pdf';
  lang: 'lv' | 'en';
  /** HTML text, or the PDF as base64. */
  body: string;
  /** Base64 Ed25519 signature of the body's bytes. */
  signature: string;
  key_id: string;
  created_at: string;
}

/** The acceptance tables as Kysely sees them. */
export interface AcceptanceTables {
  contracts: ContractRow;
  campaigns: CampaignRow;
  acceptance_reports: ReportRow;
  schools: { id: string };
  school_agent_configs: { school_id: string; config: string; updated_at: string };
}

/** Filter of {@link AcceptanceStore.listContracts}. */
export interface ContractFilter {
  /** Only this vendor's contracts. */
  vendor?: string;
  schoolId?: string;
}

/** Contracts, campaigns and reports (migration 0008-acceptance). */
export interface AcceptanceStore {
  /** Stores contracts in one transaction, all or none. Throws `SKOLNET_API_NOT_FOUND` for an unknown school. */
  createContracts(
    contracts: readonly { input: ContractInput; warnings: ContractProblem[] }[],
    createdBy: string,
    now: Date,
  ): Promise<Contract[]>;
  getContract(id: string): Promise<Contract | undefined>;
  /** Contracts, newest first. */
  listContracts(filter?: ContractFilter): Promise<Contract[]>;
  /** Whether the vendor has a contract for the school. */
  vendorHasSchool(vendor: string, schoolId: string): Promise<boolean>;
  setContractStatus(id: string, status: ContractStatus, now: Date): Promise<void>;
  /** The school's own agent configuration (not an agent's override), or undefined. */
  schoolAgentConfig(schoolId: string): Promise<AgentConfig | undefined>;
  createCampaign(campaign: Omit<CampaignRow, 'id' | 'created_at'>, now: Date): Promise<Campaign>;
  getCampaign(id: string): Promise<Campaign | undefined>;
  /** A contract's campaigns, oldest first. */
  listCampaigns(contractId: string): Promise<Campaign[]>;
  /** The campaigns of several contracts, oldest first. */
  campaignsOf(contractIds: readonly string[]): Promise<Campaign[]>;
  /** Campaigns still running, of every school. */
  runningCampaigns(): Promise<Campaign[]>;
  /**
   * Changes a campaign, but only while it is still in `expectedStatus`;
   * returns false when another caller changed it first (two collectors
   * finishing the same campaign).
   */
  updateCampaign(
    id: string,
    expectedStatus: CampaignStatus,
    patch: Partial<
      Pick<CampaignRow, 'status' | 'school_days' | 'extensions' | 'ends_at' | 'finished_at' | 'verdict'>
    >,
  ): Promise<boolean>;
  getReport(campaignId: string, format: 'html' | 'pdf', lang: 'lv' | 'en'): Promise<ReportRow | undefined>;
  /** Stores a report unless one exists for the same campaign, format and language; returns the stored one. */
  putReport(report: ReportRow): Promise<ReportRow>;
}

const readContract = (row: ContractRow): Contract => ({
  ...row,
  // PostgreSQL returns double precision as numbers already; SQLite too.
  rooms: JSON.parse(row.rooms) as string[],
  warnings: JSON.parse(row.warnings) as ContractProblem[],
});

const readCampaign = (row: CampaignRow): Campaign => ({
  ...row,
  previous_config: row.previous_config === null ? null : (JSON.parse(row.previous_config) as AgentConfig),
  verdict: row.verdict === null ? null : (JSON.parse(row.verdict) as Verdict),
});

/** {@link AcceptanceStore} over the collector's database connection. */
export class KyselyAcceptanceStore implements AcceptanceStore {
  readonly #db: Kysely<AcceptanceTables>;

  constructor(db: Kysely<AcceptanceTables>) {
    this.#db = db;
  }

  async createContracts(
    contracts: readonly { input: ContractInput; warnings: ContractProblem[] }[],
    createdBy: string,
    now: Date,
  ): Promise<Contract[]> {
    const at = now.toISOString();
    return this.#db.transaction().execute(async (trx) => {
      const schoolIds = [...new Set(contracts.map((c) => c.input.school_id))];
      if (schoolIds.length > 0) {
        const known = new Set(
          (await trx.selectFrom('schools').select('id').where('id', 'in', schoolIds).execute()).map(
            (r) => r.id,
          ),
        );
        const missing = schoolIds.filter((id) => !known.has(id));
        if (missing.length > 0) {
          throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `no school with id ${missing.join(', ')}`);
        }
      }
      const rows: ContractRow[] = contracts.map(({ input, warnings }) => ({
        id: uuidv7(),
        school_id: input.school_id,
        vendor: input.vendor,
        kind: input.kind,
        reference: input.reference,
        download_max_mbps: input.download_max_mbps,
        download_min_mbps: input.download_min_mbps,
        upload_max_mbps: input.upload_max_mbps,
        upload_min_mbps: input.upload_min_mbps,
        latency_limit_ms: input.latency_limit_ms,
        max_loss_pct: input.max_loss_pct,
        availability_pct: input.availability_pct,
        completion_date: input.completion_date,
        acceptance_window_days: input.acceptance_window_days,
        campaign_school_days: input.campaign_school_days,
        rooms: JSON.stringify(input.rooms),
        warnings: JSON.stringify(warnings),
        status: 'open',
        completed_at: null,
        created_by: createdBy,
        created_at: at,
        updated_at: at,
      }));
      // Well under both dialects' parameter limits per statement (23 columns × 100 rows).
      for (let i = 0; i < rows.length; i += 100) {
        await trx
          .insertInto('contracts')
          .values(rows.slice(i, i + 100))
          .execute();
      }
      return rows.map(readContract);
    });
  }

  async getContract(id: string): Promise<Contract | undefined> {
    const row = await this.#db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
    return row && readContract(row);
  }

  async listContracts(filter: ContractFilter = {}): Promise<Contract[]> {
    let q = this.#db.selectFrom('contracts').selectAll();
    if (filter.vendor !== undefined) q = q.where('vendor', '=', filter.vendor);
    if (filter.schoolId !== undefined) q = q.where('school_id', '=', filter.schoolId);
    return (await q.orderBy('id', 'desc').execute()).map(readContract);
  }

  async vendorHasSchool(vendor: string, schoolId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('contracts')
      .select('id')
      .where('vendor', '=', vendor)
      .where('school_id', '=', schoolId)
      .executeTakeFirst();
    return row !== undefined;
  }

  async setContractStatus(id: string, status: ContractStatus, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.#db
      .updateTable('contracts')
      .set({ status, updated_at: at, ...(status === 'completed' ? { completed_at: at } : {}) })
      .where('id', '=', id)
      .execute();
  }

  async schoolAgentConfig(schoolId: string): Promise<AgentConfig | undefined> {
    const row = await this.#db
      .selectFrom('school_agent_configs')
      .select('config')
      .where('school_id', '=', schoolId)
      .executeTakeFirst();
    return row && (JSON.parse(row.config) as AgentConfig);
  }

  async createCampaign(campaign: Omit<CampaignRow, 'id' | 'created_at'>, now: Date): Promise<Campaign> {
    const row: CampaignRow = { ...campaign, id: uuidv7(), created_at: now.toISOString() };
    await this.#db.insertInto('campaigns').values(row).execute();
    return readCampaign(row);
  }

  async getCampaign(id: string): Promise<Campaign | undefined> {
    const row = await this.#db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
    return row && readCampaign(row);
  }

  async listCampaigns(contractId: string): Promise<Campaign[]> {
    const rows = await this.#db
      .selectFrom('campaigns')
      .selectAll()
      .where('contract_id', '=', contractId)
      .orderBy('id')
      .execute();
    return rows.map(readCampaign);
  }

  async campaignsOf(contractIds: readonly string[]): Promise<Campaign[]> {
    const out: Campaign[] = [];
    // In chunks well under both dialects' parameter limits.
    for (let i = 0; i < contractIds.length; i += 500) {
      const rows = await this.#db
        .selectFrom('campaigns')
        .selectAll()
        .where('contract_id', 'in', contractIds.slice(i, i + 500))
        .orderBy('id')
        .execute();
      out.push(...rows.map(readCampaign));
    }
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  async runningCampaigns(): Promise<Campaign[]> {
    const rows = await this.#db
      .selectFrom('campaigns')
      .selectAll()
      .where('status', '=', 'running')
      .orderBy('id')
      .execute();
    return rows.map(readCampaign);
  }

  async updateCampaign(
    id: string,
    expectedStatus: CampaignStatus,
    patch: Partial<
      Pick<CampaignRow, 'status' | 'school_days' | 'extensions' | 'ends_at' | 'finished_at' | 'verdict'>
    >,
  ): Promise<boolean> {
    const result = await this.#db
      .updateTable('campaigns')
      .set(patch)
      .where('id', '=', id)
      .where('status', '=', expectedStatus)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async getReport(
    campaignId: string,
    format: 'html' | 'pdf',
    lang: 'lv' | 'en',
  ): Promise<ReportRow | undefined> {
    return this.#db
      .selectFrom('acceptance_reports')
      .selectAll()
      .where('campaign_id', '=', campaignId)
      .where('format', '=', format)
      .where('lang', '=', lang)
      .executeTakeFirst();
  }

  async putReport(report: ReportRow): Promise<ReportRow> {
    await this.#db
      .insertInto('acceptance_reports')
      .values(report)
      .onConflict((oc) => oc.columns(['campaign_id', 'format', 'lang']).doNothing())
      .execute();
    return (await this.getReport(report.campaign_id, report.format, report.lang))!;
  }
}
