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
  const effects = obj(root['effects'], 'effects');
  for (const k of ['fibre_rtt_p95_ms', 'fibre_jitter_ms', 'fibre_loss_pct']) num(effects, k, 'effects');
  num(effects, 'fibre_availability_share', 'effects', 0, 1);
  num(effects, 'wifi_share_after_aps', 'effects', 0, 1);
  sourced(effects, 'effects');
  return root as unknown as CostCatalog;
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
