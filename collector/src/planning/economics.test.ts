import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { DEFAULT_PLAN_ECONOMICS, parsePlanEconomics } from './economics.js';

/** The message of the error `parsePlanEconomics(value)` throws; fails the test when it throws none or another. */
function refusal(value: unknown): string {
  try {
    parsePlanEconomics(value);
  } catch (err) {
    expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('plan economics file checked by its schema', () => {
  it('lays overrides over the defaults and rounds whole years and days', () => {
    expect(parsePlanEconomics({})).toEqual(DEFAULT_PLAN_ECONOMICS);
    const e = parsePlanEconomics({ discount_rate: 0.03, horizon_years: 19.6, min_evidence_school_days: 2.4 });
    expect(e).toEqual({
      ...DEFAULT_PLAN_ECONOMICS,
      discount_rate: 0.03,
      horizon_years: 20,
      min_evidence_school_days: 2,
    });
  });

  it('refuses a size minimum that is negative or carries a misspelt key', () => {
    const target = DEFAULT_PLAN_ECONOMICS.target;
    expect(refusal({ target: { ...target, size_minimums: [{ max_pupils: 100, min_mbps: -50 }] } })).toBe(
      'plan economics: target.size_minimums[0].min_mbps: expected a number >= 0, got -50',
    );
    expect(
      refusal({ target: { ...target, size_minimums: [{ max_pupils: 100, min_mbps: 50, min_mpbs: 60 }] } }),
    ).toBe(
      'plan economics: target.size_minimums[0].min_mpbs: expected one of max_pupils, min_mbps, got "min_mpbs"',
    );
    expect(refusal({ floor: { ...DEFAULT_PLAN_ECONOMICS.floor, dowload_mbps: 30 } })).toBe(
      'plan economics: floor.dowload_mbps: expected one of download_mbps, availability_share, got "dowload_mbps"',
    );
  });

  it('names the key, what it takes and what it got', () => {
    expect(refusal({ discount_rate: 0.5 })).toBe(
      'plan economics: discount_rate: expected a number from 0 to 0.2, got 0.5',
    );
    expect(refusal({ objective: 'cheapest' })).toBe(
      'plan economics: objective: expected "cost_effectiveness" or "score_delta", got "cheapest"',
    );
    expect(refusal({ fund_subscription_changes: 'yes' })).toBe(
      'plan economics: fund_subscription_changes: expected true or false, got "yes"',
    );
    expect(refusal({ floor: { download_mbps: 20 } })).toBe(
      'plan economics: floor.availability_share: expected a number from 0 to 1, got nothing',
    );
    expect(refusal({ horizon: 20 })).toMatch(
      /^plan economics: horizon: expected one of objective, discount_rate, horizon_years, .*, got "horizon"$/,
    );
    expect(refusal([1])).toBe('plan economics: (root): expected an object, got [1]');
  });
});
