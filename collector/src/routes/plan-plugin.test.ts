import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { missingComponent } from '../../../test/support/real-component.js';
import { findOpenpyxlPython, readXlsx } from '../../../test/support/openpyxl.js';
import { PLAN_COLUMNS } from '../planning/plan.js';
import { PLAN_COLUMN_INFO } from '../planning/plan-labels.js';
import { acceptsGzip } from './plan-plugin.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { addConfigFile } from '../config-file.js';
import { addPlanSettingOptions, planSettingsFrom, type PlanSettingOptions } from '../plan-settings.js';
import { createTempDir } from '../testing/fixtures.js';

const python = findOpenpyxlPython();
const noOpenpyxl = missingComponent(
  'python3 with openpyxl',
  python !== undefined,
  'Debian package python3-openpyxl: apt-get install python3-openpyxl',
);

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('plan routes', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let schoolId: string;
  /** A planner's API token: the plan needs sign-in. */
  let auth: { authorization: string };

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
    await app.ready();
    auth = (await createTestAccount(store, 'planner')).headers;
    schoolId = (await app.store.createSchool({ name: 'A skola', municipality: 'Rīga', pupils: 100 }, NOW)).id;
    const at = new Date(NOW.getTime() - 3_600_000).toISOString();
    await app.store.insertResults([
      makeResult('a1', schoolId, { measurement: 'throughput', fields: { download_mbps: 50 }, tags: {}, at }),
      makeResult('a1', schoolId, { fields: { rtt_avg_ms: 160, loss_pct: 0.5 }, at }),
    ]);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it('sends the plan gzipped to a client that takes gzip, plain otherwise, the same plan either way', async () => {
    const zipped = await app.inject({
      url: '/api/v1/plan?budget=50000',
      headers: { ...auth, 'accept-encoding': 'br, gzip' },
    });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(zipped.headers['vary']).toContain('accept-encoding');
    const plan = JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8')) as {
      budget_eur: number;
      schools: { school_id: string; status: string }[];
    };
    expect(plan.budget_eur).toBe(50_000);
    // One hour of results and no inventory: in the plan with a survey line, not funded blind.
    expect(plan.schools.map((s) => [s.school_id, s.status])).toEqual([[schoolId, 'survey']]);

    for (const header of [undefined, 'gzip;q=0, identity', 'br']) {
      const plain = await app.inject({
        url: '/api/v1/plan?budget=50000',
        headers: header === undefined ? auth : { ...auth, 'accept-encoding': header },
      });
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(plain.json()).toEqual(plan);
    }
  });

  it('serves the plan as CSV and explains every school in it, 404 for a school not in it', async () => {
    const csv = await app.inject({ url: '/api/v1/plan?budget=50000&format=csv', headers: auth });
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toContain(schoolId);
    const missing = await app.inject({ url: '/api/v1/plan/schools/nope', headers: auth });
    expect(missing.statusCode).toBe(404);
    const explained = await app.inject({
      url: `/api/v1/plan/schools/${schoolId}?budget=50000`,
      headers: auth,
    });
    expect(explained.json()).toMatchObject({ school_id: schoolId, synthetic: false, option_id: null });
    expect(explained.json<{ why: string }>().why).toMatch(/survey/);
    const sensitivity = await app.inject({ url: '/api/v1/scoring/sensitivity', headers: auth });
    expect(sensitivity.json()).toMatchObject({ schools: 1 });
  });

  it.skipIf(noOpenpyxl)(
    'serves the plan as xlsx, Latvian by default and English with lang=en, and refuses another lang',
    async () => {
      const lv = await app.inject({ url: '/api/v1/plan?budget=50000&format=xlsx', headers: auth });
      expect(lv.statusCode).toBe(200);
      expect(lv.headers['content-type']).toBe(
        'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      );
      expect(lv.headers['content-disposition']).toBe('attachment; filename="skolnet-plan-2026-03-10.xlsx"');
      const book = readXlsx(python!, lv.rawPayload);
      expect(book.map((s) => s.name)).toEqual([
        'Kopsavilkums',
        'Plāns',
        'Alkatīgā secība',
        'Skaidrojumi',
        'Rīga',
      ]);
      const plan = book[1]!;
      expect(plan.rows[0]!.map((c) => c.value)).toEqual(PLAN_COLUMNS.map((c) => PLAN_COLUMN_INFO[c].lv));
      expect(plan.rows[1]![0]!.value).toBe(schoolId);
      expect(plan.freeze_panes).toBe('A2');

      const en = await app.inject({ url: '/api/v1/plan?budget=50000&format=xlsx&lang=en', headers: auth });
      const english = readXlsx(python!, en.rawPayload);
      expect(english.map((s) => s.name)).toEqual([
        'Summary',
        'Plan',
        'Greedy ranking',
        'Explanations',
        'Rīga',
      ]);
      expect(english[1]!.rows[0]!.map((c) => c.value)).toEqual(
        PLAN_COLUMNS.map((c) => PLAN_COLUMN_INFO[c].en),
      );

      const bad = await app.inject({ url: '/api/v1/plan?budget=50000&format=xlsx&lang=de', headers: auth });
      expect(bad.statusCode).toBe(400);
      expect(bad.json()).toMatchObject({ code: 'SKOLNET_API_BAD_REQUEST' });
    },
  );

  it('runs the scenario analysis and takes the objective by name', async () => {
    const report = await app.inject({ url: '/api/v1/plan/scenarios?budget=50000', headers: auth });
    expect(report.statusCode).toBe(200);
    const body = report.json<{
      scenarios: { name: string }[];
      schools: { school_id: string; funded_share: number }[];
    }>();
    expect(body.scenarios[0]?.name).toBe('base');
    expect(body.scenarios.map((s) => s.name)).toEqual(expect.arrayContaining(['prices_high', 'budget_low']));
    expect(body.schools.map((s) => s.school_id)).toEqual([schoolId]);
    const old = await app.inject({ url: '/api/v1/plan?budget=50000&objective=score_delta', headers: auth });
    expect(old.json<{ summary: { objective: string } }>().summary.objective).toBe('score_delta');
    const wrong = await app.inject({ url: '/api/v1/plan?objective=pupils', headers: auth });
    expect(wrong.statusCode).toBe(400);
  });

  it('reads Accept-Encoding as RFC 9110 does', () => {
    expect(acceptsGzip('gzip')).toBe(true);
    expect(acceptsGzip('deflate, GZIP;q=0.5')).toBe(true);
    expect(acceptsGzip('*')).toBe(true);
    expect(acceptsGzip('gzip;q=0')).toBe(false);
    expect(acceptsGzip('identity')).toBe(false);
    expect(acceptsGzip(undefined)).toBe(false);
  });

  it('plans with the budget, source, VAT treatment and completion date of the collector config', async () => {
    // The config file as `serve --config` reads it, through the options and parser `plan` uses.
    const { dir, remove } = await createTempDir();
    try {
      const file = join(dir, 'collector.yaml');
      writeFileSync(
        file,
        [
          'budget: 61000',
          'budget-source: "network strand, decision of 2026-11-02"',
          'budget-net: true',
          'completion-date: "2027-08-31"',
          'buffer-months: 1',
        ].join('\n'),
      );
      const serve = addPlanSettingOptions(new Command('serve')).exitOverride();
      addConfigFile([serve]);
      serve.parse(['--config', file], { from: 'user' });
      const settings = planSettingsFrom(serve.opts<PlanSettingOptions>());
      const configured = buildApp({
        store,
        logger: false,
        dashboardAssets: false,
        config: { now: () => NOW, plan: settings },
      });
      try {
        await configured.ready();
        const res = await configured.inject({ url: '/api/v1/plan', headers: auth });
        expect(res.statusCode).toBe(200);
        const plan = res.json<{
          budget_eur: number;
          summary: {
            budget: { budget_eur: number; source: string; includes_vat: boolean };
            delivery: string;
          };
        }>();
        expect(plan.budget_eur).toBe(61_000);
        expect(plan.summary.budget).toMatchObject({
          budget_eur: 61_000,
          source: 'network strand, decision of 2026-11-02',
          includes_vat: false,
        });
        expect(plan.summary.delivery).toMatch(/^works must be ready by 2027-07-31 \(completion 2027-08-31/);
      } finally {
        await configured.close();
      }
    } finally {
      await remove();
    }
  });
});
