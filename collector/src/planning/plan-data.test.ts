import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { parsePlanningInputs, type PlanningInputs } from './plan-data.js';

/** The message of the error `parsePlanningInputs(value)` throws; fails the test when it throws none or another. */
function refusal(value: unknown): string {
  try {
    parsePlanningInputs(value);
  } catch (err) {
    expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

/** A document of one school whose inventory is `inventory`. */
const withInventory = (inventory: unknown): unknown => ({
  version: 1,
  schools: [{ school_id: 's1', inventory }],
});

describe('planning inputs checked by their schema', () => {
  it('takes a full document as it is', () => {
    const doc: PlanningInputs = {
      version: 1,
      synthetic: true,
      schools: [
        {
          school_id: 's1',
          inventory: {
            line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 800 },
            limiting_segment: 'internet',
            teaching_rooms: 20,
            uncovered_rooms: 4,
            wifi_coverage_share: 0.8,
            internal: { switches_total: 3, switches_100m: 1, ssid_24ghz_only: false },
          },
          support: { pupils_vulnerable: 12, pupils_support_plan: 5 },
        },
      ],
    };
    expect(parsePlanningInputs(structuredClone(doc))).toEqual(doc);
  });

  it('refuses a misspelt key and a share above 1 instead of planning on them', () => {
    // A misspelt key would plan the school as if every room were covered.
    expect(refusal(withInventory({ uncoverd_rooms: 4 }))).toMatch(
      /^planning inputs: schools\[0\]\.inventory\.uncoverd_rooms: expected one of line, .*uncovered_rooms.*, got "uncoverd_rooms"$/,
    );
    expect(refusal(withInventory({ wifi_coverage_share: 1.5 }))).toBe(
      'planning inputs: schools[0].inventory.wifi_coverage_share: expected a number from 0 to 1, got 1.5',
    );
  });

  it('names the key, what it takes and what it got', () => {
    expect(refusal({ version: 2, schools: [] })).toBe('planning inputs: version: expected 1, got 2');
    expect(refusal({ version: 1, schools: [{ school_id: 's1', support: { pupils_vulnerable: -2 } }] })).toBe(
      'planning inputs: schools[0].support.pupils_vulnerable: expected a number >= 0, got -2',
    );
    expect(refusal(withInventory({ internal: { ssid_24ghz_only: 'no' } }))).toBe(
      'planning inputs: schools[0].inventory.internal.ssid_24ghz_only: expected true or false, got "no"',
    );
  });
});
