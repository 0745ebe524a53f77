import { describe, expect, it } from 'vitest';
import { UUID_V7_PATTERN, uuidv7, uuidv7Time } from './ids.js';

describe('uuidv7', () => {
  it('is a canonical UUIDv7 carrying its millisecond timestamp', () => {
    const id = uuidv7(1_700_000_000_123);
    expect(id).toMatch(new RegExp(UUID_V7_PATTERN));
    expect(uuidv7Time(id)).toBe(1_700_000_000_123);
  });

  it('sorts in creation order, even many within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_800_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('stays monotonic when the clock steps backwards', () => {
    const a = uuidv7(1_900_000_000_000);
    const b = uuidv7(1_899_999_999_000);
    expect(b > a).toBe(true);
  });
});
