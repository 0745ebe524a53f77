import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import { uuidv7, type Result } from '@skolnet/shared';
import { missingComponent } from '../support/real-component.js';
import { findVictoriaMetrics, VictoriaMetrics } from '../support/victoria-metrics.js';

/**
 * The Grafana dashboards in dashboards/grafana/ against a real
 * VictoriaMetrics holding what skolnet's InfluxDB export wrote: every
 * template variable's query and every panel's query, with the variables
 * and Grafana's own macros filled in as Grafana fills them, must return
 * series. The results are synthetic (hand-made in the probes' documented
 * shapes: agent/src/probes/<name>/README.md), written through a running
 * collector's export sink.
 */

const vmBin = findVictoriaMetrics();
const skip = missingComponent(
  'victoria-metrics',
  vmBin !== undefined,
  'Debian package victoria-metrics: apt-get install victoria-metrics',
);

const GRAFANA_DIR = fileURLToPath(new URL('../../dashboards/grafana/', import.meta.url));
const DASHBOARDS = ['national.json', 'school.json'] as const;

/** End of the data: a fixed past hour, so nothing here depends on the wall clock. */
const END_MS = Date.parse('2026-03-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;
/** Hours of data before END_MS. */
const HOURS = 24;
/** Query step and Grafana's `$__interval` for it. */
const STEP = '1h';

interface Target {
  refId: string;
  expr: string;
  instant?: boolean;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Variable {
  name: string;
  type: string;
  query?: string | { query: string };
  allValue?: string;
}
interface Dashboard {
  uid: string;
  title: string;
  templating: { list: Variable[] };
  panels: Panel[];
}

/** Every panel, those inside rows included. */
function allPanels(panels: readonly Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])]);
}

/**
 * A query with its variables filled in as Grafana's Prometheus data source
 * does: `$name`, `${name}` and `[[name]]`; a regex-matched "All" becomes
 * the variable's allValue; Grafana's interval macros become the step and
 * the dashboard range.
 */
function interpolate(expr: string, values: Readonly<Record<string, string>>): string {
  const builtins: Record<string, string> = {
    __interval: STEP,
    __rate_interval: '4h',
    __range: `${HOURS}h`,
  };
  const all = { ...builtins, ...values };
  const out = expr.replace(/\$\{(\w+)(?::\w+)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (whole, a, b, c) => {
    const name = (a ?? b ?? c) as string;
    const value = all[name];
    if (value === undefined) throw new Error(`no value for variable ${whole} in ${expr}`);
    return value;
  });
  return out;
}

/** Regex escaping of a label value, as Grafana applies it for `=~` with a chosen value. */
function regexValue(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');
}

interface QueryAnswer {
  status: string;
  data: {
    resultType: string;
    result: { metric: Record<string, string>; values?: unknown[]; value?: unknown }[];
  };
}

describe.skipIf(skip)('Grafana dashboards against VictoriaMetrics holding the export', () => {
  let vm: VictoriaMetrics;
  let dir: string;
  let collector: RunningCollector;
  /** School ids by municipality. */
  const schools = new Map<string, string[]>();
  /** Each school's throughput download per agent, Mbit/s. */
  const downloads = new Map<string, number[]>();
  let exported = 0;

  beforeAll(async () => {
    vm = await VictoriaMetrics.start(vmBin!);
    dir = await mkdtemp(join(tmpdir(), 'skolnet-grafana-'));
    collector = await startCollector({
      port: 0,
      dataDir: join(dir, 'collector'),
      quiet: true,
      dashboardAssets: false,
      config: {
        influx: vm.influxExport(),
      },
    });
    const store = collector.store;
    // Names as Latvia spells them: a space, long marks, a dot.
    const layout: [string, number][] = [
      ['Rēzeknes novads', 2],
      ['Valmieras novads', 1],
      ['Rīga', 2],
    ];
    const results: Result[] = [];
    let k = 0;
    for (const [municipality, count] of layout) {
      for (let n = 0; n < count; n += 1, k += 1) {
        const school = await store.createSchool({ name: `Skola ${k}`, municipality, pupils: 100 + k });
        schools.set(municipality, [...(schools.get(municipality) ?? []), school.id]);
        // The first school also has a lab PC: two agents, two series per measurement.
        const roles = k === 0 ? (['school_server', 'lab_pc'] as const) : (['school_server'] as const);
        const mbps: number[] = [];
        for (const [a, role] of roles.entries()) {
          const code = await store.createEnrollmentCode(school.id, HOUR_MS);
          const agent = await store.redeemEnrollmentCode(code.code, {
            hostname: `h${k}-${a}`,
            agent_version: '1',
            role,
          });
          const download = 20 * (k + 1) + 7 * a;
          mbps.push(download);
          results.push(...agentResults(agent.agent_id, school.id, k, download));
        }
        downloads.set(school.id, mbps);
      }
    }
    const outcome = await store.insertResults(results);
    expect(outcome.inserted).toBe(results.length);
    collector.app.resultSink!.submit(results);
    exported = results.length;
    await vi.waitFor(() => expect(collector.app.metrics.export.written.get()).toBe(exported), {
      timeout: 60_000,
      interval: 100,
    });
    await fetch(`${vm.url}/internal/force_flush`);
  }, 120_000);

  afterAll(async () => {
    await collector?.close();
    await vm?.dispose();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** One agent's day of results in the probes' shapes, hourly; throughput every 3 h, ndt7 every 6 h. */
  function agentResults(agentId: string, schoolId: string, k: number, download: number): Result[] {
    const out: Result[] = [];
    const result = (
      measurement: string,
      at: number,
      fields: Result['fields'],
      tags: Result['tags'],
    ): Result => ({
      id: uuidv7(),
      agent_id: agentId,
      school_id: schoolId,
      measurement,
      fields,
      tags,
      at: new Date(at).toISOString(),
    });
    for (let h = 0; h < HOURS; h += 1) {
      const at = END_MS - (HOURS - h) * HOUR_MS + 60_000 * (k + 1);
      for (const [target, rtt] of [
        ['gateway', 1 + k * 0.1],
        ['collector', 12 + k * 3],
      ] as const) {
        out.push(
          result(
            'latency',
            at,
            {
              result: 'success',
              rtt_min_ms: rtt * 0.8,
              rtt_avg_ms: rtt,
              rtt_max_ms: rtt * 1.5,
              rtt_p50_ms: rtt,
              rtt_p95_ms: rtt * 1.4,
              jitter_ms: rtt * 0.1,
              loss_pct: target === 'collector' ? k % 3 : 0,
              sent: 20,
              received: 20 - (target === 'collector' ? k % 3 : 0),
            },
            {
              target,
              host: target === 'gateway' ? '192.168.1.1' : 'collector.skolnet.example',
              method: 'icmp',
            },
          ),
        );
      }
      out.push(
        result(
          'dns',
          at + 1000,
          { result: 'success', lookup_ms: 8 + k, lookups: 3, failed: 0 },
          {
            resolver: 'system',
            name: 'collector.skolnet.example',
          },
        ),
        result(
          'http',
          at + 2000,
          { result: 'success', ttfb_ms: 40 + k, tcp_connect_ms: 12, status_code: 200 },
          {
            target: 'collector.skolnet.example:443',
          },
        ),
        result(
          'wifi_link',
          at + 3000,
          { result: 'connected', rssi_dbm: -50 - k, channel: 36, band_ghz: 5, source: 'iw' },
          { interface: 'wlan0', ssid: 'skola', bssid: '00:11:22:33:44:55', room: `B${k}` },
        ),
      );
      if (h % 3 === 0) {
        out.push(
          result(
            'throughput',
            at + 4000,
            {
              result: 'success',
              download_mbps: download,
              upload_mbps: download / 4,
              rtt_idle_ms: 12,
              rtt_loaded_ms: 30,
              bufferbloat_ms: 18,
            },
            { target: 'collector.skolnet.example' },
          ),
        );
      }
      if (h % 6 === 0) {
        out.push(
          result(
            'ndt7',
            at + 5000,
            { result: 'success', download_mbps: download * 0.9, upload_mbps: download / 5 },
            {
              server: 'collector.skolnet.example:443',
            },
          ),
        );
      }
    }
    return out;
  }

  async function query(expr: string, instant: boolean): Promise<QueryAnswer> {
    const params = new URLSearchParams({ query: expr, nocache: '1' });
    if (instant) params.set('time', String(END_MS / 1000));
    else {
      params.set('start', String((END_MS - HOURS * HOUR_MS) / 1000));
      params.set('end', String(END_MS / 1000));
      params.set('step', STEP);
    }
    const res = await fetch(`${vm.url}/api/v1/${instant ? 'query' : 'query_range'}?${params.toString()}`);
    const body = (await res.json()) as QueryAnswer & { error?: string };
    if (!res.ok) throw new Error(`${expr}: HTTP ${res.status} ${body.error ?? ''}`);
    return body;
  }

  /** `label_values(selector, label)`, as Grafana's Prometheus variable query runs it. */
  async function labelValues(definition: string): Promise<string[]> {
    const m = /^label_values\((.+),\s*(\w+)\)$/.exec(definition);
    if (m === null) throw new Error(`not a label_values query: ${definition}`);
    const params = new URLSearchParams({
      'match[]': m[1]!,
      start: String((END_MS - HOURS * HOUR_MS) / 1000),
      end: String(END_MS / 1000),
    });
    const res = await fetch(`${vm.url}/api/v1/label/${m[2]!}/values?${params.toString()}`);
    if (!res.ok) throw new Error(`${definition}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: string[] }).data;
  }

  const load = (file: string): Dashboard =>
    JSON.parse(readFileSync(join(GRAFANA_DIR, file), 'utf8')) as Dashboard;

  it.each(DASHBOARDS)('%s: every panel reads a templated Prometheus data source and has a query', (file) => {
    const d = load(file);
    expect(d.uid).toMatch(/^skolnet-/);
    const panels = allPanels(d.panels).filter((p) => p.type !== 'row');
    expect(panels.length).toBeGreaterThan(5);
    expect(new Set(allPanels(d.panels).map((p) => p.id)).size).toBe(allPanels(d.panels).length);
    const ds = d.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
    }
  });

  /** Every combination of variable values the test runs a dashboard with. */
  function settings(file: string): { label: string; values: Record<string, string> }[] {
    const [firstSchool] = schools.get('Rēzeknes novads')!;
    if (file === 'national.json') {
      return [
        { label: 'all municipalities', values: { municipality: '.*', window: '1d', datasource: 'vm' } },
        {
          label: 'one municipality',
          values: { municipality: regexValue('Rēzeknes novads'), window: '6h', datasource: 'vm' },
        },
      ];
    }
    return [
      {
        label: 'a school with two agents',
        values: { municipality: '.*', school: firstSchool!, window: '1d', datasource: 'vm' },
      },
      {
        label: 'a school with one agent',
        values: {
          municipality: regexValue('Rīga'),
          school: schools.get('Rīga')![1]!,
          window: '6h',
          datasource: 'vm',
        },
      },
    ];
  }

  it.each(DASHBOARDS)('%s: every template variable query lists values the export wrote', async (file) => {
    const d = load(file);
    const queries = d.templating.list.filter((v) => v.type === 'query');
    expect(queries.length).toBeGreaterThan(0);
    for (const { values } of settings(file)) {
      for (const v of queries) {
        const definition = typeof v.query === 'string' ? v.query : v.query!.query;
        const listed = await labelValues(interpolate(definition, values));
        expect(listed.length, `${v.name}: ${definition}`).toBeGreaterThan(0);
        if (v.name === 'municipality') expect(listed.sort()).toEqual([...schools.keys()].sort());
        if (v.name === 'school') expect(listed).toContain(values['school']);
      }
    }
  });

  it.each(DASHBOARDS)('%s: every panel query returns series', async (file) => {
    const d = load(file);
    for (const { label, values } of settings(file)) {
      for (const p of allPanels(d.panels)) {
        for (const t of p.targets ?? []) {
          const expr = interpolate(t.expr, values);
          const answer = await query(expr, t.instant === true);
          const where = `${file} (${label}) "${p.title}" ${t.refId}: ${expr}`;
          expect(answer.status, where).toBe('success');
          expect(answer.data.result.length, where).toBeGreaterThan(0);
          for (const series of answer.data.result) {
            const samples = t.instant === true ? [series.value] : (series.values ?? []);
            expect(samples.length, where).toBeGreaterThan(0);
            for (const s of samples) expect(Number((s as [number, string])[1]), where).not.toBeNaN();
          }
        }
      }
    }
  });

  it('national: the median download is the median over schools of each school median', async () => {
    const d = load('national.json');
    const stat = allPanels(d.panels).find((p) => p.type === 'stat' && p.title === 'Median download')!;
    const answer = await query(
      interpolate(stat.targets![0]!.expr, { municipality: '.*', window: '1d' }),
      true,
    );
    expect(answer.data.result).toHaveLength(1);
    // Prometheus' quantile: linear interpolation between the closest ranks.
    const median = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      const rank = 0.5 * (s.length - 1);
      const lo = Math.floor(rank);
      return s[lo]! + (s[Math.ceil(rank)]! - s[lo]!) * (rank - lo);
    };
    const expected = median([...downloads.values()].map(median));
    expect(Number((answer.data.result[0]!.value as [number, string])[1])).toBeCloseTo(expected, 6);

    const reporting = allPanels(d.panels).find((p) => p.type === 'stat' && p.title === 'Schools reporting')!;
    const count = await query(
      interpolate(reporting.targets![0]!.expr, { municipality: '.*', window: '1d' }),
      true,
    );
    expect(Number((count.data.result[0]!.value as [number, string])[1])).toBe(downloads.size);
  });

  it('exports only results: every label on the exported series is a probe tag or the identity tags', async () => {
    const series = await vm.export('{__name__!=""}');
    expect(series.length).toBeGreaterThan(0);
    const labels = new Set(series.flatMap((s) => Object.keys(s.metric)));
    const allowed = [
      '__name__',
      'school',
      'municipality',
      'agent',
      'role',
      'target',
      'host',
      'method',
      'resolver',
      'name',
      'server',
      'interface',
      'ssid',
      'bssid',
      'room',
    ];
    expect([...labels].filter((l) => !allowed.includes(l))).toEqual([]);
  });
});
