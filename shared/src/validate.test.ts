import { Kind, Type, type TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { createValidator } from './validate.js';
import { formatIssues } from './validation.js';

describe('createValidator', () => {
  const Point = Type.Object({ x: Type.Number(), at: Type.String({ format: 'date-time' }) });

  it('accepts a matching value and lists what is wrong with others, on every call', () => {
    const v = createValidator(Point);
    expect(v.check({ x: 1, at: '2026-03-02T09:00:00Z' })).toEqual({
      ok: true,
      value: { x: 1, at: '2026-03-02T09:00:00Z' },
    });
    const bad = v.check({ x: 'one', at: 'yesterday' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(formatIssues(bad.issues)).toContain('/x');
    expect(formatIssues(bad.issues)).toContain('/at');
    expect(v.check({ x: 2, at: '2026-03-02T09:00:00+02:00' }).ok).toBe(true);
  });

  it('stops listing issues at maxIssues', () => {
    const bad = createValidator(Point).check({}, 1);
    expect(bad.ok ? [] : bad.issues).toHaveLength(1);
  });

  it('compiles on the first check, not when created', () => {
    // A schema the compiler does not know: creating its validator must not
    // fail (nothing was compiled yet); the first check does.
    const unknown = { [Kind]: 'NoSuchKind' } as unknown as TSchema;
    const v = createValidator(unknown);
    expect(() => v.check(1)).toThrow();
  });
});
