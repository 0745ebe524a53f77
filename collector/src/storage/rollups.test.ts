import { describe, expect, it } from 'vitest';
import { percentile } from '@skolnet/shared';
import { summariseHour } from './rollups.js';

// Store behaviour of rollups and retention runs on every backend in
// test/conformance/rollups.conformance.test.ts.

describe('summariseHour', () => {
  it('skips non-finite and non-numeric fields and keeps series apart', () => {
    const rollups = summariseHour([
      { fields: { a_ms: 1, b: 'x', c_ok: true }, tags: {} },
      { fields: { a_ms: 3, result: 'success' }, tags: { target: 't' } },
      { fields: { a_ms: 5 }, tags: {} },
    ]);
    expect(rollups).toEqual([
      { target: '', outcome: '', field: 'a_ms', count: 2, min: 1, max: 5, mean: 3, p50: 1, p95: 5 },
      { target: 't', outcome: 'success', field: 'a_ms', count: 1, min: 3, max: 3, mean: 3, p50: 3, p95: 3 },
    ]);
  });

  it('gives the scoring nearest-rank percentiles, min, max and mean for any count', () => {
    for (const n of [1, 2, 3, 19, 20, 21, 100, 101]) {
      // Deterministic, unsorted, with repeats and negatives.
      const values = Array.from({ length: n }, (_, i) => ((i * 7919) % 113) - 20.5);
      const [rollup] = summariseHour(values.map((v) => ({ fields: { v_ms: v }, tags: {} })));
      expect(rollup).toEqual({
        target: '',
        outcome: '',
        field: 'v_ms',
        count: n,
        min: Math.min(...values),
        max: Math.max(...values),
        mean: values.reduce((a, b) => a + b, 0) / n,
        p50: percentile(values, 50),
        p95: percentile(values, 95),
      });
    }
  });
});
