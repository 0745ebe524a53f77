import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { CSV_DELIMITERS, ErrorCodes, SkolnetError, type CsvDelimiter } from '@skolnet/shared';
import { planWorkbook } from '../export/plan-workbook.js';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../ingest/result-clock.js';
import { addPlanSettingOptions, planSettingsFrom, type PlanSettingOptions } from '../plan-settings.js';
import { DEFAULT_PLAN_LANG, PLAN_LANGS, type PlanLang } from '../planning/plan-labels.js';
import {
  parsePlanInstance,
  planToCsv,
  solveInstance,
  type Plan,
  type PlanConstraints,
} from '../planning/plan.js';
import { resolveDatabaseUrl } from '../server.js';
import { createPlanService } from '../services/plan-service.js';
import { createSchoolService } from '../services/school-service.js';
import { createStore } from '../storage/kysely-store.js';
import { DATA_DIR_HELP, databaseOption, readJson, scoringFrom, type CliIo } from './common-options.js';
import {
  instanceTable,
  instanceTotals,
  planReport,
  planSummary,
  planTable,
  planTotals,
  scenarioTable,
} from './plan-output.js';

function parseNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  }
  return n;
}

/**
 * The `plan` command: the upgrade plan within a budget through the plan
 * service the running collector uses, or an instance file solved as it is;
 * JSON, CSV, a table, or the XLSX workbook (`export/plan-workbook.ts`).
 */
export function createPlanCommand(io: CliIo): Command {
  return addPlanSettingOptions(new Command('plan'))
    .description(
      'the upgrade plan within a budget, over the collector data or an instance file (docs/methodology.md)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'output format (default: a table on a terminal, else json; json in a file)',
      ).choices(['json', 'csv', 'xlsx', 'table']),
    )
    .option('--out <file>', 'write to this file instead of stdout (required for xlsx)')
    .addOption(
      new Option('--lang <lang>', 'language of the xlsx headers and sheet names')
        .choices(PLAN_LANGS)
        .default(DEFAULT_PLAN_LANG),
    )
    .addOption(
      new Option(
        '--delimiter <delimiter>',
        'csv cell separator (default comma); semicolon, with a decimal comma and a UTF-8 BOM, opens in columns in Excel with Latvian regional settings',
      ).choices(CSV_DELIMITERS),
    )
    .option('--data <dir>', DATA_DIR_HELP, './data')
    .addOption(databaseOption())
    .option(
      '--instance <file>',
      'solve an instance file {"schools": [{"id", "options": [{"id", "cost_eur", "benefit"}]}]} instead',
    )
    .option('--scoring <file>', 'scoring config JSON')
    .option('--min-score <score>', 'every school must reach this score where an option can', parseNumber)
    .option('--municipality-cap <eur>', 'most spent per municipality, EUR', parseNumber)
    .option('--installs-per-month <n>', 'installer capacity: in-school installations per month', parseNumber)
    .option('--months <n>', 'months to the deadline (with --installs-per-month)', parseNumber)
    .option(
      '--scenarios',
      'write the scenario analysis (share of scenarios funding each school) instead of the plan',
    )
    .action(
      async (
        opts: {
          format?: 'json' | 'csv' | 'xlsx' | 'table';
          out?: string;
          lang: PlanLang;
          delimiter?: CsvDelimiter;
          data: string;
          database?: string;
          instance?: string;
          scoring?: string;
          minScore?: number;
          municipalityCap?: number;
          installsPerMonth?: number;
          months?: number;
          scenarios?: boolean;
        } & PlanSettingOptions,
      ) => {
        const constraints: PlanConstraints = {
          ...(opts.minScore === undefined ? {} : { min_score: opts.minScore }),
          ...(opts.municipalityCap === undefined ? {} : { municipality_cap_eur: opts.municipalityCap }),
          ...(opts.installsPerMonth === undefined ? {} : { installs_per_month: opts.installsPerMonth }),
          ...(opts.months === undefined ? {} : { months_to_deadline: opts.months }),
        };
        // A person at a terminal gets a table; a pipe or a file gets JSON unless told otherwise.
        const format = opts.format ?? (opts.out === undefined && io.stdoutIsTerminal ? 'table' : 'json');
        const emit = (text: string | Buffer): void => {
          if (opts.out !== undefined) writeFileSync(opts.out, text);
          else io.out(typeof text === 'string' ? text.replace(/\n$/, '') : text.toString('base64'));
        };
        // Always, on stderr, whatever went to stdout or the file.
        const summarise = (summary: string): void =>
          io.err(opts.out === undefined ? summary : `${summary} → ${opts.out}`);
        // Said, not ignored: someone asking for semicolons expects a CSV.
        if (opts.delimiter !== undefined && format !== 'csv') {
          throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, '--delimiter needs --format csv');
        }
        if (opts.instance !== undefined) {
          if (format !== 'json' && format !== 'table') {
            throw new SkolnetError(
              ErrorCodes.CLI_BAD_ARGUMENT,
              'an instance plan is written as --format json (or a table)',
            );
          }
          const instance = parsePlanInstance(readJson(opts.instance, 'instance'));
          const solved = solveInstance(instance, opts.budget, constraints);
          emit(
            format === 'table'
              ? `${instanceTable(solved).join('\n')}\n`
              : `${JSON.stringify(solved, null, 2)}\n`,
          );
          summarise(planSummary(instanceTotals(solved, opts.budget)));
          return;
        }
        if (format === 'xlsx' && opts.out === undefined) {
          throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, '--format xlsx needs --out FILE');
        }
        if (opts.scenarios === true && format !== 'json' && format !== 'table') {
          throw new SkolnetError(
            ErrorCodes.CLI_BAD_ARGUMENT,
            '--scenarios is written as --format json (or a table)',
          );
        }
        const scoring = scoringFrom(opts.scoring);
        const settings = planSettingsFrom(opts);
        const store = await createStore(resolveDatabaseUrl(opts.database, opts.data));
        let output: string;
        let summary: string;
        let plan: Plan | undefined;
        // One clock reading for the plan and the workbook's date, injectable in tests.
        const now = (io.now ?? (() => new Date()))();
        try {
          // As `serve` does: results dated after now plus the skew do not count.
          store.setReadHorizon(() => new Date(now.getTime() + DEFAULT_MAX_CLOCK_SKEW_MS));
          // The services the running collector uses, so the CLI's plan is the API's.
          const schools = createSchoolService({ store, scoring: () => scoring, now: () => now });
          const service = createPlanService({
            schools,
            catalog: settings.catalog,
            economics: settings.economics,
            ...(settings.budget === undefined ? {} : { budget: settings.budget }),
            delivery: settings.delivery,
            now: () => now,
          });
          const request = { budget_eur: opts.budget, constraints };
          if (opts.scenarios === true) {
            const report = await service.scenarios(request);
            output =
              format === 'table'
                ? `${scenarioTable(report).join('\n')}\n`
                : `${JSON.stringify(report, null, 2)}\n`;
            summary = `scenarios: ${report.scenarios.length}; schools funded in every scenario ${report.robust}, in none ${report.never}, in some ${report.sensitive}`;
          } else {
            plan = await service.plan(request);
            output = '';
            summary = planSummary(planTotals(plan));
          }
        } finally {
          await store.close();
        }
        if (plan === undefined) emit(output);
        else if (format === 'csv') emit(planToCsv(plan, opts.delimiter));
        else if (format === 'xlsx') emit(await planWorkbook(plan, { lang: opts.lang, now }));
        else if (format === 'table') emit(`${[...planReport(plan), '', ...planTable(plan)].join('\n')}\n`);
        else emit(`${JSON.stringify(plan, null, 2)}\n`);
        summarise(summary);
      },
    );
}
