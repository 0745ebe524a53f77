import { describe, expect, it } from 'vitest';
import { ErrorCodes, UUID_V7_PATTERN } from '@skolnet/shared';
import type { Probe } from '../probes/probe.js';
import { MeasurementAccumulator, errorMeasurement, toResult } from './measurement-accumulator.js';
import { runProbe, type ProbeRun } from './probe-runner.js';
import { createScheduler, type PlannedRun } from './scheduler.js';

const at = new Date('2026-03-01T08:00:00.000Z');

describe('MeasurementAccumulator', () => {
  it('keeps valid measurements and turns invalid ones into errors', () => {
    const acc = new MeasurementAccumulator('latency', () => at);
    acc.add('latency', { rtt_avg_ms: 3, result: 'success' }, { target: 'gw' });
    acc.add('latency', { rttAvg: 3 });
    acc.add('latency', { rtt_avg_ms: Number.NaN });
    acc.add('latency', { rtt_avg_ms: 1 }, {}, new Date('invalid'));
    acc.error(new Error('dns part failed'));
    expect(acc.measurements).toEqual([
      {
        measurement: 'latency',
        fields: { rtt_avg_ms: 3, result: 'success' },
        tags: { target: 'gw' },
        at: at.toISOString(),
      },
    ]);
    expect(acc.errors).toHaveLength(4);
    expect(acc.errors[0]).toMatchObject({ code: ErrorCodes.PROBE_FAILED });
  });

  it('drops adds after close', () => {
    const acc = new MeasurementAccumulator('x', () => at);
    acc.close();
    acc.add('x', { a_ms: 1 });
    expect(acc.measurements).toHaveLength(0);
  });

  it('makes results with ids and owners, and error measurements', () => {
    const r = toResult(
      { measurement: 'host', fields: { cpu_pct: 3 }, tags: {}, at: at.toISOString() },
      {
        agent_id: 'a',
        school_id: 's',
      },
    );
    expect(r.ok && r.result.id).toMatch(new RegExp(UUID_V7_PATTERN));
    expect(r.ok && r.result.school_id).toBe('s');
    const bad = toResult(
      { measurement: 'host', fields: {}, tags: {}, at: at.toISOString() },
      { agent_id: '', school_id: 's' },
    );
    expect(bad.ok).toBe(false);
    expect(errorMeasurement('latency', new Error('boom'), at)).toEqual({
      measurement: 'latency',
      fields: { result: 'error', error: 'boom' },
      tags: {},
      at: at.toISOString(),
    });
  });
});

describe('runProbe', () => {
  it('turns a throw into a failure and keeps earlier measurements', async () => {
    const probe: Probe = {
      gather(acc) {
        acc.add('x', { a_ms: 1 });
        throw new Error('broken');
      },
    };
    const run = await runProbe({ name: 'x', probe });
    expect(run.measurements).toHaveLength(1);
    expect(run.failure?.message).toBe('broken');
  });

  it('times out a probe that ignores its signal, and drops its late results', async () => {
    let lateAcc: { add: (m: string, f: Record<string, number>) => void } | undefined;
    let sawAbort = false;
    const probe: Probe = {
      gather(acc, signal) {
        lateAcc = acc;
        signal.addEventListener('abort', () => (sawAbort = true));
        return new Promise(() => {});
      },
    };
    const run = await runProbe({ name: 'stuck', probe, timeoutMs: 20 });
    expect(run.failure).toMatchObject({ code: ErrorCodes.PROBE_FAILED });
    expect(sawAbort).toBe(true);
    lateAcc?.add('stuck', { a_ms: 1 });
    expect(run.measurements).toHaveLength(0);
  });

  it('ends at once when the outer signal aborts', async () => {
    const ac = new AbortController();
    const probe: Probe = { gather: () => new Promise(() => {}) };
    const pending = runProbe({ name: 'p', probe, signal: ac.signal });
    ac.abort();
    expect((await pending).failure?.message).toMatch(/stopped/);
  });
});

describe('Scheduler', () => {
  it('runs probes repeatedly, never overlapping, and a failing probe does not stop the others', async () => {
    let active = 0;
    let maxActive = 0;
    const runs: ProbeRun[] = [];
    const slow: Probe = {
      async gather(acc) {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await new Promise((r) => setTimeout(r, 15));
        acc.add('slow', { a_ms: 1 });
        active -= 1;
      },
    };
    const broken: Probe = {
      gather() {
        throw new Error('always');
      },
    };
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => (resolveDone = r));
    const scheduler = createScheduler({
      // Interval shorter than a run: the next run must still wait for the current one.
      probes: [
        { name: 'slow', probe: slow, intervalMs: 5, timeoutMs: 5_000 },
        { name: 'broken', probe: broken, intervalMs: 5 },
      ],
      initialDelayMaxMs: 1,
      onRun: (run) => {
        runs.push(run);
        if (runs.filter((r) => r.probe === 'slow').length >= 3 && runs.some((r) => r.probe === 'broken'))
          resolveDone();
      },
    });
    scheduler.start();
    await done;
    await scheduler.stop();
    expect(maxActive).toBe(1);
    expect(runs.filter((r) => r.probe === 'broken').every((r) => r.failure?.message === 'always')).toBe(true);
    expect(runs.filter((r) => r.probe === 'slow' && !r.failure).length).toBeGreaterThanOrEqual(3);
  });

  it('waits for a timed-out probe that ignores its signal before running it again', async () => {
    let active = 0;
    let maxActive = 0;
    let count = 0;
    const runs: ProbeRun[] = [];
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => (resolveDone = r));
    const scheduler = createScheduler({
      probes: [
        {
          name: 'deaf',
          probe: {
            async gather() {
              active += 1;
              maxActive = Math.max(maxActive, active);
              await new Promise((r) => setTimeout(r, 20));
              active -= 1;
            },
          },
          intervalMs: 1,
          timeoutMs: 2,
        },
      ],
      initialDelayMaxMs: 0,
      onRun: (run) => {
        runs.push(run);
        count += 1;
        if (count === 3) resolveDone();
      },
    });
    scheduler.start();
    await done;
    await scheduler.stop();
    expect(runs.every((r) => r.failure !== undefined)).toBe(true);
    expect(maxActive).toBe(1);
  });

  it('stop aborts a running probe and plans nothing more', async () => {
    let started: () => void = () => {};
    const isRunning = new Promise<void>((r) => (started = r));
    const runs: ProbeRun[] = [];
    const scheduler = createScheduler({
      probes: [
        {
          name: 'hang',
          probe: {
            gather: (_acc, signal) =>
              new Promise((_resolve, reject) => {
                started();
                signal.addEventListener('abort', () => reject(new Error('aborted')));
              }),
          },
          intervalMs: 1,
        },
      ],
      initialDelayMaxMs: 0,
      onRun: (run) => void runs.push(run),
    });
    scheduler.start();
    await isRunning;
    await scheduler.stop();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.failure).toBeDefined();
  });

  it('reconfigures intervals and disables probes', () => {
    const scheduler = createScheduler({
      probes: [{ name: 'a', probe: { gather: async () => {} }, intervalMs: 1000 }],
      onRun: () => {},
    });
    expect(scheduler.configure('a', { intervalMs: 2000, enabled: false })).toBe(true);
    expect(scheduler.configure('nope', { intervalMs: 2000 })).toBe(false);
    expect(scheduler.intervals()).toEqual({ a: 2000 });
    expect(() => scheduler.configure('a', { intervalMs: 0 })).toThrow(RangeError);
  });

  it('announces every plan, and a replan keeps a probe that has not run yet as a first run', async () => {
    const now = new Date('2026-11-28T21:00:00Z');
    const plans: PlannedRun[] = [];
    let ran = 0;
    const scheduler = createScheduler({
      probes: [
        { name: 'a', probe: { gather: () => Promise.resolve(void (ran += 1)) }, intervalMs: 3_600_000 },
      ],
      onRun: () => {},
      onPlan: (plan) => plans.push(plan),
      // First runs in an hour, later ones in a day: a policy that tells them apart.
      policy: { firstDelay: () => 3_600_000, nextDelay: () => 86_400_000 },
      now: () => now,
    });
    scheduler.start();
    // A pushed timetable replans before the first run: it stays a first run.
    scheduler.replan();
    expect(plans).toEqual([
      { probe: 'a', due: new Date('2026-11-28T22:00:00Z'), kind: 'first' },
      { probe: 'a', due: new Date('2026-11-28T22:00:00Z'), kind: 'first' },
    ]);
    expect(scheduler.nextRuns().a).toEqual(new Date('2026-11-28T22:00:00Z'));
    await scheduler.stop();
    expect(ran).toBe(0);
  });
});
