import { readFileSync } from 'node:fs';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';

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

function fail(key: string, expected: string, got: unknown): never {
  throw new SkolnetError(
    ErrorCodes.CONFIG_INVALID,
    `cost catalog: ${key}: expected ${expected}, got ${JSON.stringify(got) ?? String(got)}`,
  );
}

function obj(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(key, 'an object', value);
  return value as Record<string, unknown>;
}

function num(o: Record<string, unknown>, k: string, key: string, min = 0, max = Infinity): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    fail(`${key}.${k}`, `a number from ${min} to ${max}`, v);
  }
  return v;
}

function str(o: Record<string, unknown>, k: string, key: string): string {
  const v = o[k];
  if (typeof v !== 'string' || v.length === 0) fail(`${key}.${k}`, 'a non-empty string', v);
  return v;
}

/** Every price must say where it comes from. */
function sourced(o: Record<string, unknown>, key: string): void {
  const s = o['source'] ?? o['assumption'];
  if (typeof s !== 'string' || s.length < 5) fail(key, 'a "source" or "assumption" text', s);
}

/** Validates a parsed catalog; errors name the key. */
export function parseCostCatalog(value: unknown): CostCatalog {
  const root = obj(value, '(root)');
  str(root, 'version', '(root)');
  if (root['currency'] !== 'EUR') fail('currency', '"EUR"', root['currency']);
  const policy = obj(root['policy'], 'policy');
  num(policy, 'opex_years_in_budget', 'policy', 0, 50);
  num(policy, 'measured_rate_share', 'policy', 0.1, 1);
  if (!Array.isArray(root['line_tiers']) || root['line_tiers'].length === 0) {
    fail('line_tiers', 'a non-empty list', root['line_tiers']);
  }
  root['line_tiers'].forEach((t: unknown, i: number) => {
    const key = `line_tiers[${i}]`;
    const tier = obj(t, key);
    str(tier, 'id', key);
    str(tier, 'technology', key);
    num(tier, 'down_mbps', key, 0.001);
    num(tier, 'up_mbps', key, 0.001);
    num(tier, 'install_eur', key);
    num(tier, 'yearly_eur', key);
    sourced(tier, key);
  });
  const fibre = obj(root['fibre_connection'], 'fibre_connection');
  for (const k of ['base_eur', 'per_metre_eur', 'default_distance_m']) num(fibre, k, 'fibre_connection');
  num(fibre, 'lifetime_years', 'fibre_connection', 1, 100);
  sourced(fibre, 'fibre_connection');
  const ap = obj(root['access_point'], 'access_point');
  for (const k of ['unit_eur', 'install_eur', 'cabling_eur']) num(ap, k, 'access_point');
  num(ap, 'aps_per_uncovered_room', 'access_point', 0.1, 10);
  num(ap, 'lifetime_years', 'access_point', 1, 100);
  sourced(ap, 'access_point');
  const sw = obj(root['switch'], 'switch');
  for (const k of ['unit_eur', 'install_eur']) num(sw, k, 'switch');
  num(sw, 'lifetime_years', 'switch', 1, 100);
  sourced(sw, 'switch');
  const fix = obj(root['config_fix'], 'config_fix');
  num(fix, 'labour_eur', 'config_fix');
  num(fix, 'lifetime_years', 'config_fix', 1, 100);
  sourced(fix, 'config_fix');
  num(ap, 'licence_eur', 'access_point');
  num(ap, 'licence_years', 'access_point', 1, 100);
  const vat = obj(root['vat'], 'vat');
  num(vat, 'rate', 'vat', 0, 1);
  if (typeof vat['prices_include_vat'] !== 'boolean')
    fail('vat.prices_include_vat', 'true or false', vat['prices_include_vat']);
  sourced(vat, 'vat');
  const labour = obj(root['labour'], 'labour');
  for (const k of ['hourly_eur', 'config_fix_hours']) num(labour, k, 'labour');
  sourced(labour, 'labour');
  const survey = obj(root['survey'], 'survey');
  num(survey, 'design_survey_eur', 'survey');
  num(survey, 'lifetime_years', 'survey', 1, 100);
  sourced(survey, 'survey');
  const edge = obj(root['edge'], 'edge');
  for (const k of ['router_firewall_eur', 'ups_eur', 'rack_eur']) num(edge, k, 'edge');
  for (const k of ['router_lifetime_years', 'ups_lifetime_years', 'rack_lifetime_years'])
    num(edge, k, 'edge', 1, 100);
  sourced(edge, 'edge');
  const dc = obj(root['delivery_costs'], 'delivery_costs');
  num(dc, 'project_management_share', 'delivery_costs', 0, 1);
  num(dc, 'contingency_share', 'delivery_costs', 0, 1);
  sourced(dc, 'delivery_costs');
  const lead = obj(root['lead_times'], 'lead_times');
  for (const k of ['line_tier_months', 'fibre_months', 'in_school_months', 'survey_months', 'outage_months'])
    num(lead, k, 'lead_times', 0, 60);
  const frost = lead['fibre_frost_months'];
  if (
    !Array.isArray(frost) ||
    frost.some((m) => !Number.isInteger(m) || (m as number) < 1 || (m as number) > 12)
  )
    fail('lead_times.fibre_frost_months', 'a list of months 1-12', frost);
  sourced(lead, 'lead_times');
  const outage = obj(root['outage'], 'outage');
  for (const k of ['repair_availability_share', 'failover_availability_share', 'ups_downtime_removed_share'])
    num(outage, k, 'outage', 0, 1);
  const tierId = str(outage, 'failover_tier', 'outage');
  if (!(root['line_tiers'] as { id?: unknown }[]).some((t) => t.id === tierId))
    fail('outage.failover_tier', 'the id of a line tier', tierId);
  sourced(outage, 'outage');
  const effects = obj(root['effects'], 'effects');
  for (const k of ['fibre_rtt_p95_ms', 'fibre_jitter_ms', 'fibre_loss_pct']) num(effects, k, 'effects');
  num(effects, 'fibre_availability_share', 'effects', 0, 1);
  num(effects, 'wifi_share_after_aps', 'effects', 0, 1);
  sourced(effects, 'effects');
  return root as unknown as CostCatalog;
}

/**
 * Lays tender prices over a catalog: `prices` maps a catalog key
 * (`access_point.unit_eur`, `line_tiers.fibre-300.yearly_eur`, addressing a
 * tier by its id) to a number, with `source` naming the tender. A key the
 * catalog does not have, a value that is not a number, or a result the
 * catalog's rules reject stops with `SKOLNET_CONFIG_INVALID` naming the
 * key; the catalog passed in is left as it was.
 */
export function applyTenderPrices(catalog: CostCatalog, value: unknown): CostCatalog {
  const doc = obj(value, 'tender prices');
  const source = doc['source'];
  if (typeof source !== 'string' || source.length < 5)
    fail('tender prices: source', 'text naming the tender (at least 5 characters)', source);
  const prices = obj(doc['prices'], 'tender prices: prices');
  const out = structuredClone(catalog) as unknown as Record<string, unknown>;
  for (const [key, price] of Object.entries(prices)) {
    if (typeof price !== 'number' || !Number.isFinite(price) || price < 0)
      fail(`tender prices: prices.${key}`, 'a number >= 0', price);
    const path = key.split('.');
    let node: unknown = out;
    for (let i = 0; i < path.length - 1; i += 1) {
      const k = path[i] as string;
      node = Array.isArray(node)
        ? (node as { id?: unknown }[]).find((t) => t.id === k)
        : (node as Record<string, unknown> | undefined)?.[k];
      if (typeof node !== 'object' || node === null)
        fail(`tender prices: prices.${key}`, 'a key of the cost catalog', key);
    }
    const leaf = path[path.length - 1] as string;
    const target = node as Record<string, unknown>;
    if (typeof target[leaf] !== 'number')
      fail(`tender prices: prices.${key}`, 'a priced key of the cost catalog', key);
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
