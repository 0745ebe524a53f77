import { describe, expect, it } from 'vitest';
import { isCi, requireComponent } from './require-component.js';

describe('requireComponent', () => {
  it('does nothing when the component is there', () => {
    const skipped: string[] = [];
    requireComponent(undefined, (n) => skipped.push(n), { CI: 'true' });
    expect(skipped).toEqual([]);
  });

  it('skips with the reason on a laptop', () => {
    const skipped: string[] = [];
    requireComponent('nft not installed', (n) => skipped.push(n), {});
    expect(skipped).toEqual(['skipped, component missing: nft not installed']);
  });

  it('fails under CI instead of skipping', () => {
    const skipped: string[] = [];
    expect(() => requireComponent('nft not installed', (n) => skipped.push(n), { CI: 'true' })).toThrow(
      /nft not installed/,
    );
    expect(skipped).toEqual([]);
  });

  it.each([
    [{ CI: 'true' }, true],
    [{ CI: '1' }, true],
    [{ CI: 'false' }, false],
    [{ CI: '' }, false],
    [{}, false],
  ])('reads CI from %j as %s', (env, expected) => {
    expect(isCi(env)).toBe(expected);
  });
});
