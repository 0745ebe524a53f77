import { readFileSync } from 'node:fs';
import { Type, type Static } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { createConfigCheck, invalid } from '../config-check.js';

/**
 * The cost catalog (`collector/catalog/costs.v1.json`): unit prices in
 * EUR, each with its source or the assumption behind it. Validation only;
 * {@link loadCostCatalog} is the one function here that reads a file.
 */

/** A line tier a school can order. */
export interface LineTier {
  id: string;
  /** `dsl`, `mobile` or `fibre`: a tier can be ordered on a line of its technology. */
  technology: string;
  down_mbps: number;
  up_mbps: number;
  /** One-off activation, EUR. */
  install_eur: number;
  /** Yearly subscription, EUR. */
  yearly_eur: number;
  source?: string;
  assumption?: string;
}

/** A section that says where its figures come from. */
interface Priced0 {
  source?: string;
  assumption?: string;
}

/** A priced item with its lifetime. */
interface Priced {
  lifetime_years: number;
  source?: string;
  assumption?: string;
}

/** The catalog. */
export interface CostCatalog {
  version: string;
  currency: 'EUR';
  valid_from: string;
  policy: {
    /** Years of extra yearly cost charged to the budget with the capex. */
    opex_years_in_budget: number;
    /** Share of a line's nominal rate a speed test measures. */
    measured_rate_share: number;
  };
  line_tiers: LineTier[];
  fibre_connection: Priced & { base_eur: number; per_metre_eur: number; default_distance_m: number };
  access_point: Priced & {
    unit_eur: number;
    install_eur: number;
    cabling_eur: number;
    aps_per_uncovered_room: number;
    /** Management licence, EUR per licence term; a part of its own with {@link licence_years} of life. */
    licence_eur: number;
    licence_years: number;
  };
  /** VAT: catalog prices are net unless `prices_include_vat`. */
  vat: { rate: number; prices_include_vat: boolean; source?: string };
  /** Configuration work's labour cost. */
  labour: Priced0 & { hourly_eur: number; config_fix_hours: number };
  /** Design and site survey per school. */
  survey: Priced & { design_survey_eur: number };
  /** Edge equipment. */
  edge: Priced0 & {
    router_firewall_eur: number;
    router_lifetime_years: number;
    ups_eur: number;
    ups_lifetime_years: number;
    rack_eur: number;
    rack_lifetime_years: number;
  };
  /** Shares of the programme's capital cost added to every option. */
  delivery_costs: Priced0 & { project_management_share: number; contingency_share: number };
  /** Months from order to working service. */
  lead_times: Priced0 & {
    line_tier_months: number;
    fibre_months: number;
    /** Months (1-12) in which no trench is dug. */
    fibre_frost_months: number[];
    in_school_months: number;
    survey_months: number;
    outage_months: number;
  };
  /** Outage remedies and their expected effects. */
  outage: Priced0 & {
    repair_availability_share: number;
    /** Line tier id of the second (failover) line. */
    failover_tier: string;
    failover_availability_share: number;
    ups_downtime_removed_share: number;
  };
  switch: Priced & { unit_eur: number; install_eur: number };
  config_fix: Priced & { labour_eur: number };
  effects: {
    fibre_rtt_p95_ms: number;
    fibre_jitter_ms: number;
    fibre_loss_pct: number;
    fibre_availability_share: number;
    wifi_share_after_aps: number;
  };
}

const WHAT = 'cost catalog';
const Eur = Type.Number({ minimum: 0 });
const Years = Type.Number({ minimum: 1, maximum: 100 });
const Share = Type.Number({ minimum: 0, maximum: 1 });
const Text = Type.String({ minLength: 1 });
/** Where a section's figures come from; the rule "one of the two, 5 characters or more" is checked after the schema. */
const sourcing = { source: Type.Optional(Type.String()), assumption: Type.Optional(Type.String()) };
const priced = { lifetime_years: Years, ...sourcing };

/**
 * The shape and ranges of a {@link CostCatalog}. A section may carry
 * further keys (notes such as `measured_rate_assumption`): the catalog is
 * a document people annotate, and the planner reads only the keys below.
 */
export const CostCatalogSchema = Type.Object({
  version: Text,
  currency: Type.Literal('EUR'),
  valid_from: Type.String(),
  policy: Type.Object({
    opex_years_in_budget: Type.Number({ minimum: 0, maximum: 50 }),
    measured_rate_share: Type.Number({ minimum: 0.1, maximum: 1 }),
  }),
  line_tiers: Type.Array(
    Type.Object({
      id: Text,
      technology: Text,
      down_mbps: Type.Number({ minimum: 0.001 }),
      up_mbps: Type.Number({ minimum: 0.001 }),
      install_eur: Eur,
      yearly_eur: Eur,
      ...sourcing,
    }),
    { minItems: 1 },
  ),
  fibre_connection: Type.Object({ base_eur: Eur, per_metre_eur: Eur, default_distance_m: Eur, ...priced }),
  access_point: Type.Object({
    unit_eur: Eur,
    install_eur: Eur,
    cabling_eur: Eur,
    aps_per_uncovered_room: Type.Number({ minimum: 0.1, maximum: 10 }),
    licence_eur: Eur,
    licence_years: Years,
    ...priced,
  }),
  switch: Type.Object({ unit_eur: Eur, install_eur: Eur, ...priced }),
  config_fix: Type.Object({ labour_eur: Eur, ...priced }),
  vat: Type.Object({ rate: Share, prices_include_vat: Type.Boolean(), ...sourcing }),
  labour: Type.Object({ hourly_eur: Eur, config_fix_hours: Eur, ...sourcing }),
  survey: Type.Object({ design_survey_eur: Eur, ...priced }),
  edge: Type.Object({
    router_firewall_eur: Eur,
    router_lifetime_years: Years,
    ups_eur: Eur,
    ups_lifetime_years: Years,
    rack_eur: Eur,
    rack_lifetime_years: Years,
    ...sourcing,
  }),
  delivery_costs: Type.Object({ project_management_share: Share, contingency_share: Share, ...sourcing }),
  lead_times: Type.Object({
    line_tier_months: Type.Number({ minimum: 0, maximum: 60 }),
    fibre_months: Type.Number({ minimum: 0, maximum: 60 }),
    fibre_frost_months: Type.Array(Type.Integer({ minimum: 1, maximum: 12, expected: 'a month 1-12' })),
    in_school_months: Type.Number({ minimum: 0, maximum: 60 }),
    survey_months: Type.Number({ minimum: 0, maximum: 60 }),
    outage_months: Type.Number({ minimum: 0, maximum: 60 }),
    ...sourcing,
  }),
  outage: Type.Object({
    repair_availability_share: Share,
    failover_tier: Text,
    failover_availability_share: Share,
    ups_downtime_removed_share: Share,
    ...sourcing,
  }),
  effects: Type.Object({
    fibre_rtt_p95_ms: Eur,
    fibre_jitter_ms: Eur,
    fibre_loss_pct: Eur,
    fibre_availability_share: Share,
    wifi_share_after_aps: Share,
    ...sourcing,
  }),
});

// The schema's type is the interface's: a key the interface gains and the schema lacks fails here.
const _schemaMatchesInterface = (v: Static<typeof CostCatalogSchema>): CostCatalog => v;

const checkCatalog = createConfigCheck(CostCatalogSchema, WHAT);

/** Every price must say where it comes from. */
function sourced(o: { source?: string; assumption?: string }, key: string): void {
  const s = o.source ?? o.assumption;
  if (s === undefined || s.length < 5) throw invalid(WHAT, key, 'a "source" or "assumption" text', s);
}

/** Checks a parsed catalog against {@link CostCatalogSchema} and its rules; errors name the key. */
export function parseCostCatalog(value: unknown): CostCatalog {
  const catalog = checkCatalog(value);
  catalog.line_tiers.forEach((tier, i) => sourced(tier, `line_tiers[${i}]`));
  for (const key of [
    'fibre_connection',
    'access_point',
    'switch',
    'config_fix',
    'vat',
    'labour',
    'survey',
    'edge',
    'delivery_costs',
    'lead_times',
  ] as const) {
    sourced(catalog[key], key);
  }
  if (!catalog.line_tiers.some((t) => t.id === catalog.outage.failover_tier)) {
    throw invalid(WHAT, 'outage.failover_tier', 'the id of a line tier', catalog.outage.failover_tier);
  }
  sourced(catalog.outage, 'outage');
  sourced(catalog.effects, 'effects');
  return catalog;
}

/** A tender-prices file (`--prices FILE`). */
export const TenderPrices = Type.Object(
  {
    source: Type.String({ minLength: 5, expected: 'text naming the tender (at least 5 characters)' }),
    /** Catalog key (`access_point.unit_eur`, `line_tiers.<tier id>.yearly_eur`) → price, EUR. */
    prices: Type.Record(Type.String(), Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

const checkTenderPrices = createConfigCheck(TenderPrices, `${WHAT}: tender prices`);

/**
 * Lays tender prices over a catalog: `prices` maps a catalog key
 * (`access_point.unit_eur`, `line_tiers.fibre-300.yearly_eur`, addressing a
 * tier by its id) to a number, with `source` naming the tender. A key the
 * catalog does not have, a value that is not a number, or a result the
 * catalog's rules reject stops with `SKOLNET_CONFIG_INVALID` naming the
 * key; the catalog passed in is left as it was.
 */
export function applyTenderPrices(catalog: CostCatalog, value: unknown): CostCatalog {
  const { source, prices } = checkTenderPrices(value);
  const fail = (key: string, expected: string): never => {
    throw invalid(WHAT, `tender prices: prices.${key}`, expected, key);
  };
  const out = structuredClone(catalog) as unknown as Record<string, unknown>;
  for (const [key, price] of Object.entries(prices)) {
    const path = key.split('.');
    let node: unknown = out;
    for (let i = 0; i < path.length - 1; i += 1) {
      const k = path[i] as string;
      node = Array.isArray(node)
        ? (node as { id?: unknown }[]).find((t) => t.id === k)
        : (node as Record<string, unknown> | undefined)?.[k];
      if (typeof node !== 'object' || node === null) fail(key, 'a key of the cost catalog');
    }
    const leaf = path[path.length - 1] as string;
    const target = node as Record<string, unknown>;
    if (typeof target[leaf] !== 'number') fail(key, 'a priced key of the cost catalog');
    target[leaf] = price;
    target['source'] = `tender: ${source}`;
  }
  return parseCostCatalog(out);
}

/** The catalog shipped with the collector. */
export const DEFAULT_CATALOG_URL = new URL('../../catalog/costs.v1.json', import.meta.url);

/** Reads and validates a catalog file (default: the shipped one). */
export function loadCostCatalog(path: string | URL = DEFAULT_CATALOG_URL): CostCatalog {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `cost catalog ${String(path)} cannot be read`, {
      cause: err,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CONFIG_INVALID, `cost catalog ${String(path)} is not JSON`, {
      cause: err,
    });
  }
  return parseCostCatalog(parsed);
}
