import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { probeRegistry } from '../probes/registry.js';
import { parseAgentConfigDocument } from './agent-config.js';
import { effectiveConfig, validateConfigPush, type LocalLayers } from './pushed-config.js';

const push = (config: Record<string, unknown>, version = 3): unknown => ({ type: 'config', version, config });

const layers = (over: Partial<LocalLayers> = {}): LocalLayers => ({
  registry: probeRegistry,
  fileProbes: {},
  fileSchedule: {},
  cliSettings: {},
  cliIntervals: new Map(),
  ...over,
});

describe('validateConfigPush', () => {
  it('accepts a full configuration', () => {
    const p = validateConfigPush(
      push({
        probes: {
          latency: { interval_s: 120, options: { count: 20 } },
          throughput: { interval_s: 3600, options: { streams: 8 } },
          snmp: { options: { targets: '10.241.0.1' } },
          wifi: { enabled: false },
        },
        timetable: {
          timezone: 'Europe/Riga',
          days: [1, 2, 3, 4, 5],
          start: '08:30',
          end: '15:30',
          outside_share: 0.2,
        },
        data_budget_mb: 5000,
        busy_threshold_mbps: 30,
      }),
      probeRegistry,
    );
    expect(p.version).toBe(3);
  });

  it.each([
    ['an unknown probe', { probes: { teleport: {} } }, /\/config\/probes\/teleport/],
    ['an unknown option', { probes: { latency: { options: { colour: 'red' } } } }, /latency.*colour/],
    ['an option out of range', { probes: { latency: { options: { count: 100000 } } } }, /count/],
    ['an option of the wrong type', { probes: { throughput: { options: { streams: 'many' } } } }, /streams/],
    [
      'a heavy probe too often',
      { probes: { throughput: { interval_s: 60 } } },
      /\/probes\/throughput\/interval_s: .*900/,
    ],
    [
      'a light probe too often',
      { probes: { latency: { interval_s: 20 } } },
      /\/probes\/latency\/interval_s: .*60/,
    ],
    [
      'an unknown time zone',
      { probes: {}, timetable: { timezone: 'Mars/Olympus', days: [1], start: '08:00', end: '17:00' } },
      /unknown time zone/,
    ],
    [
      'lessons ending before they start',
      { probes: {}, timetable: { timezone: 'Europe/Riga', days: [1], start: '17:00', end: '08:00' } },
      /before end/,
    ],
    ['a budget out of range', { probes: {}, data_budget_mb: 1e12 }, /data_budget_mb/],
    ['a key the schema does not know', { probes: {}, colour: 'red' }, /config/],
  ])('rejects %s', (_what, config, message) => {
    expect(() => validateConfigPush(push(config), probeRegistry)).toThrow(message);
    try {
      validateConfigPush(push(config), probeRegistry);
    } catch (err) {
      expect(err).toMatchObject({ code: ErrorCodes.CONFIG_INVALID });
    }
  });
});

describe('effectiveConfig', () => {
  it('lays the command line over the push, the push over the file, the file over the defaults', () => {
    const p = validateConfigPush(
      push({
        probes: {
          latency: { interval_s: 600, options: { count: 20, gateway: 'off' } },
          throughput: { enabled: false },
        },
        data_budget_mb: 2000,
      }),
      probeRegistry,
    );
    const eff = effectiveConfig(
      ['latency', 'throughput', 'dns'],
      p,
      layers({
        fileProbes: { latency: { count: 5, timeout_s: 2 } },
        fileSchedule: { busy_threshold_mbps: 50, data_budget_mb: 100 },
        cliSettings: { latency: { count: 7 } },
        cliIntervals: new Map([['latency', 30_000]]),
      }),
    );
    expect(eff.probes.latency).toEqual({
      options: { count: 7, timeout_s: 2, gateway: 'off' },
      intervalMs: 30_000,
      enabled: true,
    });
    expect(eff.probes.throughput).toMatchObject({ enabled: false, intervalMs: 21_600_000 });
    expect(eff.probes.dns?.intervalMs).toBe(900_000);
    expect(eff.dataBudgetMb).toBe(2000);
    expect(eff.schedule.busyThresholdMbps).toBe(50);
    expect(eff.schedule.timetable.timezone).toBe('Europe/Riga');
  });
});

describe('schedule settings in the config file', () => {
  it('reads and validates timetable, budget and threshold', () => {
    const doc = parseAgentConfigDocument(
      'timetable:\n  timezone: Europe/Riga\n  days: [1, 2, 3, 4, 5, 6]\n  start: "08:00"\n  end: "14:00"\ndata_budget_mb: 3000\nbusy_threshold_mbps: 15\n',
      probeRegistry,
      'agent.yaml',
    );
    expect(doc.schedule).toEqual({
      timetable: { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5, 6], start: '08:00', end: '14:00' },
      data_budget_mb: 3000,
      busy_threshold_mbps: 15,
    });
    expect(() =>
      parseAgentConfigDocument(
        'timetable:\n  timezone: Nowhere/City\n  days: [1]\n  start: "08:00"\n  end: "09:00"\n',
        probeRegistry,
        'agent.yaml',
      ),
    ).toThrow(/agent\.yaml: timetable\.timezone: unknown time zone/);
    expect(() => parseAgentConfigDocument('data_budget_mb: lots\n', probeRegistry, 'agent.yaml')).toThrow(
      /data_budget_mb: expected a number/,
    );
  });
});
