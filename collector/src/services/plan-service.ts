import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import type { CostCatalog } from '../planning/catalog.js';
import { DEFAULT_PLAN_ECONOMICS, type PlanEconomics, type PlanObjective } from '../planning/economics.js';
import {
  buildPlan,
  type DeliverySettings,
  type Plan,
  type PlanBudget,
  type PlanConstraints,
  type SchoolExplanation,
} from '../planning/plan.js';
import { planMessage } from '../planning/plan-messages.js';
import { runScenarios, type ScenarioReport } from '../planning/scenarios.js';
import { rankingSensitivity, type SensitivityReport } from '../scoring/sensitivity.js';
import type { SchoolService, SchoolSnapshot } from './school-service.js';

/** What a plan is asked for: the budget and the side constraints. */
export interface PlanRequest {
  budget_eur: number;
  constraints?: PlanConstraints;
  /** Objective by name; default the service's economics' (cost-effectiveness). */
  objective?: PlanObjective;
}

/**
 * The programme's completion date (30 June 2026) and two months of buffer
 * for acceptance: the defaults of `--completion-date` and `--buffer-months`.
 */
export const DEFAULT_COMPLETION_DATE = '2026-06-30';
/** Months kept free before the completion date. */
export const DEFAULT_BUFFER_MONTHS = 2;

/**
 * Default number of plans kept per read-model build: one per distinct
 * (budget, constraints) asked for. A plan of 650 schools is a few MB in
 * memory (its JSON is about 1.8 MB over the demo data), so 16 bound the cache to tens of MB
 * while a planner tries a handful of budgets and caps.
 */
export const DEFAULT_PLAN_CACHE_ENTRIES = 16;

/** Dependencies and settings of {@link createPlanService}. */
export interface PlanServiceOptions {
  schools: SchoolService;
  /** The cost catalog; called once, on the first plan. */
  catalog: () => CostCatalog;
  /** False: solve on every call (the pre-service behaviour). Default true. */
  cache?: boolean;
  /** Most plans cached, least recently used dropped first. Default {@link DEFAULT_PLAN_CACHE_ENTRIES}. */
  maxEntries?: number;
  /** Objective and economic settings. Default {@link DEFAULT_PLAN_ECONOMICS}. */
  economics?: PlanEconomics;
  /** Budget source and VAT treatment. Default: the programme total, gross. */
  budget?: Omit<PlanBudget, 'budget_eur'>;
  /** Completion date and fibre capacity. Default {@link DEFAULT_COMPLETION_DATE}, {@link DEFAULT_BUFFER_MONTHS}. */
  delivery?: Omit<DeliverySettings, 'now'>;
  /** The clock the delivery check reads. Default the system clock. */
  now?: () => Date;
}

/** The upgrade plan over the school read model. */
export interface PlanService {
  /**
   * The plan for `request` over the current read model: solved once per
   * (read-model build, budget, constraints), concurrent callers sharing the
   * solve. Throws `SKOLNET_PLAN_INFEASIBLE` as {@link buildPlan} does.
   */
  plan(request: PlanRequest): Promise<Plan>;
  /**
   * The same plan as UTF-8 JSON, and gzipped, each made once per cached
   * plan: the plan of 650 schools is about 1.8 MB of JSON, and writing,
   * encoding and sending it is most of what a view of a cached plan would
   * otherwise cost (gzip makes it about a tenth).
   */
  planJson(request: PlanRequest): Promise<PlanJson>;
  /**
   * Why a school gets what it gets in that plan. Throws
   * `SKOLNET_API_NOT_FOUND` for a school that is not in it (every school of the read model is).
   */
  explain(
    schoolId: string,
    request: PlanRequest,
  ): Promise<SchoolExplanation & { benefit_per_eur_at_cutoff: number; synthetic: boolean }>;
  /** How the ranking moves when one weight changes, over the current read model (cached per build). */
  sensitivity(): Promise<SensitivityReport>;
  /**
   * The plan re-solved under scenarios of prices, expected effects, weights,
   * discount rate and budget, and per school the share of scenarios that fund it.
   */
  scenarios(request: PlanRequest): Promise<ScenarioReport>;
}

// Off the main thread (libuv's pool): a plan's megabytes take tens of ms to compress.
const gzipAsync = promisify(gzip);

/** JSON with object keys sorted at every level, so equal requests give equal cache keys. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A plan's JSON, as {@link PlanService.planJson} keeps it. */
export interface PlanJson {
  /** UTF-8 JSON text. */
  json: Buffer;
  /** The same, gzipped (RFC 1952), for clients that accept it. */
  gzip: Buffer;
}

interface CacheEntry {
  build: number;
  plan: Promise<Plan>;
  json?: Promise<PlanJson>;
}

/** The plan service: the planner (pure, `planning/plan.ts`) fed from the school read model, with a bounded LRU cache. */
export function createPlanService(options: PlanServiceOptions): PlanService {
  const cache = options.cache ?? true;
  const maxEntries = Math.max(1, options.maxEntries ?? DEFAULT_PLAN_CACHE_ENTRIES);
  let catalog: CostCatalog | undefined;
  /** Plans by key, least recently used first (a Map keeps insertion order). */
  const plans = new Map<string, CacheEntry>();
  let sensitivity: { build: number; report: SensitivityReport } | undefined;

  const economics = options.economics ?? DEFAULT_PLAN_ECONOMICS;
  const now = options.now ?? (() => new Date());
  const delivery = options.delivery ?? {
    completion_date: DEFAULT_COMPLETION_DATE,
    buffer_months: DEFAULT_BUFFER_MONTHS,
  };
  const inputFor = (snap: SchoolSnapshot, request: PlanRequest): Parameters<typeof buildPlan>[0] => {
    catalog ??= options.catalog();
    return {
      schools: snap.planSchools,
      catalog,
      scoring: snap.scoring,
      budget_eur: request.budget_eur,
      constraints: request.constraints ?? {},
      economics: request.objective ? { ...economics, objective: request.objective } : economics,
      ...(options.budget ? { budget: options.budget } : {}),
      delivery: { ...delivery, now: now() },
    };
  };
  const solve = (snap: SchoolSnapshot, request: PlanRequest): Plan => buildPlan(inputFor(snap, request));
  const scenarioCache = new Map<string, ScenarioReport>();

  /** The cache entry of `request` over the current read model; undefined with the cache off. */
  async function entryFor(request: PlanRequest): Promise<CacheEntry> {
    const snap = await options.schools.snapshot();
    if (!cache) return { build: snap.id, plan: Promise.resolve().then(() => solve(snap, request)) };
    const key = `${snap.id}|${canonicalJson([request.budget_eur, request.constraints ?? {}, request.objective ?? ''])}`;
    const hit = plans.get(key);
    if (hit) {
      plans.delete(key);
      plans.set(key, hit);
      return hit;
    }
    // Plans of older builds can never be asked for again.
    for (const [k, entry] of plans) if (entry.build !== snap.id) plans.delete(k);
    // Set before anything awaits, so concurrent callers find it and share the solve.
    const entry: CacheEntry = {
      build: snap.id,
      plan: Promise.resolve().then(() => solve(snap, request)),
    };
    plans.set(key, entry);
    if (plans.size > maxEntries) plans.delete(plans.keys().next().value as string);
    // A failed solve (an infeasible constraint) is not kept: the next call says why again.
    entry.plan.catch(() => {
      if (plans.get(key) === entry) plans.delete(key);
    });
    return entry;
  }

  async function plan(request: PlanRequest): Promise<Plan> {
    return (await entryFor(request)).plan;
  }

  return {
    plan,
    async planJson(request) {
      const entry = await entryFor(request);
      entry.json ??= entry.plan.then(async (p) => {
        const json = Buffer.from(JSON.stringify(p));
        return { json, gzip: await gzipAsync(json) };
      });
      return entry.json;
    },
    async explain(schoolId, request) {
      const result = await plan(request);
      let explanation = result.explanations.find((e) => e.school_id === schoolId);
      // Every school is in the plan: one the optimiser did not weigh (a survey first, the owner's action) says why.
      const row = result.schools.find((r) => r.school_id === schoolId);
      if (!explanation && row) {
        explanation = {
          school_id: row.school_id,
          school_name: row.school_name,
          option_id: null,
          why: row.why,
          buys:
            row.survey_cost_eur > 0
              ? `a survey for ${row.survey_cost_eur} EUR; provisional option: ${row.provisional_option || 'none yet'}`
              : row.owner_action || 'nothing in this plan.',
          next_euro: '',
          why_message: row.why_message ?? planMessage('no_improvement'),
          buys_message:
            row.survey_cost_eur > 0
              ? planMessage('survey', { cost_eur: row.survey_cost_eur })
              : (row.owner_action_message ?? planMessage('buys_nothing')),
          next_euro_message: null,
          buys_label_parts:
            row.survey_cost_eur > 0 ? (row.provisional_parts ?? []) : (row.owner_action_parts ?? []),
          options: [],
        };
      }
      if (!explanation) {
        throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} is not in the plan`);
      }
      return {
        ...explanation,
        benefit_per_eur_at_cutoff: result.benefit_per_eur_at_cutoff,
        synthetic: result.synthetic,
      };
    },
    async sensitivity() {
      const snap = await options.schools.snapshot();
      if (cache && sensitivity?.build === snap.id) return sensitivity.report;
      const report = rankingSensitivity(
        snap.planSchools.map((s) => ({
          id: s.id,
          pupils: s.pupils,
          figures: {
            ...s.figures,
            ...(s.inventory?.wifi_coverage_share === undefined
              ? {}
              : { wifi_coverage_share: s.inventory.wifi_coverage_share }),
            ...(s.inventory?.internal === undefined ? {} : { internal: s.inventory.internal }),
          },
        })),
        snap.scoring,
      );
      if (cache) sensitivity = { build: snap.id, report };
      return report;
    },
    async scenarios(request) {
      const snap = await options.schools.snapshot();
      const key = `${snap.id}|${canonicalJson([request.budget_eur, request.constraints ?? {}, request.objective ?? ''])}`;
      const hit = cache ? scenarioCache.get(key) : undefined;
      if (hit) return hit;
      const report = runScenarios(inputFor(snap, request));
      if (cache) {
        for (const k of scenarioCache.keys()) if (!k.startsWith(`${snap.id}|`)) scenarioCache.delete(k);
        if (scenarioCache.size >= maxEntries)
          scenarioCache.delete(scenarioCache.keys().next().value as string);
        scenarioCache.set(key, report);
      }
      return report;
    },
  };
}
