import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { PLANNING_INPUTS_META_KEY } from '../planning/plan-data.js';
import type { SupportAggregatesReport } from '../support/support-aggregates.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount, type TestAccount } from '../testing/accounts.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';

const NOW = new Date('2025-10-10T10:00:00.000Z');

/** A synthetic personal code of the dated form: born on `day` January 2012, the first serial with a valid check digit. */
function personalCode(day: number): string {
  const weights = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  for (let serial = 1; ; serial += 1) {
    const d = `${String(day).padStart(2, '0')}01122${String(serial).padStart(3, '0')}`.split('').map(Number);
    const check = (1101 - d.reduce((acc, v, i) => acc + v * weights[i]!, 0)) % 11;
    if (check < 10) return `${d.slice(0, 6).join('')}-${d.slice(6).join('')}${check}`;
  }
}

describe('support aggregates in the plan', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let schoolId: string;
  let planner: TestAccount;
  let coordinator: TestAccount;

  beforeEach(async () => {
    let dir: string;
    ({ store, cleanup, dir } = await createTempStore());
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => NOW, support: { keyDir: join(dir, 'keys') } },
    });
    await app.ready();
    schoolId = (
      await app.store.createSchool({ name: 'Cēsu skola', municipality: 'Cēsu novads', pupils: 40 }, NOW)
    ).id;
    const at = new Date(NOW.getTime() - 3_600_000).toISOString();
    // Three school days of throughput in lesson hours: the plan's minimum evidence, so the school gets options, not a survey.
    const days = [0, 1, 2].map((d) => new Date(NOW.getTime() - 3_600_000 - d * 86_400_000).toISOString());
    await app.store.insertResults([
      ...days.map((day) =>
        makeResult('a1', schoolId, {
          measurement: 'throughput',
          fields: { download_mbps: 30 },
          tags: {},
          at: day,
        }),
      ),
      makeResult('a1', schoolId, { fields: { rtt_avg_ms: 160, loss_pct: 0.5 }, at }),
    ]);
    // The planning-inputs file's hand-typed figure: the fallback.
    await app.store.setMeta(
      PLANNING_INPUTS_META_KEY,
      JSON.stringify({
        version: 1,
        schools: [
          {
            school_id: schoolId,
            // No line (synthetic), so the plan offers new connections instead of a survey.
            inventory: { line: { technology: 'none', fibre_distance_m: 600 } },
            support: { pupils_support_plan: 2 },
          },
        ],
      }),
    );
    planner = await createTestAccount(store, 'planner');
    coordinator = await createTestAccount(store, 'support_coordinator', { school_id: schoolId });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const benefit = async (): Promise<number> => {
    const res = await app.inject({
      url: `/api/v1/plan/schools/${schoolId}?budget=500000`,
      headers: planner.headers,
    });
    expect(res.statusCode, res.body).toBe(200);
    return Math.max(...res.json<{ options: { benefit: number }[] }>().options.map((o) => o.benefit));
  };

  const post = async (url: string, payload: object, who: TestAccount = coordinator) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}${url}`,
      headers: who.headers,
      payload,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<{ id: string }>();
  };

  it('changes the plan when pupils get active plans, with no personal data in anything a planner reads', async () => {
    const before = await benefit();
    const director = await createTestAccount(store, 'director', { school_id: schoolId });
    const municipal = await createTestAccount(store, 'municipal_coordinator', {
      municipality: 'Cēsu novads',
    });
    const ikvd = await createTestAccount(store, 'ikvd');
    const codes = Array.from({ length: 6 }, (_, i) => personalCode(i + 1));
    const pseudonyms: string[] = [];
    for (const [i, code] of codes.entries()) {
      const pupil = await post('/pupils', {
        name: `Skolēns Nr${i}`,
        personal_code: code,
        programme: 'general',
        grade: 8,
        class_label: '8.a',
      });
      pseudonyms.push((await store.support.getPupil(pupil.id))!.pseudonym);
      const plan = await post('/plans', {
        pupil_id: pupil.id,
        semester: '2025/2026-1',
        application: { on: '2025-09-01', by: 'parent', document_ref: `i-${i}` },
        prepared_on: '2025-09-02',
        risks: [{ id: 'r1', group: 'learning_school', justification: 'nesekmība' }],
        measures: [{ id: 'm1', description: 'konsultācijas', risk_ids: ['r1'] }],
      });
      await post(`/plans/${plan.id}/status`, { status: 'Saskaņošanā' });
      for (const who of [director, municipal, ikvd]) await post(`/plans/${plan.id}/approvals`, {}, who);
    }
    const after = await benefit();
    // Six pupils with a plan instead of the file's two: the school weighs more.
    expect(after).toBeGreaterThan(before);

    const aggregates = await app.inject({ url: '/api/v1/support/aggregates', headers: planner.headers });
    const report = aggregates.json<SupportAggregatesReport>();
    expect(report.schools).toEqual([
      expect.objectContaining({ school_id: schoolId, pupils_active_plan: 6, laptops_issued: null }),
    ]);
    // The other groups are 0 (suppressed); learning_school is 6 but alone in its line: suppressed with them.
    expect(Object.values(report.schools[0]!.pupils_by_risk_group).every((v) => v === null || v >= 5)).toBe(
      true,
    );

    const planJson = await app.inject({ url: '/api/v1/plan?budget=500000', headers: planner.headers });
    const planCsv = await app.inject({
      url: '/api/v1/plan?budget=500000&format=csv',
      headers: planner.headers,
    });
    const explain = await app.inject({
      url: `/api/v1/plan/schools/${schoolId}?budget=500000`,
      headers: planner.headers,
    });
    const school = await app.inject({ url: `/api/v1/schools/${schoolId}`, headers: planner.headers });
    const reachable = [aggregates.body, planJson.body, planCsv.body, explain.body, school.body].join('\n');
    expect(planCsv.statusCode).toBe(200);
    for (const secret of [...codes, ...codes.map((c) => c.replace('-', '')), ...pseudonyms, 'Skolēns']) {
      expect(reachable).not.toContain(secret);
    }
    // Planners reach no pupil-level route.
    for (const url of ['/pupils', '/plans', '/laptops']) {
      const res = await app.inject({
        url: `/api/v1/support/schools/${schoolId}${url}`,
        headers: planner.headers,
      });
      expect(res.statusCode).toBe(403);
    }
  });

  it('keeps the planning-input file for a school whose count is suppressed', async () => {
    const before = await benefit();
    const pupil = await post('/pupils', {
      name: 'Viens Skolēns',
      personal_code: personalCode(1),
      programme: 'general',
      grade: 8,
      class_label: '8.a',
    });
    await post('/plans', {
      pupil_id: pupil.id,
      semester: '2025/2026-1',
      application: { on: '2025-09-01', by: 'parent', document_ref: 'i' },
      prepared_on: '2025-09-02',
      risks: [{ id: 'r1', group: 'family', justification: 'j' }],
      measures: [],
    });
    expect(await benefit()).toBe(before);
  });
});
