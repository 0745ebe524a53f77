import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { defaultOptions, resolveOptions, type OptionSpecs } from './options.js';

interface Sample {
  count: number;
  ratio: number;
  name: string;
  verbose: boolean;
}

const specs: OptionSpecs<Sample> = {
  count: { type: 'integer', default: 10, minimum: 1, maximum: 100, description: 'How many.' },
  ratio: { type: 'number', default: 0.5, minimum: 0, maximum: 1, description: 'How much.' },
  name: { type: 'string', default: '', maxLength: 8, description: 'Which.' },
  verbose: { type: 'boolean', default: false, description: 'Whether.' },
};

describe('probe options', () => {
  it('fills defaults and takes valid overrides', () => {
    expect(defaultOptions(specs)).toEqual({ count: 10, ratio: 0.5, name: '', verbose: false });
    expect(resolveOptions('sample', specs, undefined)).toEqual(defaultOptions(specs));
    expect(resolveOptions('sample', specs, { count: 3, verbose: true })).toEqual({
      count: 3,
      ratio: 0.5,
      name: '',
      verbose: true,
    });
  });

  it.each([
    [{ count: 0 }, 'probes.sample.count: expected an integer from 1 to 100, got 0'],
    [{ count: 2.5 }, 'probes.sample.count: expected an integer from 1 to 100, got 2.5'],
    [{ ratio: '1' }, 'probes.sample.ratio: expected a number from 0 to 1, got "1"'],
    [{ name: 'far too long' }, 'probes.sample.name: expected a string of at most 8 characters'],
    [{ verbose: 'yes' }, 'probes.sample.verbose: expected true or false'],
    [{ cuont: 1 }, 'probes.sample.cuont: expected one of the known options (count, ratio, name, verbose)'],
    [[1], 'probes.sample: expected an object of options'],
  ])('rejects %j naming the key', (raw, message) => {
    let err: unknown;
    try {
      resolveOptions('sample', specs, raw);
    } catch (e) {
      err = e;
    }
    expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    expect((err as Error).message).toContain(message);
  });
});
