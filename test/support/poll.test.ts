import { describe, expect, it } from 'vitest';
import { eventually, until } from './poll.js';

describe('eventually', () => {
  it('returns once the check holds, with its value', async () => {
    let calls = 0;
    const value = await eventually(() => {
      calls += 1;
      expect(calls).toBeGreaterThanOrEqual(3);
      return calls;
    });
    expect(value).toBe(3);
  });

  it('takes async checks', async () => {
    let ready = false;
    setImmediate(() => (ready = true));
    const value = await eventually(async () => {
      await Promise.resolve();
      if (!ready) throw new Error('not ready');
      return 'ready';
    });
    expect(value).toBe('ready');
  });

  it('throws the last failure when the condition never holds', async () => {
    await expect(
      eventually(
        () => {
          throw new Error('still not there');
        },
        { timeoutMs: 20 },
      ),
    ).rejects.toThrow('still not there');
  });
});

describe('until', () => {
  it('returns once the condition is true', async () => {
    let calls = 0;
    await until(() => ++calls >= 3, 'three calls');
    expect(calls).toBe(3);
  });

  it('names the condition that never held', async () => {
    await expect(
      until(async () => Promise.resolve(false), 'the door opens', { timeoutMs: 50 }),
    ).rejects.toThrow(/the door opens: not within 50 ms/);
  });
});
