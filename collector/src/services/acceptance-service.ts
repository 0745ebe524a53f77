import { ErrorCodes, SkolnetError, toCsv, type AgentConfig, type LessonTimetable } from '@skolnet/shared';
import {
  DEFAULT_CAMPAIGN_TIMETABLE,
  campaignAgentConfig,
  campaignEnd,
  configAfterCampaign,
  campaignMeasurements,
  schoolDaysBetween,
  type CampaignResult,
} from '../acceptance/campaign.js';
import {
  contractTerms,
  contractsFromTable,
  validateContract,
  type ContractImport,
  type ContractProblem,
} from '../acceptance/contract.js';
import {
  REPORT_LANGS,
  renderReportHtml,
  type ReportData,
  type ReportLang,
} from '../acceptance/report-html.js';
import { embedSignature, signReport } from '../acceptance/report-signature.js';
import {
  DEFAULT_ACCEPTANCE_THRESHOLDS,
  acceptanceVerdict,
  type AcceptanceThresholds,
  type Verdict,
} from '../acceptance/verdict.js';
import type { Principal } from '../auth/roles.js';
import type { PdfRenderer } from '../runtime/report-pdf.js';
import type { ReportKey } from '../security/report-key.js';
import { SCORING_MEASUREMENTS, scoreSchool } from '../scoring/school-score.js';
import type { ScoringConfig } from '../scoring/score-config.js';
import type { Campaign, Contract, ReportRow } from '../storage/acceptance-store.js';
import type { AgentConfigChange, Store } from '../storage/store.js';
import { COVERAGE_MEASUREMENTS } from '../coverage/coverage-analysis.js';
import { SNMP_NETWORK_MEASUREMENT } from '../planning/plan-data.js';

/**
 * Measurements a campaign reads from the school's results (Wi-Fi for
 * internal-network contracts' rooms, SNMP sweeps for their uplink).
 */
export const CAMPAIGN_MEASUREMENTS: readonly string[] = [
  'throughput',
  'latency',
  'bottleneck',
  'schedule_skip',
  SNMP_NETWORK_MEASUREMENT,
  ...COVERAGE_MEASUREMENTS,
];

/**
 * Days of history before a campaign that make its baseline, in days: four
 * school weeks, long enough to hold a week's worth of the scheduled heavy
 * tests even at the agent's everyday pace.
 */
export const BASELINE_DAYS = 28;

/** School days an inconclusive campaign extends itself by. */
export const EXTENSION_SCHOOL_DAYS = 2;
/** Most extensions before an inconclusive campaign ends as inconclusive: three (six more school days). */
export const MAX_EXTENSIONS = 3;

const DAY_MS = 86_400_000;

/** A campaign's progress, as the vendor and the planner see it. */
export interface CampaignProgress {
  campaign: Campaign;
  /** Tests so far, per direction and for latency. */
  tests: { download: number; upload: number; latency: number };
  /** School days already in the campaign, and left. */
  school_days_done: number;
  school_days_left: number;
  /** The verdict over the measurements so far (the final one once finished). */
  verdict: Verdict;
  /**
   * The school's agents connected now whose hello did not announce the
   * `campaign` capability: they get the campaign's settings without its
   * marker, so they cannot schedule its tests ("agent too old for campaign
   * scheduling: upgrade it"). Sorted ids, each once; empty when none.
   */
  agents_without_campaign: string[];
}

/** A contract with its campaigns, as the routes answer it. */
export interface ContractDetail extends Contract {
  campaigns: Campaign[];
}

/** Options of {@link createAcceptanceService}. */
export interface AcceptanceServiceOptions {
  store: Store;
  now: () => Date;
  scoring: ScoringConfig;
  thresholds?: AcceptanceThresholds;
  /** The signing key, loaded or generated at first use. */
  reportKey: () => ReportKey;
  /** Prints a report's HTML to PDF. */
  pdf: PdfRenderer;
  /** Pushes changed agent configurations to connected agents. */
  push: (changes: AgentConfigChange[]) => void;
  /** The live agent connections (ingest/connected-agents.ts); without it no agent is flagged. */
  liveAgents?: () => { agent_id: string; school_id: string; campaign_unsupported?: boolean }[];
}

/** The acceptance use cases: contracts, campaigns, reports (docs/acceptance.md). */
export interface AcceptanceService {
  readonly thresholds: AcceptanceThresholds;
  /** Validates and stores one contract; throws `API_BAD_REQUEST` carrying the problems. */
  createContract(raw: Record<string, unknown>, actor: string): Promise<Contract>;
  /** Imports a table of contracts, all or none. */
  importContracts(
    table: string[][],
    actor: string,
  ): Promise<{ imported: Contract[]; report: ContractImport }>;
  /** The contracts a principal may see (a vendor its own, national roles every one), each with its campaigns. */
  listContracts(principal: Principal): Promise<ContractDetail[]>;
  contract(id: string): Promise<ContractDetail>;
  /** The vendor marks the contract complete: its campaign starts and the school's agents get its configuration. */
  complete(contractId: string, actor: string): Promise<Campaign>;
  /** A re-test of a finished campaign: a new campaign linked to it. */
  retest(campaignId: string, actor: string): Promise<Campaign>;
  progress(campaignId: string): Promise<CampaignProgress>;
  /** Finishes or extends every running campaign whose time is up; returns the campaigns it changed. */
  advance(): Promise<Campaign[]>;
  /** The signed HTML report of a finished campaign. */
  reportHtml(campaignId: string, lang: ReportLang): Promise<ReportRow>;
  /** The signed PDF of a finished campaign (printed at first request, then kept). */
  reportPdf(campaignId: string, lang: ReportLang): Promise<ReportRow>;
  /** The raw measurements behind a campaign as CSV. */
  measurementsCsv(campaignId: string): Promise<string>;
}

/** An `API_BAD_REQUEST` whose problems a route can show. */
export class ContractRejected extends SkolnetError {
  readonly problems: ContractProblem[];
  constructor(message: string, problems: ContractProblem[]) {
    super(ErrorCodes.API_BAD_REQUEST, message);
    this.problems = problems;
  }
}

/** Creates the acceptance service over a store. */
export function createAcceptanceService(options: AcceptanceServiceOptions): AcceptanceService {
  const { store, now } = options;
  const thresholds = options.thresholds ?? DEFAULT_ACCEPTANCE_THRESHOLDS;
  const db = store.acceptance;

  const notFound = (what: string): SkolnetError => new SkolnetError(ErrorCodes.API_NOT_FOUND, `no ${what}`);
  const requireContract = async (id: string): Promise<Contract> =>
    (await db.getContract(id)) ?? Promise.reject(notFound(`contract ${id}`));
  const requireCampaign = async (id: string): Promise<Campaign> =>
    (await db.getCampaign(id)) ?? Promise.reject(notFound(`campaign ${id}`));

  // Room coverage is an internal-network contract's criterion only.
  const roomsOf = (contract: Contract): string[] =>
    contract.kind === 'internal_network' ? contract.rooms : [];

  const timetableOf = (config: AgentConfig | undefined | null): LessonTimetable =>
    config?.timetable ?? DEFAULT_CAMPAIGN_TIMETABLE;

  const resultsBetween = async (schoolId: string, from: Date, to: Date, measurements: readonly string[]) =>
    (await store.resultsForScoring(schoolId, from, measurements, to)) as CampaignResult[];

  async function startCampaign(contract: Contract, retestOf: string | null): Promise<Campaign> {
    const running = (await db.runningCampaigns()).find((c) => c.school_id === contract.school_id);
    if (running) {
      throw new SkolnetError(
        ErrorCodes.API_CONFLICT,
        `campaign ${running.id} is already running at this school; one campaign at a time, so their tests do not share the line`,
      );
    }
    const at = now();
    const previous = await db.schoolAgentConfig(contract.school_id);
    const timetable = timetableOf(previous);
    const campaign = await db.createCampaign(
      {
        contract_id: contract.id,
        school_id: contract.school_id,
        retest_of: retestOf,
        status: 'running',
        school_days: contract.campaign_school_days,
        extensions: 0,
        started_at: at.toISOString(),
        ends_at: campaignEnd(at, contract.campaign_school_days, timetable).toISOString(),
        finished_at: null,
        previous_config: previous === undefined ? null : JSON.stringify(previous),
        verdict: null,
      },
      at,
    );
    options.push(await store.setSchoolAgentConfig(contract.school_id, pushedConfig(campaign, contract), at));
    await db.setContractStatus(contract.id, 'completed', at);
    return campaign;
  }

  /** The configuration a campaign pushes: the school's before it, changed by {@link campaignAgentConfig}. */
  function pushedConfig(campaign: Campaign, contract: Contract): AgentConfig {
    return campaignAgentConfig(
      campaign.previous_config ?? undefined,
      contract,
      timetableOf(campaign.previous_config),
      { id: campaign.id, ends_at: campaign.ends_at },
    );
  }

  async function verdictOf(campaign: Campaign, contract: Contract, until: Date): Promise<Verdict> {
    const timetable = timetableOf(campaign.previous_config);
    const from = new Date(campaign.started_at);
    const to = new Date(Math.min(until.getTime(), Date.parse(campaign.ends_at)));
    const results = await resultsBetween(campaign.school_id, from, to, CAMPAIGN_MEASUREMENTS);
    return acceptanceVerdict(
      contractTerms(contract),
      campaignMeasurements(results, from, to, timetable, until, roomsOf(contract)),
      thresholds,
    );
  }

  async function reportData(campaign: Campaign, contract: Contract, key: ReportKey): Promise<ReportData> {
    const school = await store.getSchool(contract.school_id);
    if (!school) throw notFound(`school ${contract.school_id}`);
    const timetable = timetableOf(campaign.previous_config);
    const from = new Date(campaign.started_at);
    const to = new Date(campaign.ends_at);
    const results = await resultsBetween(campaign.school_id, from, to, CAMPAIGN_MEASUREMENTS);
    const measured = campaignMeasurements(results, from, to, timetable, to, roomsOf(contract));
    const verdict = campaign.verdict ?? acceptanceVerdict(contractTerms(contract), measured, thresholds);
    const baseFrom = new Date(from.getTime() - BASELINE_DAYS * DAY_MS);
    const baseResults = await resultsBetween(campaign.school_id, baseFrom, from, CAMPAIGN_MEASUREMENTS);
    const baseline = acceptanceVerdict(
      contractTerms(contract),
      campaignMeasurements(baseResults, baseFrom, from, timetable, from, roomsOf(contract)),
      thresholds,
    );
    const scoreOf = async (start: Date, end: Date): Promise<number | null> => {
      const scored = await store.resultsForScoring(campaign.school_id, start, SCORING_MEASUREMENTS, end);
      return scoreSchool({ pupils: school.pupils, results: scored }, options.scoring).score;
    };
    const scoringWindow = options.scoring.window_days * DAY_MS;
    return {
      campaign: {
        id: campaign.id,
        status: campaign.status,
        started_at: campaign.started_at,
        ends_at: campaign.ends_at,
        finished_at: campaign.finished_at,
        school_days: campaign.school_days,
        extensions: campaign.extensions,
        retest_of: campaign.retest_of,
      },
      contract: {
        id: contract.id,
        vendor: contract.vendor,
        kind: contract.kind,
        reference: contract.reference,
        download_max_mbps: contract.download_max_mbps,
        download_min_mbps: contract.download_min_mbps,
        upload_max_mbps: contract.upload_max_mbps,
        upload_min_mbps: contract.upload_min_mbps,
        latency_limit_ms: contract.latency_limit_ms,
        max_loss_pct: contract.max_loss_pct,
        availability_pct: contract.availability_pct,
        completion_date: contract.completion_date,
        acceptance_window_days: contract.acceptance_window_days,
      },
      school: { id: school.id, name: school.name, municipality: school.municipality },
      verdict,
      thresholds,
      distributions: {
        download_mbps: measured.download.map((s) => s.mbps),
        upload_mbps: measured.upload.map((s) => s.mbps),
        latency_ms: measured.latency.flatMap((s) => (s.rtt_ms === null ? [] : [s.rtt_ms])),
      },
      baseline: {
        from: baseFrom.toISOString(),
        to: from.toISOString(),
        verdict: baseline,
        score_before: await scoreOf(new Date(from.getTime() - scoringWindow), from),
        score_after: await scoreOf(from, to),
      },
      issued_at: campaign.finished_at ?? now().toISOString(),
      key_id: key.keyId,
    };
  }

  async function issueHtml(campaign: Campaign, contract: Contract): Promise<void> {
    const key = options.reportKey();
    const data = await reportData(campaign, contract, key);
    for (const lang of REPORT_LANGS) {
      const html = renderReportHtml(data, lang);
      const body = embedSignature(html, signReport(Buffer.from(html), key.privateKey));
      const signature = signReport(Buffer.from(body), key.privateKey);
      await db.putReport({
        campaign_id: campaign.id,
        format: 'html',
        lang,
        body,
        signature: signature.signature,
        key_id: key.keyId,
        created_at: now().toISOString(),
      });
    }
  }

  async function finish(campaign: Campaign, contract: Contract, at: Date): Promise<Campaign | undefined> {
    const verdict = await verdictOf(campaign, contract, at);
    if (verdict.status === 'inconclusive' && campaign.extensions < MAX_EXTENSIONS) {
      const timetable = timetableOf(campaign.previous_config);
      const endsAt = campaignEnd(new Date(campaign.ends_at), EXTENSION_SCHOOL_DAYS, timetable);
      const ok = await db.updateCampaign(campaign.id, 'running', {
        extensions: campaign.extensions + 1,
        school_days: campaign.school_days + EXTENSION_SCHOOL_DAYS,
        ends_at: endsAt.toISOString(),
      });
      if (!ok) return undefined;
      // The agents keep placing a test in every lesson hour until the new end.
      const current = await db.schoolAgentConfig(campaign.school_id);
      if (current?.campaign?.id === campaign.id) {
        const config = { ...current, campaign: { id: campaign.id, ends_at: endsAt.toISOString() } };
        options.push(await store.setSchoolAgentConfig(campaign.school_id, config, at));
      }
      return db.getCampaign(campaign.id);
    }
    const ok = await db.updateCampaign(campaign.id, 'running', {
      status: verdict.status,
      finished_at: at.toISOString(),
      verdict: JSON.stringify(verdict),
    });
    if (!ok) return undefined;
    // What the campaign changed comes back, unless someone changed it since; none before means the agents' defaults.
    const pushed = pushedConfig(campaign, contract);
    const current = (await db.schoolAgentConfig(campaign.school_id)) ?? pushed;
    const restored = configAfterCampaign(campaign.previous_config ?? undefined, pushed, current);
    options.push(await store.setSchoolAgentConfig(campaign.school_id, restored, at));
    await db.setContractStatus(contract.id, verdict.status === 'pass' ? 'accepted' : 'rejected', at);
    const finished = (await db.getCampaign(campaign.id))!;
    await issueHtml(finished, contract);
    return finished;
  }

  return {
    thresholds,

    async createContract(raw, actor) {
      const v = validateContract(raw);
      if (!v.contract) throw new ContractRejected('the contract has errors', v.problems);
      const [created] = await db.createContracts([{ input: v.contract, warnings: v.problems }], actor, now());
      return created!;
    },

    async importContracts(table, actor) {
      const report = contractsFromTable(table);
      if (report.table) throw new ContractRejected(report.table.message.en, [report.table]);
      if (report.contracts.length === 0) {
        const problems = report.rows.flatMap((r) =>
          r.problems.map((p) => ({
            ...p,
            message: { lv: `${r.line}. rinda: ${p.message.lv}`, en: `line ${r.line}: ${p.message.en}` },
          })),
        );
        throw new ContractRejected(
          problems.length > 0 ? 'the import has errors; nothing was imported' : 'the table has no contracts',
          problems,
        );
      }
      const warnings = new Map(report.rows.map((r) => [r.line, r.problems]));
      const imported = await db.createContracts(
        report.contracts.map((input, i) => ({ input, warnings: warnings.get(report.lines[i]!) ?? [] })),
        actor,
        now(),
      );
      return { imported, report };
    },

    async listContracts(principal) {
      let contracts: Contract[];
      if (principal.role === 'vendor') {
        contracts = principal.vendor == null ? [] : await db.listContracts({ vendor: principal.vendor });
      } else contracts = await db.listContracts();
      const campaigns = await db.campaignsOf(contracts.map((c) => c.id));
      return contracts.map((c) => ({ ...c, campaigns: campaigns.filter((k) => k.contract_id === c.id) }));
    },

    async contract(id) {
      const contract = await requireContract(id);
      return { ...contract, campaigns: await db.listCampaigns(id) };
    },

    async complete(contractId, _actor) {
      const contract = await requireContract(contractId);
      if (contract.status !== 'open') {
        throw new SkolnetError(
          ErrorCodes.API_CONFLICT,
          `the contract is ${contract.status}; only an open contract can be marked complete (a re-test goes through its campaign)`,
        );
      }
      return startCampaign(contract, null);
    },

    async retest(campaignId, _actor) {
      const previous = await requireCampaign(campaignId);
      if (previous.status === 'running') {
        throw new SkolnetError(
          ErrorCodes.API_CONFLICT,
          'the campaign is still running; a re-test follows a finished one',
        );
      }
      const contract = await requireContract(previous.contract_id);
      return startCampaign(contract, previous.id);
    },

    async progress(campaignId) {
      let campaign = await requireCampaign(campaignId);
      if (campaign.status === 'running' && Date.parse(campaign.ends_at) <= now().getTime()) {
        await this.advance();
        campaign = await requireCampaign(campaignId);
      }
      const contract = await requireContract(campaign.contract_id);
      const at = now();
      const verdict = campaign.verdict ?? (await verdictOf(campaign, contract, at));
      const timetable = timetableOf(campaign.previous_config);
      const done = schoolDaysBetween(
        new Date(campaign.started_at),
        new Date(Math.min(at.getTime(), Date.parse(campaign.ends_at))),
        timetable,
      ).length;
      const count = (name: string): number => verdict.criteria.find((c) => c.criterion === name)?.tests ?? 0;
      return {
        campaign,
        tests: { download: count('download'), upload: count('upload'), latency: count('latency') },
        school_days_done: Math.min(done, campaign.school_days),
        school_days_left: campaign.status === 'running' ? Math.max(0, campaign.school_days - done) : 0,
        verdict,
        agents_without_campaign: [
          ...new Set(
            (options.liveAgents?.() ?? [])
              .filter((c) => c.school_id === campaign.school_id && c.campaign_unsupported === true)
              .map((c) => c.agent_id),
          ),
        ].sort(),
      };
    },

    async advance() {
      const at = now();
      const changed: Campaign[] = [];
      for (const campaign of await db.runningCampaigns()) {
        if (Date.parse(campaign.ends_at) > at.getTime()) continue;
        const contract = await requireContract(campaign.contract_id);
        const next = await finish(campaign, contract, at);
        if (next) changed.push(next);
      }
      return changed;
    },

    async reportHtml(campaignId, lang) {
      const campaign = await requireCampaign(campaignId);
      if (campaign.status === 'running') {
        throw new SkolnetError(
          ErrorCodes.API_CONFLICT,
          'the campaign is still running: its report is issued when it ends (its progress shows the interim verdict)',
        );
      }
      const stored = await db.getReport(campaignId, 'html', lang);
      if (stored) return stored;
      await issueHtml(campaign, await requireContract(campaign.contract_id));
      return (await db.getReport(campaignId, 'html', lang))!;
    },

    async reportPdf(campaignId, lang) {
      const stored = await db.getReport(campaignId, 'pdf', lang);
      if (stored) return stored;
      const html = await this.reportHtml(campaignId, lang);
      const pdf = await options.pdf(html.body);
      const key = options.reportKey();
      const signature = signReport(pdf, key.privateKey);
      return db.putReport({
        campaign_id: campaignId,
        format: 'pdf',
        lang,
        body: pdf.toString('base64'),
        signature: signature.signature,
        key_id: key.keyId,
        created_at: now().toISOString(),
      });
    },

    async measurementsCsv(campaignId) {
      const campaign = await requireCampaign(campaignId);
      const to = new Date(Math.min(now().getTime(), Date.parse(campaign.ends_at)));
      const results = await resultsBetween(
        campaign.school_id,
        new Date(campaign.started_at),
        to,
        CAMPAIGN_MEASUREMENTS,
      );
      const rows = results.map((r) => {
        const f = r.fields;
        const n = (k: string): number | null => (typeof f[k] === 'number' ? f[k] : null);
        const s = (k: string): string | null => (typeof f[k] === 'string' ? f[k] : null);
        return [
          r.at,
          r.agent_id,
          r.measurement,
          r.tags['target'] ?? null,
          s('result'),
          n('download_mbps'),
          n('upload_mbps'),
          n('rtt_p50_ms') ?? n('rtt_avg_ms'),
          n('loss_pct'),
          s('limiting_segment'),
          s('reason'),
          n('uplink_in_util_pct'),
          n('uplink_out_util_pct'),
          s('cause'),
        ];
      });
      return toCsv(
        [
          'at',
          'agent_id',
          'measurement',
          'target',
          'result',
          'download_mbps',
          'upload_mbps',
          'rtt_ms',
          'loss_pct',
          'limiting_segment',
          'skip_reason',
          'uplink_in_util_pct',
          'uplink_out_util_pct',
          'skip_cause',
        ],
        rows,
      );
    },
  };
}
