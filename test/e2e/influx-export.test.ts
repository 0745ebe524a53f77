import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SqliteOutbox, StreamClient } from '@skolnet/agent';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import { uuidv7, type Result } from '@skolnet/shared';
import { missingComponent } from '../support/real-component.js';
import { findVictoriaMetrics, VictoriaMetrics, type ExportedSeries } from '../support/victoria-metrics.js';
import { eventually } from '../support/poll.js';

const vmBin = findVictoriaMetrics();
const skip = missingComponent(
  'victoria-metrics',
  vmBin !== undefined,
  'Debian package victoria-metrics: apt-get install victoria-metrics',
);

/** Waits for an assertion to hold; generous for a loaded machine, quick when all is well. */

/** Series of a VictoriaMetrics export keyed by metric name and labels, each with its samples by timestamp. */
function bySeries(series: ExportedSeries[]): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of series) {
    const key = seriesKey(s.metric);
    const samples = out.get(key) ?? new Map<number, number>();
    s.timestamps.forEach((t, i) => samples.set(t, s.values[i]!));
    out.set(key, samples);
  }
  return out;
}

function seriesKey(metric: Record<string, string>): string {
  return JSON.stringify(Object.entries(metric).sort(([a], [b]) => a.localeCompare(b)));
}

describe.skipIf(skip)('InfluxDB export, checked against VictoriaMetrics', () => {
  let vm: VictoriaMetrics;
  let dir: string;
  let collector: RunningCollector | undefined;
  let outbox: SqliteOutbox | undefined;
  let client: StreamClient | undefined;
  let logLines: string[];

  beforeAll(async () => {
    vm = await VictoriaMetrics.start(vmBin!);
  });

  afterAll(async () => {
    await vm?.dispose();
  });

  afterEach(async () => {
    await client?.stop();
    client = undefined;
    outbox?.close();
    outbox = undefined;
    await collector?.close();
    collector = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  /** A collector exporting to the VictoriaMetrics, one enrolled agent streaming to it. */
  async function setUp(municipality: string): Promise<{ agentId: string; schoolId: string }> {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-influx-e2e-'));
    logLines = [];
    collector = await startCollector({
      port: 0,
      dataDir: join(dir, 'collector'),
      logger: { level: 'debug', stream: { write: (line) => logLines.push(line) } },
      dashboardAssets: false,
      config: {
        influx: vm.influxExport({ timeoutMs: 5_000 }),
      },
    });
    const school = await collector.store.createSchool({ name: 'Vik skule', municipality, pupils: 120 });
    const code = await collector.store.createEnrollmentCode(school.id, 3_600_000);
    const enrolled = await collector.store.redeemEnrollmentCode(code.code, {
      hostname: 'srv1',
      agent_version: '0.1.0',
    });
    outbox = new SqliteOutbox(join(dir, 'outbox.sqlite'));
    client = new StreamClient({
      collectorUrl: collector.url,
      agentId: enrolled.agent_id,
      secret: enrolled.secret,
      outbox,
      agentVersion: '0.1.0-test',
      backoff: { initialMs: 50, maxMs: 200 },
    });
    client.start();
    return { agentId: enrolled.agent_id, schoolId: school.id };
  }

  const results = (agentId: string, schoolId: string, measurement: string, n: number): Result[] =>
    Array.from({ length: n }, (_, i) => ({
      id: uuidv7(),
      agent_id: agentId,
      school_id: schoolId,
      measurement,
      fields: {
        rtt_avg_ms: 10 + i * 0.25,
        loss_pct: i % 3,
        gateway_reachable: i % 2 === 0,
        result: i % 2 === 0 ? 'success' : 'timeout "gw", see log\\',
      },
      tags: { target: i % 2 === 0 ? 'collector' : 'gateway 1', room: 'B,12=a' },
      // Distinct, recent timestamps in whole milliseconds.
      at: new Date(Date.now() - 60_000 + i * 7).toISOString(),
    }));

  /** The exported series must hold exactly the stored results, field by field. */
  async function expectExported(stored: readonly Result[], municipality: string, measurement: string) {
    await eventually(async () => {
      const series = bySeries(await vm.export(`{__name__=~"${measurement}_.*"}`));
      for (const r of stored) {
        const labels = {
          ...r.tags,
          school: r.school_id,
          municipality,
          agent: r.agent_id,
          role: 'school_server',
        };
        for (const [field, value] of Object.entries(r.fields)) {
          const samples = series.get(seriesKey({ __name__: `${measurement}_${field}`, ...labels }));
          const got = samples?.get(Date.parse(r.at));
          expect(got, `${measurement}_${field} of ${r.id}`).toBeDefined();
          // VictoriaMetrics stores booleans as 1/0 and keeps only a placeholder for strings,
          // whose presence shows the line (quotes, commas, backslash) was parsed whole.
          if (typeof value === 'number') expect(got).toBe(value);
          if (typeof value === 'boolean') expect(got).toBe(value ? 1 : 0);
        }
      }
      const sampleCount = [...series.values()].reduce((n, s) => n + s.size, 0);
      expect(sampleCount).toBe(stored.length * 4);
    });
  }

  it('exports every stored result with its fields and the school, municipality, agent and role tags', async () => {
    const municipality = 'Sør-Varanger, Finnmark';
    const { agentId, schoolId } = await setUp(municipality);
    const sent = results(agentId, schoolId, 'e2e_latency', 40);
    outbox!.append(sent);
    await eventually(() => expect(outbox!.depth()).toBe(0));
    expect(await collector!.store.countResults({ agentId })).toBe(40);
    await expectExported(sent, municipality, 'e2e_latency');
    // The agent enrolled without a role is a school server, and says so on every series.
    const any = await vm.export('{__name__="e2e_latency_rtt_avg_ms"}');
    expect(any.length).toBeGreaterThan(0);
    expect(any.every((s) => s.metric.role === 'school_server')).toBe(true);
    expect(collector!.app.metrics.export.written.get()).toBe(40);
    expect(collector!.app.metrics.export.buffered.get()).toBe(0);

    // Structured logs: ids and counts, never the token or result contents.
    const logs = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logs).toContainEqual(
      expect.objectContaining({ msg: 'exporting results to InfluxDB', url: vm.url, bucket: 'results' }),
    );
    expect(logs).toContainEqual(expect.objectContaining({ msg: 'agent connected', agent_id: agentId }));
    const stored = logs.filter((l) => l.msg === 'batch stored');
    expect(stored.reduce((n, l) => n + (l.stored as number), 0)).toBe(40);
    expect(stored.every((l) => typeof l.store_ms === 'number')).toBe(true);
    const all = logLines.join('');
    for (const secret of ['test-token', 'gateway 1', 'timeout \\"gw\\"', 'B,12=a']) {
      expect(all).not.toContain(secret);
    }
  });

  it('keeps ingesting while VictoriaMetrics is down, counts the errors, and exports after it returns', async () => {
    const municipality = 'Vik';
    const { agentId, schoolId } = await setUp(municipality);
    const before = results(agentId, schoolId, 'e2e_outage', 10);
    outbox!.append(before);
    await eventually(() => expect(collector!.app.metrics.export.written.get()).toBe(10));

    await vm.stop();
    const during = results(agentId, schoolId, 'e2e_outage', 30).map((r, i) => ({
      ...r,
      at: new Date(Date.now() - 30_000 + i * 11).toISOString(),
    }));
    outbox!.append(during);
    // Ingest acknowledges everything while the export cannot write.
    await eventually(() => expect(outbox!.depth()).toBe(0));
    expect(await collector!.store.countResults({ agentId })).toBe(40);
    await eventually(() =>
      expect(collector!.app.metrics.export.errors.get({ stage: 'write' })).toBeGreaterThan(0),
    );
    expect(collector!.app.metrics.export.written.get()).toBe(10);

    const scrape = await (await fetch(`${collector!.url}/metrics`)).text();
    expect(scrape).toMatch(/^skolnet_export_errors_total\{stage="write"\} [1-9]\d*$/m);
    expect(scrape).toMatch(/^skolnet_export_points_buffered 30$/m);
    expect(scrape).toMatch(/^skolnet_ingest_results_total 40$/m);

    await vm.restart();
    await eventually(() => expect(collector!.app.metrics.export.written.get()).toBe(40));
    expect(collector!.app.metrics.export.dropped.get({ reason: 'overflow' })).toBe(0);
    await expectExported([...before, ...during], municipality, 'e2e_outage');
  });
});
