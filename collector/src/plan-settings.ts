import { readFileSync } from 'node:fs';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { applyTenderPrices, loadCostCatalog, type CostCatalog } from './planning/catalog.js';
import {
  DEFAULT_PLAN_ECONOMICS,
  PLAN_OBJECTIVES,
  parsePlanEconomics,
  type PlanEconomics,
  type PlanObjective,
} from './planning/economics.js';
import {
  DEFAULT_BUDGET_EUR,
  DEFAULT_BUDGET_SOURCE,
  type DeliverySettings,
  type PlanBudget,
} from './planning/plan.js';
import { DEFAULT_BUFFER_MONTHS, DEFAULT_COMPLETION_DATE } from './services/plan-service.js';

/**
 * The plan's settings as the CLI's `plan` and `serve` take them (and so as
 * keys of the collector's YAML config: `budget`, `budget-source`,
 * `completion-date`, …). One set of options and one parser for both
 * commands, so the API's plan and the CLI's agree.
 */
export interface PlanSettingOptions {
  budget: number;
  budgetSource?: string;
  budgetNet?: boolean;
  catalog?: string;
  prices?: string;
  economics?: string;
  objective: PlanObjective;
  discountRate?: number;
  horizon?: number;
  minEvidenceDays?: number;
  fundSubscriptions?: boolean;
  completionDate: string;
  bufferMonths: number;
  fibrePerMonth?: number;
}

/** The plan's settings, parsed: what the plan service and the plan routes take. */
export interface PlanSettings {
  /** The budget a plan gets when the request names none, EUR. */
  budget_eur: number;
  /** Budget source and VAT treatment; undefined: the programme total's caveat, gross. */
  budget?: Omit<PlanBudget, 'budget_eur'>;
  economics: PlanEconomics;
  delivery: Omit<DeliverySettings, 'now'>;
  /** The cost catalog with any tender prices applied; called once, on the first plan. */
  catalog: () => CostCatalog;
}

/** The settings with every option left at its default. */
export const DEFAULT_PLAN_SETTINGS: PlanSettings = {
  budget_eur: DEFAULT_BUDGET_EUR,
  economics: DEFAULT_PLAN_ECONOMICS,
  delivery: { completion_date: DEFAULT_COMPLETION_DATE, buffer_months: DEFAULT_BUFFER_MONTHS },
  catalog: () => loadCostCatalog(),
};

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  }
  return n;
}

/** A calendar date YYYY-MM-DD that exists (2026-02-30 does not). */
function parseCompletionDate(value: string): string {
  const at = new Date(`${value}T00:00:00Z`);
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(value) ||
    Number.isNaN(at.getTime()) ||
    !at.toISOString().startsWith(value)
  ) {
    throw new InvalidArgumentError(`expected a date YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

/**
 * Adds the plan's options to `command` (`plan` and `serve`). In a config
 * file each is a key of the same name; a bad value stops with
 * `SKOLNET_CONFIG_INVALID` naming the key (config-file.ts).
 */
export function addPlanSettingOptions(command: Command): Command {
  return command
    .option(
      '--budget <eur>',
      "the plan's budget in EUR: the network strand's (default: the programme total, which also buys laptops)",
      parseNumber,
      DEFAULT_BUDGET_EUR,
    )
    .option('--budget-source <text>', "where the budget's figure comes from (the network strand's decision)")
    .option('--budget-net', 'the budget excludes VAT (default: it includes VAT, and prices are taken gross)')
    .option('--catalog <file>', 'cost catalog JSON (default: collector/catalog/costs.v1.json)')
    .option(
      '--prices <file>',
      'tender prices over the catalog: {"source": "…", "prices": {"access_point.unit_eur": 480, …}}',
    )
    .option(
      '--economics <file>',
      'JSON overrides of the objective settings (discount_rate, horizon_years, floor, target, weights, …)',
    )
    .addOption(
      new Option('--objective <name>', 'what the optimiser maximises (docs/methodology.md)')
        .choices([...PLAN_OBJECTIVES])
        .default(DEFAULT_PLAN_ECONOMICS.objective),
    )
    .option('--discount-rate <rate>', 'social discount rate per year (default 0.05)', parseNumber)
    .option('--horizon <years>', 'appraisal horizon in years (default 15)', parseNumber)
    .option(
      '--min-evidence-days <n>',
      'school days of throughput results before a school is funded (default 3)',
      parseNumber,
    )
    .option('--fund-subscriptions', 'let programme money buy faster subscriptions on the same line')
    .option(
      '--completion-date <date>',
      "the programme's current completion date, YYYY-MM-DD (set it: the default is the original 2026-06-30)",
      parseCompletionDate,
      DEFAULT_COMPLETION_DATE,
    )
    .option(
      '--buffer-months <n>',
      'months kept free before the completion date',
      parseNumber,
      DEFAULT_BUFFER_MONTHS,
    )
    .option('--fibre-per-month <n>', 'new fibre connections the operators can build per month', parseNumber);
}

function readJson(path: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `${what} ${path} cannot be read as JSON`, {
      cause: err,
    });
  }
}

/**
 * Parses the plan's options into {@link PlanSettings}: reads the economics
 * and tender-price files now (a bad one stops the command at start, not at
 * the first plan), the catalog on the first plan.
 */
export function planSettingsFrom(opts: PlanSettingOptions): PlanSettings {
  const fromFile: unknown = opts.economics === undefined ? {} : readJson(opts.economics, 'economics');
  if (typeof fromFile !== 'object' || fromFile === null || Array.isArray(fromFile)) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `economics ${opts.economics}: expected a JSON object`);
  }
  const economics = parsePlanEconomics({
    ...(fromFile as Record<string, unknown>),
    objective: opts.objective,
    ...(opts.discountRate === undefined ? {} : { discount_rate: opts.discountRate }),
    ...(opts.horizon === undefined ? {} : { horizon_years: opts.horizon }),
    ...(opts.minEvidenceDays === undefined ? {} : { min_evidence_school_days: opts.minEvidenceDays }),
    ...(opts.fundSubscriptions === true ? { fund_subscription_changes: true } : {}),
  });
  // A catalog or tender prices the operator named are read now, so a bad one stops the start.
  let catalog: CostCatalog | undefined;
  if (opts.catalog !== undefined || opts.prices !== undefined) {
    catalog = loadCostCatalog(opts.catalog);
    if (opts.prices !== undefined)
      catalog = applyTenderPrices(catalog, readJson(opts.prices, 'tender prices'));
  }
  return {
    budget_eur: opts.budget,
    ...(opts.budgetSource === undefined && opts.budgetNet !== true
      ? {}
      : {
          budget: {
            source: opts.budgetSource ?? DEFAULT_BUDGET_SOURCE,
            includes_vat: opts.budgetNet !== true,
            laptops_spend_eur: null,
          },
        }),
    economics,
    delivery: {
      completion_date: opts.completionDate,
      buffer_months: opts.bufferMonths,
      ...(opts.fibrePerMonth === undefined ? {} : { fibre_per_month: opts.fibrePerMonth }),
    },
    catalog: () => (catalog ??= loadCostCatalog()),
  };
}
