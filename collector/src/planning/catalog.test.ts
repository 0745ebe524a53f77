import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { applyTenderPrices, loadCostCatalog, parseCostCatalog, type CostCatalog } from './catalog.js';

/** The message of the error `run` throws; fails the test when it throws none or another. */
function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    return (err as Error).message;
  }
  throw new Error('accepted');
}

const shipped = loadCostCatalog();
// The tests edit the catalog into shapes its type forbids.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
/** The shipped catalog with `change` applied to a copy. */
function edited(change: (c: Loose) => void): unknown {
  const copy = structuredClone(shipped) as unknown as Loose;
  change(copy);
  return copy;
}

describe('cost catalog checked by its schema', () => {
  it('reads the shipped catalog, notes and all', () => {
    expect(parseCostCatalog(structuredClone(shipped))).toEqual(shipped);
  });

  it('refuses a catalog without the keys its type promises', () => {
    expect(refusal(() => parseCostCatalog(edited((c) => delete c['valid_from'])))).toBe(
      'cost catalog: valid_from: expected a string, got nothing',
    );
  });

  it('names the key, what it takes and what it got', () => {
    expect(refusal(() => parseCostCatalog(edited((c) => (c['vat'].rate = 1.2))))).toBe(
      'cost catalog: vat.rate: expected a number from 0 to 1, got 1.2',
    );
    expect(
      refusal(() => parseCostCatalog(edited((c) => (c['lead_times'].fibre_frost_months = [12, 0])))),
    ).toBe('cost catalog: lead_times.fibre_frost_months[1]: expected a month 1-12, got 0');
    expect(refusal(() => parseCostCatalog(edited((c) => (c['currency'] = 'USD'))))).toBe(
      'cost catalog: currency: expected "EUR", got "USD"',
    );
    expect(refusal(() => parseCostCatalog(edited((c) => (c['outage'].failover_tier = 'none'))))).toBe(
      'cost catalog: outage.failover_tier: expected the id of a line tier, got "none"',
    );
    expect(
      refusal(() =>
        parseCostCatalog(
          edited((c) => {
            delete c['switch'].assumption;
          }),
        ),
      ),
    ).toBe('cost catalog: switch: expected a "source" or "assumption" text, got nothing');
  });
});

describe('tender prices checked by their schema', () => {
  const catalog: CostCatalog = shipped;
  it('refuses a key the file format does not have instead of ignoring it', () => {
    // "lot" is not read anywhere: a price put there would silently not apply.
    expect(
      refusal(() =>
        applyTenderPrices(catalog, {
          source: 'IUB tender 2026/17',
          prices: {},
          lot: { 'switch.unit_eur': 1 },
        }),
      ),
    ).toBe('cost catalog: tender prices: lot: expected one of source, prices, got "lot"');
  });

  it('names the price, what it takes and what it got', () => {
    expect(
      refusal(() =>
        applyTenderPrices(catalog, { source: 'IUB tender 2026/17', prices: { 'switch.unit_eur': -1 } }),
      ),
    ).toBe('cost catalog: tender prices: prices.switch.unit_eur: expected a number >= 0, got -1');
    expect(refusal(() => applyTenderPrices(catalog, { source: 'X', prices: {} }))).toBe(
      'cost catalog: tender prices: source: expected text naming the tender (at least 5 characters), got "X"',
    );
  });
});
