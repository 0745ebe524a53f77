import { afterEach, describe, expect, it, vi } from 'vitest';
import { missingComponent, requireComponent, runningUnderCi, skipReason } from './real-component.js';

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('runningUnderCi', () => {
  it.each([
    [{ CI: 'true' }, true],
    [{ CI: '1' }, true],
    [{ CI: 'TRUE' }, true],
    [{ CI: 'false' }, false],
    [{ CI: ' False ' }, false],
    [{ CI: '0' }, false],
    [{ CI: '' }, false],
    [{}, false],
  ])('reads CI from %j as %s', (env, expected) => {
    expect(runningUnderCi(env)).toBe(expected);
  });
});

describe('skipReason', () => {
  it('passes a usable component, CI or not', () => {
    expect(skipReason(undefined, { CI: 'true' })).toBeUndefined();
  });

  it('skips with the reason off CI and fails under CI', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(skipReason('nft not installed', {})).toBe('nft not installed');
    expect(() => skipReason('nft not installed', { CI: 'true' })).toThrow(/CI requires nft not installed/);
  });
});

describe('missingComponent', () => {
  it('skips, not fails, when the environment says CI=false or CI=0', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    // Read from the process environment, as every test calls it.
    vi.stubEnv('CI', 'false');
    expect(missingComponent('snmpd', false, 'apt-get install snmpd')).toBe(
      'snmpd is not available (apt-get install snmpd)',
    );
    vi.stubEnv('CI', '0');
    expect(missingComponent('snmpd', false, 'apt-get install snmpd')).toBeDefined();
    vi.stubEnv('CI', 'true');
    expect(() => missingComponent('snmpd', false, 'apt-get install snmpd')).toThrow(/CI requires snmpd/);
    expect(missingComponent('snmpd', true, 'apt-get install snmpd')).toBeUndefined();
  });
});

describe('requireComponent', () => {
  it('does nothing when the component is there', () => {
    const skipped: string[] = [];
    requireComponent(undefined, (n) => skipped.push(n), { CI: 'true' });
    expect(skipped).toEqual([]);
  });

  it('skips with the reason off CI', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const skipped: string[] = [];
    requireComponent('nft not installed', (n) => skipped.push(n), {});
    expect(skipped).toEqual(['component missing: nft not installed']);
  });

  it('fails under CI instead of skipping', () => {
    const skipped: string[] = [];
    expect(() => requireComponent('nft not installed', (n) => skipped.push(n), { CI: 'true' })).toThrow(
      /nft not installed/,
    );
    expect(skipped).toEqual([]);
  });
});
