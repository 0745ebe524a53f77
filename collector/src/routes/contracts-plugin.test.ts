import { createPublicKey } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Result } from '@skolnet/shared';
import { buildApp } from '../app.js';
import { parseSignature, verifyReport } from '../acceptance/report-signature.js';
import type { Verdict } from '../acceptance/verdict.js';
import { createChromiumPdfRenderer } from '../runtime/report-pdf.js';
import { REPORT_KEY_FILE } from '../security/report-key.js';
import type { CampaignProgress } from '../services/acceptance-service.js';
import type { Campaign, Contract } from '../storage/acceptance-store.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount, type TestAccount } from '../testing/accounts.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';

// Monday 2 March 2026, 08:00 in Riga (UTC+2): the first lesson of a school week.
const MONDAY = Date.parse('2026-03-02T06:00:00.000Z');
/** Lesson hours a day in the default timetable the test's school follows (shared DEFAULT_LESSON_HOURS, 08:00-16:00). */
const LESSON_HOURS_PER_DAY = 8;
const HOUR = 3_600_000;

const CONTRACT = {
  vendor: 'SIA Tīkli',
  kind: 'internet_line',
  reference: 'IZM-2026/17',
  download_max_mbps: 50,
  download_min_mbps: 10,
  upload_max_mbps: 50,
  upload_min_mbps: 10,
  completion_date: '2026-03-01',
  acceptance_window_days: 30,
};

describe('vendor contracts, campaigns and reports', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  let clock: number;
  let schoolId: string;
  let otherSchoolId: string;
  let agentId: string;
  let planner: TestAccount;
  let vendor: TestAccount;
  let rival: TestAccount;

  const call = (who: TestAccount, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: who.headers,
      ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    });

  beforeEach(async () => {
    ({ store, dir, cleanup } = await createTempStore());
    clock = MONDAY;
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => new Date(clock) },
      // No PDF printer: the PDF's own test says what happens then; the real one is test/e2e's.
      acceptance: { keyDir: dir, pdf: createChromiumPdfRenderer(null) },
    });
    const school = await store.createSchool({ name: 'Cēsu pamatskola', municipality: 'Cēsis', pupils: 200 });
    const other = await store.createSchool({ name: 'Rīgas skola', municipality: 'Rīga', pupils: 500 });
    schoolId = school.id;
    otherSchoolId = other.id;
    const code = await store.createEnrollmentCode(schoolId, HOUR, new Date(clock));
    agentId = (
      await store.redeemEnrollmentCode(code.code, { hostname: 'srv', agent_version: '1' }, new Date(clock))
    ).agent_id;
    planner = await createTestAccount(store, 'planner');
    vendor = await createTestAccount(store, 'vendor', { vendor: 'SIA Tīkli' });
    rival = await createTestAccount(store, 'vendor', { vendor: 'SIA Citi' });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const createContract = async (over: Record<string, unknown> = {}): Promise<Contract> => {
    const res = await call(planner, 'POST', '/api/v1/contracts', {
      ...CONTRACT,
      school_id: schoolId,
      ...over,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json<Contract>();
  };

  /** A school week of results: a throughput test per lesson hour at `mbps`, latency every minute at 20 ms. */
  const schoolWeek = (mbps: number, days = 5): Result[] => {
    const out: Result[] = [];
    for (let day = 0; day < days; day += 1) {
      for (let hour = 0; hour < LESSON_HOURS_PER_DAY; hour += 1) {
        const start = MONDAY + day * 24 * HOUR + hour * HOUR;
        out.push(
          makeResult(agentId, schoolId, {
            measurement: 'throughput',
            fields: { result: 'success', download_mbps: mbps, upload_mbps: mbps },
            tags: { target: 'collector' },
            at: new Date(start + 20 * 60_000).toISOString(),
          }),
        );
        for (let minute = 0; minute < 60; minute += 1) {
          out.push(
            makeResult(agentId, schoolId, {
              fields: { result: 'success', rtt_p50_ms: 20, rtt_avg_ms: 21, loss_pct: 0 },
              at: new Date(start + minute * 60_000 + 30_000).toISOString(),
            }),
          );
        }
      }
    }
    return out;
  };

  it('validates a contract: errors refuse it with lv/en problems, a minimum under 20 % is flagged', async () => {
    const bad = await call(planner, 'POST', '/api/v1/contracts', {
      ...CONTRACT,
      school_id: schoolId,
      download_min_mbps: 60,
      completion_date: '2026-02-30',
    });
    expect(bad.statusCode).toBe(400);
    const problems = bad.json<{ problems: { code: string; field: string; message: { lv: string } }[] }>()
      .problems;
    expect(problems.map((p) => [p.code, p.field])).toEqual([
      ['SKOLNET_CONTRACT_INVALID', 'completion_date'],
      ['SKOLNET_CONTRACT_MIN_ABOVE_MAX', 'download_min_mbps'],
    ]);
    expect(problems[0]!.message.lv).toContain('GGGG-MM-DD');
    expect(
      (await call(planner, 'GET', '/api/v1/contracts')).json<{ contracts: unknown[] }>().contracts,
    ).toEqual([]);
    const flagged = await createContract({ upload_min_mbps: 9.99 });
    expect(flagged.warnings.map((w) => [w.code, w.field])).toEqual([
      ['SKOLNET_CONTRACT_MIN_BELOW_SPRK', 'upload_min_mbps'],
    ]);
    // Exactly 20 % is what SPRK asks: no flag.
    expect((await createContract({ upload_min_mbps: 10 })).warnings).toEqual([]);
    const unknown = await call(planner, 'POST', '/api/v1/contracts', { ...CONTRACT, school_id: 'nope' });
    expect(unknown.statusCode).toBe(404);
  });

  it("shows a vendor its own contracts and their schools, and no other vendor's", async () => {
    const own = await createContract();
    const theirs = await createContract({
      vendor: 'SIA Citi',
      kind: 'internal_network',
      rooms: 'Kab. 12; Zāle',
    });
    const elsewhere = await createContract({ vendor: 'SIA Citi', school_id: otherSchoolId });
    const list = (who: TestAccount) =>
      call(who, 'GET', '/api/v1/contracts').then((r) =>
        r.json<{ contracts: Contract[] }>().contracts.map((c) => c.id),
      );
    expect(await list(vendor)).toEqual([own.id]);
    expect((await list(rival)).sort()).toEqual([theirs.id, elsewhere.id].sort());
    expect((await list(planner)).sort()).toEqual([own.id, theirs.id, elsewhere.id].sort());
    expect(theirs.rooms).toEqual(['Kab. 12', 'Zāle']);
    // Both vendors have a contract at the first school, but neither reads the other's contract.
    expect((await call(vendor, 'GET', `/api/v1/contracts/${own.id}`)).statusCode).toBe(200);
    expect((await call(vendor, 'GET', `/api/v1/contracts/${theirs.id}`)).statusCode).toBe(403);
    expect((await call(rival, 'GET', `/api/v1/contracts/${own.id}`)).statusCode).toBe(403);
    expect((await call(vendor, 'POST', `/api/v1/contracts/${theirs.id}/complete`)).statusCode).toBe(403);
    // Schools: the ones their contracts name, no other.
    expect((await call(vendor, 'GET', `/api/v1/schools/${schoolId}`)).statusCode).toBe(200);
    expect((await call(vendor, 'GET', `/api/v1/schools/${otherSchoolId}`)).statusCode).toBe(403);
    expect((await call(rival, 'GET', `/api/v1/schools/${otherSchoolId}`)).statusCode).toBe(200);
    // A vendor creates no contracts.
    expect(
      (await call(vendor, 'POST', '/api/v1/contracts', { ...CONTRACT, school_id: schoolId })).statusCode,
    ).toBe(403);
  });

  it('imports contracts from CSV and XLSX, all or nothing', async () => {
    const header =
      'school_id;vendor;kind;download_max_mbps;download_min_mbps;upload_max_mbps;upload_min_mbps;completion_date;acceptance_window_days';
    const good = `\ufeff${header}\r\n${schoolId};SIA Tīkli;internet_line;100;20;100;5;2026-06-01;30\r\n${otherSchoolId};"SIA ""Citi""";internal_network;1000,5;200,1;1000;200;2026-07-01;45\r\n`;
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts/import',
      headers: { ...planner.headers, 'content-type': 'text/csv' },
      payload: good,
    });
    expect(ok.statusCode, ok.body).toBe(201);
    const imported = ok.json<{ imported: number; contracts: Contract[]; warnings: { line: number }[] }>();
    expect(imported.imported).toBe(2);
    expect(imported.contracts[1]).toMatchObject({ vendor: 'SIA "Citi"', download_max_mbps: 1000.5 });
    // Line 2's upload minimum is 5 % of its maximum: imported and flagged; line 3's is 20 % exactly.
    expect(imported.warnings.map((w) => w.line)).toEqual([2]);
    expect(imported.contracts[0]!.warnings[0]!.code).toBe('SKOLNET_CONTRACT_MIN_BELOW_SPRK');

    const bad = `${header}\n${schoolId};SIA Tīkli;internet_line;100;20;100;20;2026-06-01;30\n${schoolId};SIA Tīkli;fibre;100;20;100;20;2026-06-01;30\n`;
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts/import',
      headers: { ...planner.headers, 'content-type': 'text/csv' },
      payload: bad,
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json<{ problems: { message: { en: string } }[] }>().problems[0]!.message.en).toMatch(
      /^line 3: kind is/,
    );
    expect((await store.acceptance.listContracts()).length).toBe(2);

    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Līgumi');
    sheet.addRow([
      'school_id',
      'vendor',
      'kind',
      'download_max_mbps',
      'download_min_mbps',
      'upload_max_mbps',
      'upload_min_mbps',
      'completion_date',
      'acceptance_window_days',
    ]);
    sheet.addRow([
      schoolId,
      'SIA Tīkli',
      'internet_line',
      300,
      60,
      300,
      60,
      new Date('2026-08-15T00:00:00Z'),
      30,
    ]);
    const xlsx = Buffer.from(await workbook.xlsx.writeBuffer());
    const fromXlsx = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts/import',
      headers: {
        ...planner.headers,
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
      payload: xlsx,
    });
    expect(fromXlsx.statusCode, fromXlsx.body).toBe(201);
    expect(fromXlsx.json<{ contracts: Contract[] }>().contracts[0]).toMatchObject({
      download_max_mbps: 300,
      completion_date: '2026-08-15',
    });
    const garbage = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts/import',
      headers: {
        ...planner.headers,
        'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      },
      payload: Buffer.from('not a zip'),
    });
    expect(garbage.statusCode).toBe(400);
    expect((await store.acceptance.listContracts()).length).toBe(3);
  });

  const runCampaign = async (mbps: number) => {
    await store.setSchoolAgentConfig(schoolId, { probes: { dns: { enabled: false } }, data_budget_mb: 5000 });
    const contract = await createContract();
    const started = await call(vendor, 'POST', `/api/v1/contracts/${contract.id}/complete`);
    expect(started.statusCode, started.body).toBe(201);
    const campaign = started.json<Campaign>();
    // Five school days from Monday 08:00: Friday at 16:00 Riga time.
    expect(campaign.ends_at).toBe('2026-03-06T14:00:00.000Z');
    const pushed = JSON.parse((await store.findAgent(agentId))!.config_json!) as {
      probes: Record<string, { interval_s?: number; enabled?: boolean }>;
      data_budget_mb: number;
      campaign: unknown;
    };
    // The agents place a test in every lesson hour until the campaign's end.
    expect(pushed.campaign).toEqual({ id: campaign.id, ends_at: campaign.ends_at });
    expect(pushed.probes.throughput).toEqual({ enabled: true, interval_s: 900 });
    expect(pushed.probes.latency).toEqual({ enabled: true, interval_s: 60 });
    expect(pushed.probes.dns).toEqual({ enabled: false });
    expect(pushed.data_budget_mb).toBeGreaterThan(5000);
    const early = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    expect(early).toMatchObject({ school_days_left: 5, tests: { download: 0 } });
    expect(early.verdict.status).toBe('inconclusive');

    await store.insertResults(schoolWeek(mbps));
    clock = MONDAY + 2 * 24 * HOUR + 4 * HOUR; // Wednesday noon
    const mid = (await call(planner, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    expect(mid.school_days_done).toBe(3);
    expect(mid.school_days_left).toBe(2);
    expect(mid.tests.download).toBe(LESSON_HOURS_PER_DAY * 2 + 4);
    clock = Date.parse(campaign.ends_at) + 60_000;
    const done = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    return { contract, campaign: done.campaign, progress: done };
  };

  it('runs a campaign to a pass, restores the configuration and issues a signed report', async () => {
    const { contract, campaign, progress } = await runCampaign(45);
    expect(progress.tests).toEqual({ download: 40, upload: 40, latency: 2400 });
    expect(campaign.status).toBe('pass');
    expect(progress.school_days_left).toBe(0);
    expect((await store.acceptance.getContract(contract.id))!.status).toBe('accepted');
    const restored = JSON.parse((await store.findAgent(agentId))!.config_json!) as unknown;
    expect(restored).toEqual({ probes: { dns: { enabled: false } }, data_budget_mb: 5000 });

    const key = (await app.inject('/.well-known/skolnet-report-key')).json<{
      key_id: string;
      public_key_pem: string;
    }>();
    expect(statSync(join(dir, REPORT_KEY_FILE)).mode & 0o777).toBe(0o600);
    const html = await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report?lang=en`);
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).toContain('<span class="pass">pass</span>');
    const lv = await call(planner, 'GET', `/api/v1/campaigns/${campaign.id}/report`);
    expect(lv.body).toContain('<html lang="lv">');
    expect(lv.body).toContain('atbilst');
    const publicKey = createPublicKey(key.public_key_pem);
    const bytes = Buffer.from(html.rawPayload);
    expect(verifyReport(bytes, publicKey)).toEqual({ ok: true, key_id: key.key_id });
    const changed = Buffer.from(bytes);
    const at = changed.indexOf('45');
    changed[at] = '3'.charCodeAt(0);
    expect(verifyReport(changed, publicKey)).toMatchObject({ ok: false, reason: 'bad_signature' });
    // The detached signature covers the whole file as served.
    const sig = parseSignature(
      (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report.sig?lang=en`)).body,
    );
    expect(verifyReport(bytes, publicKey, sig)).toMatchObject({ ok: true });
    // The vendor and the planner read the same bytes.
    expect((await call(planner, 'GET', `/api/v1/campaigns/${campaign.id}/report?lang=en`)).body).toBe(
      html.body,
    );

    const csv = await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/measurements.csv`);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'at,agent_id,measurement,target,result,download_mbps,upload_mbps,rtt_ms,loss_pct,limiting_segment,skip_reason,uplink_in_util_pct,uplink_out_util_pct,skip_cause',
    );
    expect(lines).toHaveLength(1 + 40 + 2400);

    const retest = await call(vendor, 'POST', `/api/v1/campaigns/${campaign.id}/retest`);
    expect(retest.statusCode, retest.body).toBe(201);
    expect(retest.json<Campaign>()).toMatchObject({ retest_of: campaign.id, status: 'running' });
  });

  it('fails a campaign at 70 % of the contracted speed and names the failing criteria', async () => {
    const { campaign } = await runCampaign(35);
    expect(campaign.status).toBe('fail');
    expect((campaign.verdict as Verdict).failed).toEqual(['download', 'upload']);
    const html = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report?lang=en`)).body;
    expect(html).toContain('Failed criteria: Download, Upload');
  });

  it('judges an internal-network contract by the Wi-Fi of the rooms it names, surveyed during the campaign', async () => {
    const contract = await createContract({ kind: 'internal_network', rooms: 'Kab. 12; Zāle' });
    const campaign = (
      await call(vendor, 'POST', `/api/v1/contracts/${contract.id}/complete`)
    ).json<Campaign>();
    const survey = (room: string, rssi: number, minute: number): Result[] => {
      const tags = { room, room_use: 'teaching', ssid: 'Skola', bssid: '3c:41:0e:1a:2b:30' };
      const at = new Date(MONDAY + 26 * HOUR + minute * 60_000).toISOString();
      return [
        makeResult(agentId, schoolId, {
          measurement: 'wifi_link',
          fields: { result: 'connected', rssi_dbm: rssi, band_ghz: 5, channel: 36 },
          tags,
          at,
        }),
        makeResult(agentId, schoolId, {
          measurement: 'wifi_network',
          fields: { rssi_dbm: rssi, band_ghz: 5, channel: 36, security: 'wpa2', tkip: false, hidden: false },
          tags,
          at,
        }),
      ];
    };
    await store.insertResults([...schoolWeek(45), ...survey('Kab. 12', -55, 0), ...survey('Zāle', -72, 5)]);
    clock = Date.parse(campaign.ends_at) + 60_000;
    const done = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    expect(done.campaign.status).toBe('fail');
    expect(done.verdict.failed).toEqual(['wifi_rooms']);
    expect(done.verdict.criteria.find((c) => c.criterion === 'wifi_rooms')).toMatchObject({
      passing: 1,
      tests: 2,
    });
    // No SNMP sweep came: the uplink criterion was not possible, which fails nothing.
    expect(done.verdict.criteria.find((c) => c.criterion === 'uplink_utilisation')).toMatchObject({
      status: 'not_possible',
      tests: 0,
    });
    const html = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report?lang=en`)).body;
    expect(html).toContain('Wi-Fi coverage of the rooms the contract names');
    expect(html).toContain('<span class="not_possible">not possible</span>');
  });

  it("judges an internal-network contract by the uplink's p95 utilisation in lesson hours from stored SNMP sweeps", async () => {
    const contract = await createContract({ kind: 'internal_network' });
    const campaign = (
      await call(vendor, 'POST', `/api/v1/contracts/${contract.id}/complete`)
    ).json<Campaign>();
    // One sweep per lesson hour (5 days x 8): inbound busier at 60 % in all but the last three,
    // where outbound is busier at 95 %. Nearest-rank p95 of 40 is the 38th smallest: 95 %
    // when the busier direction counts, 60 % if only inbound did.
    const sweep = (at: number, fields: Record<string, unknown>): Result =>
      makeResult(agentId, schoolId, {
        measurement: 'snmp_network',
        fields: fields as Result['fields'],
        tags: {},
        at: new Date(at).toISOString(),
      });
    const sweeps: Result[] = [];
    for (let i = 0; i < 5 * LESSON_HOURS_PER_DAY; i += 1) {
      const day = Math.floor(i / LESSON_HOURS_PER_DAY);
      const at = MONDAY + day * 24 * HOUR + (i % LESSON_HOURS_PER_DAY) * HOUR + 40 * 60_000;
      const busy = i >= 5 * LESSON_HOURS_PER_DAY - 3;
      sweeps.push(
        sweep(at, {
          result: 'ok',
          uplink_in_util_pct: busy ? 20 : 60,
          uplink_out_util_pct: busy ? 95 : 30,
        }),
      );
    }
    // Left out: a sweep at night (not a lesson hour) and one the agent skipped.
    sweeps.push(sweep(MONDAY + 14 * HOUR, { result: 'ok', uplink_in_util_pct: 99, uplink_out_util_pct: 99 }));
    sweeps.push(sweep(MONDAY + 10 * 60_000, { result: 'skipped', reason: 'no_snmp_hosts' }));
    await store.insertResults([...schoolWeek(45), ...sweeps]);
    clock = Date.parse(campaign.ends_at) + 60_000;
    const done = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    expect(done.campaign.status).toBe('fail');
    expect(done.verdict.failed).toEqual(['uplink_utilisation']);
    expect(done.verdict.criteria.find((c) => c.criterion === 'uplink_utilisation')).toMatchObject({
      status: 'fail',
      tests: 40,
      passing: 37,
      measured: 95,
      required: 80,
    });
    const en = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report?lang=en`)).body;
    expect(en).toContain('Uplink utilisation in lesson hours (SNMP)');
    expect(en).toContain('p95 95 % (40 SNMP sweeps)');
    const lv = (await call(planner, 'GET', `/api/v1/campaigns/${campaign.id}/report`)).body;
    expect(lv).toContain('95. procentile 95 % (40 SNMP mērījumi)');
    const csv = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/measurements.csv`)).body;
    const snmp = csv.split('\r\n').filter((l) => l.includes(',snmp_network,'));
    expect(snmp).toHaveLength(42);
    expect(snmp.filter((l) => l.endsWith(',20,95,'))).toHaveLength(3);
  });

  it('extends an inconclusive campaign by two school days', async () => {
    const contract = await createContract();
    const campaign = (
      await call(vendor, 'POST', `/api/v1/contracts/${contract.id}/complete`)
    ).json<Campaign>();
    await store.insertResults(schoolWeek(45, 1));
    // Tuesday 09:00-10:00 Riga: the agent's campaign schedule closed the hour after every try failed.
    await store.insertResults([
      makeResult(agentId, schoolId, {
        measurement: 'schedule_skip',
        fields: { result: 'skipped', reason: 'not_possible', cause: 'failed', attempt: 5 },
        tags: { probe: 'throughput', reason: 'not_possible' },
        at: new Date(MONDAY + 25 * HOUR).toISOString(),
      }),
    ]);
    clock = Date.parse(campaign.ends_at) + 60_000;
    const progress = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    expect(progress.campaign).toMatchObject({ status: 'running', extensions: 1, school_days: 7 });
    // Not possible, so neither an offline hour nor a missing test.
    expect(progress.verdict.not_run.by_reason['not_possible']).toBe(1);
    const csv = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/measurements.csv`)).body;
    expect(csv).toContain(',schedule_skip,,skipped,,,,,,not_possible,,,failed\r\n');
    // Friday's end + 2 school days: Tuesday 10 March, 16:00 Riga.
    expect(progress.campaign.ends_at).toBe('2026-03-10T14:00:00.000Z');
    expect(progress.verdict.not_run.by_reason['agent_offline_hours']).toBe(4 * LESSON_HOURS_PER_DAY - 1);
    expect((await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report`)).statusCode).toBe(409);
    // The agents are told the new end.
    expect((await store.acceptance.schoolAgentConfig(schoolId))?.campaign).toEqual({
      id: campaign.id,
      ends_at: '2026-03-10T14:00:00.000Z',
    });
  });

  it("keeps a change school IT made to the school's configuration during the campaign", async () => {
    await store.setSchoolAgentConfig(schoolId, {
      probes: { dns: { enabled: false }, latency: { options: { count: 5 } } },
      data_budget_mb: 5000,
    });
    const contract = await createContract();
    const campaign = (
      await call(vendor, 'POST', `/api/v1/contracts/${contract.id}/complete`)
    ).json<Campaign>();
    // Midweek school IT edits the configuration its page shows (the campaign's): the busy threshold,
    // DNS back on, a budget of its own; throughput and bottleneck are left as the campaign set them.
    clock = MONDAY + 2 * 24 * HOUR;
    const schoolIt = await createTestAccount(store, 'school_it', { school_id: schoolId });
    const during = (await store.acceptance.schoolAgentConfig(schoolId))!;
    const edited = {
      ...during,
      busy_threshold_mbps: 35,
      data_budget_mb: 90_000,
      probes: { ...during.probes, dns: { enabled: true } },
    };
    const put = await app.inject({
      method: 'PUT',
      url: `/api/v1/schools/${schoolId}/agent-config`,
      headers: schoolIt.headers,
      payload: edited,
    });
    expect(put.statusCode, put.body).toBe(200);
    await store.insertResults(schoolWeek(45));
    clock = Date.parse(campaign.ends_at) + 60_000;
    const done = (await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}`)).json<CampaignProgress>();
    expect(done.campaign.status).toBe('pass');
    // What school IT set stays; what the campaign set and nobody touched goes back to before it.
    expect(await store.acceptance.schoolAgentConfig(schoolId)).toEqual({
      probes: { dns: { enabled: true }, latency: { options: { count: 5 } } },
      data_budget_mb: 90_000,
      busy_threshold_mbps: 35,
    });
    expect(JSON.parse((await store.findAgent(agentId))!.config_json!)).toEqual(
      await store.acceptance.schoolAgentConfig(schoolId),
    );
  });

  it('says clearly when no Chromium prints the PDF, while the HTML works', async () => {
    const { campaign } = await runCampaign(45);
    const pdf = await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report.pdf`);
    expect(pdf.statusCode).toBe(503);
    expect(pdf.json<{ code: string; message: string }>()).toMatchObject({
      code: 'SKOLNET_REPORT_PDF_UNAVAILABLE',
      message: expect.stringContaining('the HTML report works without it') as string,
    });
    expect((await call(vendor, 'GET', `/api/v1/campaigns/${campaign.id}/report`)).statusCode).toBe(200);
  });
});
