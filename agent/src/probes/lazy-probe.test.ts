import { describe, expect, it } from 'vitest';
import { lazyProbe } from './lazy-probe.js';
import { MemoryAccumulator } from './memory-accumulator.js';
import type { Probe } from './probe.js';

const signal = (): AbortSignal => new AbortController().signal;

/** A probe that adds one measurement per run, counting how often it was loaded. */
function counting(): { loads: number; load: () => Promise<Probe> } {
  const state = {
    loads: 0,
    load: (): Promise<Probe> => {
      state.loads += 1;
      return Promise.resolve({
        gather: (acc) => {
          acc.add('count', { n: state.loads });
          return Promise.resolve();
        },
      });
    },
  };
  return state;
}

describe('lazyProbe', () => {
  it('loads the implementation on the first gather, not when built', async () => {
    const impl = counting();
    const probe = lazyProbe(impl.load);
    expect(impl.loads).toBe(0);
    const acc = new MemoryAccumulator();
    await probe.gather(acc, signal());
    expect(impl.loads).toBe(1);
    expect(acc.measurements.map((m) => m.measurement)).toEqual(['count']);
  });

  it('loads once for every later run, also when runs overlap', async () => {
    const impl = counting();
    const probe = lazyProbe(impl.load);
    const acc = new MemoryAccumulator();
    await Promise.all([probe.gather(acc, signal()), probe.gather(acc, signal())]);
    await probe.gather(acc, signal());
    expect(impl.loads).toBe(1);
    expect(acc.measurements).toHaveLength(3);
  });

  it('reports a failed load and tries again on the next run', async () => {
    let attempts = 0;
    const impl = counting();
    const probe = lazyProbe(() => {
      attempts += 1;
      return attempts === 1 ? Promise.reject(new Error('module missing')) : impl.load();
    });
    await expect(probe.gather(new MemoryAccumulator(), signal())).rejects.toThrow('module missing');
    const acc = new MemoryAccumulator();
    await probe.gather(acc, signal());
    expect(attempts).toBe(2);
    expect(acc.measurements).toHaveLength(1);
  });

  it('passes errors of the probe itself through', async () => {
    const probe = lazyProbe(() =>
      Promise.resolve({ gather: () => Promise.reject(new Error('target down')) }),
    );
    await expect(probe.gather(new MemoryAccumulator(), signal())).rejects.toThrow('target down');
  });
});
