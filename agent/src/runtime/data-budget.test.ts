import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataBudget, FIRST_RUN_ESTIMATE_BYTES, bytesMoved } from './data-budget.js';

describe('DataBudget', () => {
  let dir: string;
  let file: string;
  let now: Date;
  const make = (budgetMb = 1000): DataBudget =>
    new DataBudget({ file, now: () => now, timezone: 'Europe/Riga', budgetMb });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-budget-'));
    file = join(dir, 'budget.json');
    now = new Date('2026-03-10T10:00:00Z');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the month’s count across a restart', () => {
    const first = make();
    first.record('throughput', 300_000_000);
    first.record('ndt7', 50_000_000);
    const again = make();
    expect(again.snapshot()).toEqual({
      month: '2026-03',
      used_bytes: 350_000_000,
      budget_bytes: 1_000_000_000,
      remaining_bytes: 650_000_000,
    });
    expect(again.estimate('throughput')).toBe(300_000_000);
  });

  it('starts over at local midnight of the first, in the school’s time zone', () => {
    now = new Date('2026-03-31T20:30:00Z'); // 23:30 in Riga
    make().record('throughput', 900_000_000);
    expect(make().snapshot().used_bytes).toBe(900_000_000);
    now = new Date('2026-03-31T21:30:00Z'); // 00:30 on 1 April in Riga
    const april = make();
    expect(april.snapshot()).toMatchObject({ month: '2026-04', used_bytes: 0 });
    // The history survives the month for the estimate.
    expect(april.estimate('throughput')).toBe(900_000_000);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ month: '2026-04', used_bytes: 0 });
  });

  it('refuses a run whose estimate would pass the budget', () => {
    const budget = make(1000);
    expect(budget.check('throughput')).toEqual({ ok: true, estimateBytes: FIRST_RUN_ESTIMATE_BYTES });
    budget.record('throughput', 400_000_000);
    budget.record('throughput', 300_000_000);
    // Estimate: the largest of the last runs (400 MB); 700 + 400 > 1000.
    expect(budget.check('throughput')).toEqual({
      ok: false,
      estimateBytes: 400_000_000,
      usedBytes: 700_000_000,
      budgetBytes: 1_000_000_000,
    });
    budget.configure({ budgetMb: 2000 });
    expect(budget.check('throughput').ok).toBe(true);
    budget.configure({ budgetMb: 0 });
    expect(budget.check('ndt7').ok).toBe(false);
  });

  it('starts from zero when the file is broken', () => {
    writeFileSync(file, '{"version":1,"month":"2026-03","used_bytes":-5}');
    expect(make().snapshot().used_bytes).toBe(0);
    writeFileSync(file, 'not json');
    expect(make().snapshot().used_bytes).toBe(0);
  });
});

describe('bytesMoved', () => {
  const m = (measurement: string, fields: Record<string, number | string>) => ({
    measurement,
    fields,
    tags: {},
    at: '2026-03-10T10:00:00.000Z',
  });

  it('reads the bytes of each heavy probe from its fields', () => {
    expect(
      bytesMoved('throughput', [m('throughput', { bytes_down: 70, bytes_up: 30, download_bytes: 50 })]),
    ).toBe(100);
    expect(bytesMoved('ndt7', [m('ndt7', { download_bytes: 60, upload_bytes: 40 })])).toBe(100);
    // 8 Mbit/s over 1 s warm-up + 5 s window = 6 MB.
    expect(bytesMoved('bottleneck', [m('bottleneck', { wan_download_mbps: 8, lan_mbps: 900 })])).toBe(
      6_000_000,
    );
    expect(
      bytesMoved('bottleneck', [m('bottleneck', { wan_download_mbps: 8 })], { warmup_s: 0, duration_s: 10 }),
    ).toBe(10_000_000);
    expect(bytesMoved('throughput', [m('throughput', { result: 'error', error: 'x' })])).toBe(0);
    expect(bytesMoved('latency', [m('latency', { rtt_avg_ms: 3 })])).toBeUndefined();
  });
});
