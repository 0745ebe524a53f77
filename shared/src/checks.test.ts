import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PRECOMPILED_SCHEMAS, renderChecks, type PrecompiledName } from './check-source.js';
import * as core from './core.js';
import { createValidator } from './validate.js';

/** Valid values of each schema with a generated check; the mutations below are made from them. */
const SAMPLES: Record<PrecompiledName, unknown[]> = {
  Measurement: [
    {
      measurement: 'latency',
      fields: { rtt_avg_ms: 12.5, target_ok: true, note: 'x' },
      tags: { target: 'lv' },
      at: '2026-03-02T09:00:00Z',
    },
    { measurement: 'host', fields: {}, tags: {}, at: '2026-03-02T09:00:00.123+02:00' },
  ],
  Result: [
    {
      id: '0190a5b2-3c4d-7e8f-9a0b-1c2d3e4f5a6b',
      agent_id: 'agent-1',
      school_id: 'school-1',
      measurement: 'throughput',
      fields: { down_mbps: 93.1 },
      tags: { direction: 'down' },
      at: '2026-03-02T09:00:00Z',
    },
  ],
  Timetable: [
    { timezone: 'Europe/Riga', days: [1, 2, 3, 4, 5], start: '08:00', end: '17:00' },
    { timezone: 'UTC', days: [7], start: '00:00', end: '24:00', outside_share: 0.1 },
  ],
  ConfigPush: [
    {
      type: 'config',
      version: 3,
      config: {
        probes: {
          latency: {
            enabled: true,
            interval_s: 60,
            options: { count: 5, gateway: '192.168.1.1', tcp_fallback: false },
          },
        },
        timetable: { timezone: 'Europe/Riga', days: [1, 5], start: '08:00', end: '16:30' },
        data_budget_mb: 2000,
        busy_threshold_mbps: 20,
      },
    },
    { type: 'config', version: 1, config: { probes: {} } },
  ],
  CollectorMessage: [
    {
      type: 'welcome',
      agent_id: 'a',
      school_id: 's',
      server_time: '2026-03-02T09:00:00Z',
      max_batch_results: 500,
      max_message_bytes: 1048576,
    },
    { type: 'ack', batch_id: 'b1', accepted: ['r1'], rejected: [{ id: 'r2', code: 'E', message: 'bad' }] },
    { type: 'config', version: 2, config: { probes: { http: { interval_s: 300 } } } },
    { type: 'error', code: 'SKOLNET_X', message: 'no', batch_id: 'b2' },
    { type: 'secret', secret: '0123456789abcdef0123' },
    { type: 'secret_confirmed' },
  ],
  UploadReport: [{ bytes: 1048576, duration_ms: 812.5 }],
  EnrollRequest: [
    { code: 'ABCD-1234', hostname: 'lab-pc-07', agent_version: '0.1.0', role: 'lab_pc' },
    { code: 'ABCD', hostname: '', agent_version: '0.1.0' },
  ],
  EnrollResponse: [{ agent_id: 'a', school_id: 's', secret: 'x'.repeat(43), role: 'issued_laptop' }],
};

/** Values that break most places they are put. */
const BAD = [
  null,
  undefined,
  'x',
  '',
  -1,
  0,
  1.5,
  Number.NaN,
  true,
  {},
  [],
  'y'.repeat(5000),
  '2026-13-40T25:00:00Z',
];

/** Every variant of `value` with one place changed: a value replaced, a key dropped, a key added. */
function* mutations(value: unknown): Generator<unknown> {
  for (const bad of BAD) yield bad;
  if (Array.isArray(value)) {
    const arr = value as unknown[];
    for (let i = 0; i < arr.length; i++) {
      for (const m of mutations(arr[i])) yield arr.map((v, j) => (j === i ? m : v));
      yield arr.filter((_, j) => j !== i);
    }
    yield [...arr, ...arr];
  } else if (typeof value === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const key of Object.keys(obj)) {
      for (const m of mutations(obj[key])) yield { ...obj, [key]: m };
      const { [key]: _dropped, ...rest } = obj;
      yield rest;
    }
    yield { ...obj, extra_key: 1 };
  }
}

describe('checks generated at build time', () => {
  it('are what the schemas generate now (run `npm run generate:checks` after changing one)', () => {
    const committed = readFileSync(new URL('./checks.generated.ts', import.meta.url), 'utf8');
    expect(committed).toBe(renderChecks());
  });

  for (const name of Object.keys(PRECOMPILED_SCHEMAS) as PrecompiledName[]) {
    it(`${name}: the generated validator says what TypeBox's compiled one says, issues included`, () => {
      const reference = createValidator(PRECOMPILED_SCHEMAS[name]);
      let rejected = 0;
      let seen = 0;
      for (const sample of SAMPLES[name]) {
        expect(core.precompiledValidators[name].check(sample)).toEqual({ ok: true, value: sample });
        for (const m of mutations(sample)) {
          seen++;
          const want = reference.check(m);
          const got = core.precompiledValidators[name].check(m);
          expect(got, JSON.stringify(m)?.slice(0, 300)).toEqual(want);
          if (!want.ok) rejected++;
        }
      }
      // Most one-place changes break a schema; the comparison covered both outcomes.
      expect(rejected).toBeGreaterThan(seen / 2);
      expect(rejected).toBeLessThan(seen);
    });
  }

  it('explain a failure with the issues the schema gives', () => {
    const bad = core.timetableValidator.check({
      timezone: 'Europe/Riga',
      days: [],
      start: '8:00',
      end: '17:00',
    });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(core.formatIssues(bad.issues)).toMatch(/\/days: .*\/start: /);
  });

  it('explain a failure in the built entry under plain Node too, where TypeBox loads through require()', () => {
    // The agent runs the built files, not these sources: there the full
    // entry comes in through require() of an ES module (Node 20.19+).
    const script = `
      import { timetableValidator } from '@skolnet/shared/core';
      console.log(JSON.stringify(timetableValidator.check({ timezone: 'UTC', days: [], start: '8:00', end: '17:00' })));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
    });
    const v = JSON.parse(out) as { ok: boolean; issues: { path: string }[] };
    expect(v.ok).toBe(false);
    expect(v.issues.map((i) => i.path)).toEqual(['/days', '/start']);
  });
});
