/**
 * Vendor acceptance end to end in the namespace lab (school-lab.ts): a
 * 50/50 Mbit/s line contract, the WAN shaped to 45 Mbit/s (0.9 of the
 * contract) passes and shaped to 35 (0.7) fails, with the report naming
 * the failing criteria, and `skolnet-collector verify-report` accepts the
 * signed report and refuses it after one changed byte.
 *
 * The speed and latency tests are real: `skolnet-agent assess` in the
 * school namespace against a collector in the ministry namespace across
 * the shaped link. The campaign's school days are not waited for: the
 * agent's clock cannot run faster than real time, so the test drives the
 * campaign's tests directly, giving each assessment's results a lesson
 * hour on the campaign's successive school days and storing them in an
 * acceptance collector whose clock the test moves (its verdict needs 4
 * tests per direction here instead of the default 20).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import {
  DEFAULT_ACCEPTANCE_THRESHOLDS,
  buildApp,
  createChromiumPdfRenderer,
  createSqliteStore,
  findChromium,
  type Store,
} from '@skolnet/collector';
import { uuidv7, type Result } from '@skolnet/shared';
import { createTestAccount, type TestAccount } from '../../collector/src/testing/accounts.js';
import { agentBin, collectorBin, runToEnd } from '../support/processes.js';
import type { RunningProcess } from '../support/processes.js';
import { missingComponent } from '../support/real-component.js';
import { LabAddresses, SchoolLab, labMissingReason } from './school-lab.js';

const reason = labMissingReason();
const skip = missingComponent('the namespace lab', reason === undefined, reason ?? '');

// Monday 2 March 2026, 08:00 in Riga: the campaign's first lesson.
const MONDAY = Date.parse('2026-03-02T06:00:00.000Z');
const DAY = 86_400_000;
/** Assessments per scenario, one per school day: each gives one download, one upload and latency runs. */
const RUNS = 4;

interface AssessResult {
  measurement: string;
  fields: Record<string, string | number | boolean>;
  tags: Record<string, string>;
}

describe.skipIf(skip)('vendor acceptance in the namespace lab', () => {
  let lab: SchoolLab;
  let dir: string;
  let speedServer: RunningProcess;
  let url = '';
  let store: Store;
  let app: FastifyInstance;
  let clock = MONDAY;
  let planner: TestAccount;
  let vendor: TestAccount;
  let agentId = '';
  const schools: string[] = [];
  const chromium = findChromium();

  beforeAll(async () => {
    lab = SchoolLab.create();
    dir = await mkdtemp(join(tmpdir(), 'skolnet-acceptance-lab-'));
    speedServer = lab.startNode(
      lab.ns.ministry,
      [collectorBin, 'serve', '--host', LabAddresses.ministry, '--port', '8080', '--data', join(dir, 'wan')],
      { SKOLNET_LOG_LEVEL: 'warn' },
    );
    url = (await speedServer.waitFor(/listening on (http:\/\/\S+)/))[1]!;
    store = await createSqliteStore(join(dir, 'acceptance.db'));
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => new Date(clock) },
      acceptance: {
        keyDir: join(dir, 'keys'),
        pdf: createChromiumPdfRenderer(chromium ?? null),
        thresholds: {
          ...DEFAULT_ACCEPTANCE_THRESHOLDS,
          min_download_tests: RUNS,
          min_upload_tests: RUNS,
          min_latency_measurements: RUNS,
        },
      },
    });
    planner = await createTestAccount(store, 'planner');
    vendor = await createTestAccount(store, 'vendor', { vendor: 'SIA Tīkli' });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await speedServer?.stop();
    lab?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `RUNS` assessments of the shaped line from the school namespace. */
  async function measure(mbps: number): Promise<AssessResult[][]> {
    lab.setLoss(0);
    lab.shape(mbps);
    const runs: AssessResult[][] = [];
    for (let i = 0; i < RUNS; i += 1) {
      const r = await lab.runNode(lab.ns.school, [
        agentBin,
        'assess',
        '--collector',
        url,
        '--json',
        '--only',
        'throughput,latency',
        '--set',
        'throughput.duration_s=4',
        '--set',
        'throughput.warmup_s=1',
        '--set',
        'latency.count=5',
        '--set',
        'latency.gateway=off',
      ]);
      expect(r.code, r.stderr).toBe(0);
      runs.push((JSON.parse(r.stdout) as { results: AssessResult[] }).results);
    }
    return runs;
  }

  /** A contract of 50/50 Mbit/s, marked complete on Monday 08:00, fed the runs on successive school days. */
  async function campaign(runs: AssessResult[][]): Promise<{ id: string; status: string; failed: string[] }> {
    clock = MONDAY;
    const school = await store.createSchool({
      name: `Lab school ${schools.length + 1}`,
      municipality: 'Cēsis',
      pupils: 200,
    });
    schools.push(school.id);
    const code = await store.createEnrollmentCode(school.id, 3_600_000, new Date(clock));
    agentId = (
      await store.redeemEnrollmentCode(code.code, { hostname: 'lab', agent_version: '1' }, new Date(clock))
    ).agent_id;
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts',
      headers: planner.headers,
      payload: {
        school_id: school.id,
        vendor: 'SIA Tīkli',
        kind: 'internet_line',
        download_max_mbps: 50,
        download_min_mbps: 10,
        upload_max_mbps: 50,
        upload_min_mbps: 10,
        completion_date: '2026-03-01',
        acceptance_window_days: 30,
        campaign_school_days: RUNS,
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const started = await app.inject({
      method: 'POST',
      url: `/api/v1/contracts/${created.json<{ id: string }>().id}/complete`,
      headers: vendor.headers,
    });
    expect(started.statusCode, started.body).toBe(201);
    const { id, ends_at } = started.json<{ id: string; ends_at: string }>();
    // Run i in the third lesson hour (10:00-11:00 Riga) of school day i.
    const results: Result[] = runs.flatMap((run, i) =>
      run.map((r, j) => ({
        id: uuidv7(),
        agent_id: agentId,
        school_id: school.id,
        measurement: r.measurement,
        fields: r.fields,
        tags: r.tags,
        at: new Date(MONDAY + i * DAY + 2 * 3_600_000 + j * 1000).toISOString(),
      })),
    );
    await store.insertResults(results);
    clock = Date.parse(ends_at) + 60_000;
    const progress = await app.inject({ url: `/api/v1/campaigns/${id}`, headers: vendor.headers });
    const body = progress.json<{ campaign: { status: string }; verdict: { failed: string[] } }>();
    return { id, status: body.campaign.status, failed: body.verdict.failed };
  }

  async function verifyCli(file: string, keyFile: string): Promise<{ code: number | null; out: string }> {
    const r = await runToEnd([collectorBin, 'verify-report', file, '--key', keyFile]);
    return { code: r.code, out: r.stdout + r.stderr };
  }

  it('passes a line shaped to 45 Mbit/s against a 50/50 contract, with a report that verifies', async () => {
    const result = await campaign(await measure(45));
    expect(result).toMatchObject({ status: 'pass', failed: [] });

    const keyFile = join(dir, 'report-key.json');
    await writeFile(keyFile, (await app.inject('/.well-known/skolnet-report-key')).body);
    const html = await app.inject({
      url: `/api/v1/campaigns/${result.id}/report?lang=en`,
      headers: planner.headers,
    });
    const htmlFile = join(dir, 'report.html');
    await writeFile(htmlFile, html.rawPayload);
    expect(await verifyCli(htmlFile, keyFile)).toMatchObject({ code: 0 });
    const changed = Buffer.from(html.rawPayload);
    const at = changed.indexOf('<h1>') + 4;
    changed[at] = changed[at]! ^ 0x01;
    await writeFile(htmlFile, changed);
    const bad = await verifyCli(htmlFile, keyFile);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('SKOLNET_REPORT_SIGNATURE_INVALID');
  }, 300_000);

  it('fails the same contract shaped to 35 Mbit/s and names download and upload in the report', async () => {
    const result = await campaign(await measure(35));
    expect(result).toMatchObject({ status: 'fail', failed: ['download', 'upload'] });
    const en = (
      await app.inject({ url: `/api/v1/campaigns/${result.id}/report?lang=en`, headers: vendor.headers })
    ).body;
    expect(en).toContain('Failed criteria: Download, Upload');
    const lv = (await app.inject({ url: `/api/v1/campaigns/${result.id}/report`, headers: vendor.headers }))
      .body;
    expect(lv).toContain('Neizpildītie kritēriji: Lejupielāde, Augšupielāde');
  }, 300_000);

  it.skipIf(missingComponent('chromium', chromium !== undefined, 'apt-get install chromium'))(
    'prints the report to a signed PDF; a changed byte fails verify-report',
    async () => {
      const campaignId = await lastCampaign();
      const pdf = await app.inject({
        url: `/api/v1/campaigns/${campaignId}/report.pdf?lang=en`,
        headers: vendor.headers,
      });
      expect(pdf.statusCode, pdf.body.slice(0, 200)).toBe(200);
      expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      const sig = await app.inject({
        url: `/api/v1/campaigns/${campaignId}/report.sig?lang=en&format=pdf`,
        headers: vendor.headers,
      });
      const pdfFile = join(dir, 'report.pdf');
      await writeFile(pdfFile, pdf.rawPayload);
      await writeFile(`${pdfFile}.sig`, sig.body);
      const keyFile = join(dir, 'report-key.json');
      await writeFile(keyFile, (await app.inject('/.well-known/skolnet-report-key')).body);
      expect(await verifyCli(pdfFile, keyFile)).toMatchObject({ code: 0 });
      // The same PDF again: printed once and kept, so both readers get the same bytes.
      const again = await app.inject({
        url: `/api/v1/campaigns/${campaignId}/report.pdf?lang=en`,
        headers: planner.headers,
      });
      expect(createHash('sha256').update(again.rawPayload).digest('hex')).toBe(
        createHash('sha256')
          .update(await readFile(pdfFile))
          .digest('hex'),
      );
      const changed = Buffer.from(pdf.rawPayload);
      const middle = Math.floor(changed.length / 2);
      changed[middle] = changed[middle]! ^ 0x01;
      await writeFile(pdfFile, changed);
      expect((await verifyCli(pdfFile, keyFile)).code).toBe(1);
    },
    120_000,
  );

  async function lastCampaign(): Promise<string> {
    const contracts = await store.acceptance.listContracts();
    const campaigns = await store.acceptance.listCampaigns(contracts[0]!.id);
    return campaigns[campaigns.length - 1]!.id;
  }
});
