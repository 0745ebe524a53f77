import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { DEFAULT_SCORING_CONFIG, parseScoringConfig, validateScoringConfig } from './score-config.js';

/** The message of the error `parseScoringConfig(override)` throws; fails the test when it throws none or another. */
function refusal(override: unknown): string {
  try {
    parseScoringConfig(override);
  } catch (err) {
    expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    return (err as Error).message;
  }
  throw new Error(`accepted ${JSON.stringify(override)}`);
}

describe('scoring config checked by its schema', () => {
  it('takes the defaults as they are', () => {
    expect(() => validateScoringConfig(DEFAULT_SCORING_CONFIG)).not.toThrow();
    expect(parseScoringConfig({})).toEqual(DEFAULT_SCORING_CONFIG);
  });

  it('refuses thresholds out of range that used to pass unchecked', () => {
    // A negative confidence threshold would call any school "high" confidence.
    expect(refusal({ confidence: { high: { school_days: -1 } } })).toBe(
      'scoring config: confidence.high.school_days: expected a number >= 0, got -1',
    );
    // A share above 1 can never be reached: the no-Wi-Fi cap would apply to every school.
    expect(refusal({ caps: { no_wifi: { share_below: 2 } } })).toBe(
      'scoring config: caps.no_wifi.share_below: expected a number from 0 to 1, got 2',
    );
    expect(refusal({ components: { availability: { min_samples: -3 } } })).toBe(
      'scoring config: components.availability.min_samples: expected a number >= 0, got -3',
    );
  });

  it('names the key, what it takes and what it got', () => {
    expect(refusal({ components: { loss: { weight: 'x' } } })).toBe(
      'scoring config: components.loss.weight: expected a number from 0 to 100, got "x"',
    );
    expect(refusal({ school_hours: { days: [1, 8] } })).toBe(
      'scoring config: school_hours.days[1]: expected an ISO weekday 1-7, got 8',
    );
    // Inside a curve: the very number, not the whole pair.
    expect(refusal({ components: { wifi: { points: [[0, 120]] } } })).toBe(
      'scoring config: components.wifi.points[0][1]: expected a number from 0 to 100, got 120',
    );
    expect(refusal({ bands: null })).toBe('scoring config: bands: expected an object, got null');
    expect(refusal({ components: { downlaod: {} } })).toMatch(
      /^scoring config: components\.downlaod: expected one of download, upload, .*internal, got "downlaod"$/,
    );
    expect(refusal([])).toBe('scoring config: (root): expected an object, got []');
  });

  it('keeps the rules between keys', () => {
    expect(refusal({ school_hours: { start_hour: 10, end_hour: 9 } })).toBe(
      'scoring config: school_hours.end_hour: expected a number from 11 to 24, got 9',
    );
    expect(refusal({ bands: { good: 40, moderate: 50 } })).toBe(
      'scoring config: bands.good: expected a number from 50 to 100, got 40',
    );
    expect(refusal({ time_zone: 'Mars/Olympus' })).toBe(
      'scoring config: time_zone: expected an IANA time zone such as Europe/Riga, got "Mars/Olympus"',
    );
  });
});
