import { describe, expect, it } from 'vitest';
import { isSkolnetError } from '@skolnet/shared';
import { probeRegistry } from '../probes/registry.js';
import { checkProbeSettings, parseProbeSettings } from './probe-settings.js';

describe('--set PROBE.OPTION=VALUE', () => {
  it('converts values by the option type', () => {
    expect(
      parseProbeSettings(
        ['latency.count=20', 'latency.gateway=off', 'throughput.duration_s=2.5'],
        probeRegistry,
      ),
    ).toEqual({ latency: { count: 20, gateway: 'off' }, throughput: { duration_s: 2.5 } });
  });

  it.each([
    ['latency', /expected PROBE.OPTION=VALUE/],
    ['nosuch.count=1', /unknown probe "nosuch"/],
    ['latency.colour=red', /no option "colour".*count/],
    ['latency.count=ten', /must be a number/],
    ['latency.count=', /must be a number/],
  ])('rejects %s with a message that says why', (arg, message) => {
    let caught: unknown;
    try {
      parseProbeSettings([arg], probeRegistry);
    } catch (err) {
      caught = err;
    }
    expect(isSkolnetError(caught, 'SKOLNET_CLI_BAD_ARGUMENT')).toBe(true);
    expect((caught as Error).message).toMatch(message);
  });

  it('checks ranges with the probe rules and refuses settings for unselected probes', () => {
    const outOfRange = parseProbeSettings(['latency.count=0'], probeRegistry);
    expect(() => checkProbeSettings(['latency'], outOfRange, probeRegistry)).toThrow(/latency\.count/);
    const fine = parseProbeSettings(['latency.count=5'], probeRegistry);
    expect(() => checkProbeSettings(['latency'], fine, probeRegistry)).not.toThrow();
    expect(() => checkProbeSettings(['host'], fine, probeRegistry)).toThrow(/not selected/);
  });
});
