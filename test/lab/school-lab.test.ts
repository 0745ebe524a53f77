/**
 * The probes in a school built of network namespaces (see school-lab.ts):
 * the collector runs in the "ministry" namespace behind a shaped, lossy
 * WAN link, the agent in the "school" namespace, both from their built
 * CLIs. These tests assert sane behaviour (a shaped 50 Mbit/s line reads
 * as about 50); the accuracy targets are in test/bench/accuracy.bench.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBin, collectorBin } from '../support/processes.js';
import { missingComponent } from '../support/real-component.js';
import type { RunningProcess } from '../support/processes.js';
import { LabAddresses, SchoolLab, labMissingReason } from './school-lab.js';

const reason = labMissingReason();
const skip = missingComponent('the namespace lab', reason === undefined, reason ?? '');

interface Result {
  measurement: string;
  fields: Record<string, unknown>;
  tags: Record<string, string>;
}

describe.skipIf(skip)('probes in the namespace lab', () => {
  let lab: SchoolLab;
  let dir: string;
  let collector: RunningProcess;
  let lanPeer: RunningProcess;
  let url = '';
  let lanUrl = '';

  beforeAll(async () => {
    lab = SchoolLab.create();
    dir = await mkdtemp(join(tmpdir(), 'skolnet-lab-'));
    collector = lab.startNode(
      lab.ns.ministry,
      [collectorBin, 'serve', '--host', LabAddresses.ministry, '--port', '8080', '--data', join(dir, 'wan')],
      { SKOLNET_LOG_LEVEL: 'warn' },
    );
    // A second collector on the school LAN: the LAN peer of the bottleneck probe.
    lanPeer = lab.startNode(
      lab.ns.lanPeer,
      [collectorBin, 'serve', '--host', LabAddresses.lanPeer, '--port', '8080', '--data', join(dir, 'lan')],
      { SKOLNET_LOG_LEVEL: 'warn' },
    );
    url = (await collector.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    lanUrl = (await lanPeer.waitFor(/listening on (http:\/\/\S+)/))[1]!;
  });

  afterAll(async () => {
    await collector?.stop();
    await lanPeer?.stop();
    lab?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `skolnet-agent assess --json` in the school namespace; its results. */
  async function assess(...args: string[]): Promise<Result[]> {
    const r = await lab.runNode(lab.ns.school, [agentBin, 'assess', '--collector', url, '--json', ...args]);
    expect(r.code, r.stderr).toBe(0);
    return (JSON.parse(r.stdout) as { results: Result[] }).results;
  }

  it('measures a WAN shaped to 50 Mbit/s as about 50 in both directions, and the queue under load', async () => {
    lab.setLoss(0);
    lab.shape(50);
    const [r] = await assess(
      '--only',
      'throughput',
      '--set',
      'throughput.duration_s=4',
      '--set',
      'throughput.warmup_s=1',
    );
    const f = r!.fields;
    expect(f.result).toBe('success');
    // Goodput of a 50 Mbit/s tbf is 50 × 1448/1514 ≈ 47.8 Mbit/s.
    expect(f.download_mbps).toBeGreaterThan(40);
    expect(f.download_mbps).toBeLessThan(55);
    expect(f.upload_mbps).toBeGreaterThan(40);
    expect(f.upload_mbps).toBeLessThan(55);
    expect(f).toMatchObject({ streams: 4, duration_s: 4, warmup_s: 1 });
    expect(String(f.download_series_mbps).split(',').length).toBeGreaterThanOrEqual(4);
    expect(String(f.upload_series_mbps).split(',').length).toBeGreaterThanOrEqual(4);
    // The tbf queue (20 ms of the rate) fills under load: RTT grows well past idle.
    expect(f.rtt_loaded_ms).toBeGreaterThan((f.rtt_idle_ms as number) + 2);
  }, 120_000);

  // A 95 % interval misses the true rate 5 % of the time by construction,
  // so one miss is retried: the test then fails only when the interval is
  // wrong, not once in twenty runs (two misses in a row: 0.25 %).
  it.each([2, 5])(
    'puts injected loss of %i percent inside the reported 95 percent interval',
    async (pct) => {
      lab.shape(undefined);
      lab.setLoss(pct);
      let last: Record<string, unknown> = {};
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const results = await assess('--only', 'latency', '--set', 'latency.gateway=off');
        const r = results.find((x) => x.measurement === 'latency' && x.tags.target === 'collector');
        expect(r?.tags.method).toBe('icmp');
        last = r!.fields;
        expect(last).toMatchObject({ result: 'success', sent: 500 });
        const low = last.loss_ci_low_pct as number;
        const high = last.loss_ci_high_pct as number;
        // The width follows the loss actually observed, which scatters around
        // the injected rate: bound it by the Wilson width at that observed
        // rate (z = 1.96, n = 500), plus the outward rounding to 0.01 pp.
        // (±2 pp at exactly 5 % is checked in the latency statistics tests.)
        const p = (last.loss_pct as number) / 100;
        const z = 1.96;
        const n = 500;
        const wilsonWidthPct =
          ((2 * z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n)) * 100;
        expect(high - low).toBeLessThanOrEqual(wilsonWidthPct + 0.05);
        if (low <= pct && pct <= high) return;
      }
      expect.fail(`injected ${pct} % outside the interval twice: ${JSON.stringify(last)}`);
    },
    120_000,
  );

  it.each([
    { wan: 50, lan: undefined, expected: 'internet' },
    { wan: 200, lan: 20, expected: 'lan' },
  ])(
    'names $expected as the limit with the WAN at $wan and the LAN at $lan Mbit/s',
    async ({ wan, lan, expected }) => {
      lab.setLoss(0);
      lab.shape(wan);
      lab.shapeLan(lan);
      try {
        const [r] = await assess(
          '--only',
          'bottleneck',
          '--set',
          `bottleneck.lan_peer=${lanUrl}`,
          '--set',
          'bottleneck.duration_s=3',
        );
        expect(r?.measurement).toBe('bottleneck');
        const f = r!.fields;
        expect(f).toMatchObject({ result: 'success', local_link: 'wired', limiting_segment: expected });
        expect(r!.tags.gateway).toBe(LabAddresses.routerLan);
        expect(f.gateway_rtt_ms).toBeGreaterThan(0);
        const limit = Math.min(wan, lan ?? Infinity);
        expect(f.wan_download_mbps).toBeGreaterThan(limit * 0.8);
        expect(f.wan_download_mbps).toBeLessThan(limit * 1.1);
        if (lan !== undefined) expect(f.lan_mbps).toBeLessThan(lan * 1.1);
        else expect(f.lan_mbps).toBeGreaterThan(wan * 2);
      } finally {
        lab.shapeLan(undefined);
      }
    },
    120_000,
  );

  it('times DNS, TCP connect and time to first byte to the collector', async () => {
    lab.shape(undefined);
    lab.setLoss(0);
    const results = await assess('--only', 'http', '--set', 'http.count=3');
    expect(results[0]).toMatchObject({
      measurement: 'http',
      tags: { target: `${LabAddresses.ministry}:8080` },
      fields: { result: 'success', status_code: 200, fetches: 3, failed: 0 },
    });
    expect(results[0]!.fields.ttfb_ms).toBeGreaterThanOrEqual(results[0]!.fields.tcp_connect_ms as number);
  }, 60_000);
});
