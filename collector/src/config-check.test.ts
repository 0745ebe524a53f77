import { describe, expect, it } from 'vitest';
import { Type } from '@sinclair/typebox';
import { createConfigCheck, expectedOf, keyOf } from './config-check.js';

describe('config checks', () => {
  it('writes JSON pointers as the keys people type', () => {
    expect(keyOf('')).toBe('(root)');
    expect(keyOf('/a/b/0/1')).toBe('a.b[0][1]');
    // A key holding "/" or "~" (a tender price key may hold anything).
    expect(keyOf('/prices/a~1b~0c')).toBe('prices.a/b~c');
    expect(keyOf('/0/x')).toBe('[0].x');
  });

  it('says what a schema takes in words', () => {
    expect(expectedOf(Type.Number({ minimum: 0, maximum: 1 }))).toBe('a number from 0 to 1');
    expect(expectedOf(Type.Integer({ minimum: 1 }))).toBe('an integer >= 1');
    expect(expectedOf(Type.Number({ exclusiveMinimum: 0 }))).toBe('a number > 0');
    expect(expectedOf(Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }))).toBe(
      'a list of non-empty strings, at least 1',
    );
    expect(expectedOf(Type.Union([Type.Literal('a'), Type.Null()]))).toBe('"a" or null');
    expect(expectedOf(Type.Tuple([Type.Number(), Type.Boolean()]))).toBe('[a number, true or false]');
    expect(expectedOf(Type.String({ expected: 'a time zone' }))).toBe('a time zone');
  });

  it('returns a valid value as it is and names the first problem of another', () => {
    const check = createConfigCheck(
      Type.Object({ a: Type.Object({ b: Type.Number() }, { additionalProperties: false }) }),
      'test file',
    );
    const ok = { a: { b: 1 } };
    expect(check(ok)).toBe(ok);
    expect(() => check({ a: { b: 1, c: 2 } })).toThrow('test file: a.c: expected one of b, got "c"');
    expect(() => check({})).toThrow('test file: a: expected an object, got nothing');
  });
});
