import { describe, expect, it } from 'vitest';
import { ProtocolLimits } from './constants.js';
import { AgentMessage, Batch, Hello } from './protocol.js';
import { Result } from './result.js';
import { createValidator } from './validate.js';
import { uuidv7 } from './ids.js';

const result = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: uuidv7(),
  agent_id: 'a1',
  school_id: 's1',
  measurement: 'latency',
  fields: { rtt_avg_ms: 12.5, result: 'success' },
  tags: { target: 'gateway' },
  at: new Date().toISOString(),
  ...over,
});

describe('Result schema', () => {
  const v = createValidator(Result);

  it('accepts a well-formed result', () => {
    expect(v.check(result()).ok).toBe(true);
  });

  it.each([
    ['a non-v7 id', { id: 'not-an-id' }],
    ['a camelCase field', { fields: { rttAvg: 1 } }],
    ['a nested field value', { fields: { rtt_ms: { x: 1 } } }],
    ['a bad timestamp', { at: 'yesterday' }],
    ['an unknown property', { extra: true }],
    ['an impossible date', { at: '2026-02-30T25:00:00Z' }],
  ])('rejects %s and says where', (_name, over) => {
    const r = v.check(result(over));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.length).toBeGreaterThan(0);
  });

  it('rejects too many fields', () => {
    const fields = Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`f${i}_ms`, i]));
    expect(v.check(result({ fields })).ok).toBe(false);
  });
});

describe('stream messages', () => {
  const v = createValidator(AgentMessage);

  it('accepts hello and batch, rejects an unknown type', () => {
    expect(
      v.check({ type: 'hello', protocol: 1, agent_id: 'a', secret: 'x'.repeat(32), agent_version: '0.1.0' })
        .ok,
    ).toBe(true);
    expect(v.check({ type: 'batch', batch_id: 'b1', results: [] }).ok).toBe(true);
    expect(v.check({ type: 'launch', batch_id: 'b1' }).ok).toBe(false);
  });

  it('caps the batch size', () => {
    const bv = createValidator(Batch);
    const results = Array.from({ length: ProtocolLimits.maxBatchResults + 1 }, () => result());
    expect(bv.check({ type: 'batch', batch_id: 'b', results }).ok).toBe(false);
  });

  it('rejects a hello with a short secret', () => {
    expect(
      createValidator(Hello).check({
        type: 'hello',
        protocol: 1,
        agent_id: 'a',
        secret: 'x',
        agent_version: '1',
      }).ok,
    ).toBe(false);
  });
});
