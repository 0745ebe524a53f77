import { describe, expect, it } from 'vitest';
import type { EffectiveConfig } from '../config/pushed-config.js';
import { configChange, sameValue } from './config-change.js';

/** A configuration as the layers give it: two probes, a timetable, a budget. */
function config(): EffectiveConfig {
  return {
    probes: {
      latency: {
        options: { count: 20, targets: ['a', 'b'], tcp: { port: 443, fallback: true } },
        intervalMs: 300_000,
        enabled: true,
      },
      snmp: {
        options: { credentials: [{ version: '2c', community: 'public' }] },
        intervalMs: 900_000,
        enabled: true,
      },
    },
    schedule: {
      timetable: { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5], start: '08:00', end: '16:00' },
      busyThresholdMbps: 5,
    },
    dataBudgetMb: 2000,
  };
}

/** The same configuration with every object's keys in reverse order. */
function reordered(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reordered);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reordered(v)]),
  );
}

describe('configChange', () => {
  it('sees no change between two configurations equal up to key order', () => {
    const current = config();
    const next = reordered(config()) as EffectiveConfig;
    // Different text, same settings: what JSON.stringify equality got wrong.
    expect(JSON.stringify(next)).not.toBe(JSON.stringify(current));
    const change = configChange(current, next, ['latency', 'snmp']);
    expect(change.scheduleChanged).toBe(false);
    expect([...change.probes]).toEqual([
      ['latency', { rebuild: false }],
      ['snmp', { rebuild: false }],
    ]);
  });

  it('rebuilds a probe whose options changed, and only that one', () => {
    const next = config();
    next.probes.latency!.options = { ...next.probes.latency!.options, count: 50 };
    const change = configChange(config(), next, ['latency', 'snmp']);
    expect(change.probes.get('latency')).toEqual({ rebuild: true });
    expect(change.probes.get('snmp')).toEqual({ rebuild: false });
  });

  it('reports a new interval or enabled flag without a rebuild', () => {
    const next = config();
    next.probes.snmp = { ...next.probes.snmp!, intervalMs: 60_000, enabled: false };
    expect(configChange(config(), next, ['snmp']).probes.get('snmp')).toEqual({
      rebuild: false,
      intervalMs: 60_000,
      enabled: false,
    });
  });

  it('replans when the timetable changes, not otherwise', () => {
    const next = config();
    next.schedule.timetable = { ...next.schedule.timetable, end: '15:00' };
    expect(configChange(config(), next, []).scheduleChanged).toBe(true);
    const busier = config();
    busier.schedule.busyThresholdMbps = 10;
    expect(configChange(config(), busier, []).scheduleChanged).toBe(true);
  });

  it('skips running probes the next configuration does not have, and rebuilds ones it had not', () => {
    const current = config();
    delete current.probes.snmp;
    const next = config();
    delete next.probes.latency;
    const change = configChange(current, next, ['latency', 'snmp']);
    expect(change.probes.has('latency')).toBe(false);
    expect(change.probes.get('snmp')).toEqual({ rebuild: true, intervalMs: 900_000, enabled: true });
  });
});

describe('sameValue', () => {
  it('compares objects as key sets and arrays in order', () => {
    expect(sameValue({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(sameValue([1, 2], [2, 1])).toBe(false);
    expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(sameValue({ a: undefined }, {})).toBe(true);
    expect(sameValue([], {})).toBe(false);
    expect(sameValue(null, {})).toBe(false);
    expect(sameValue('1', 1)).toBe(false);
    expect(sameValue(Number.NaN, Number.NaN)).toBe(true);
  });
});
