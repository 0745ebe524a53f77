import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { missingComponent } from '../../../test/support/real-component.js';
import { findOpenpyxlPython, readXlsx, type XlsxSheet } from '../../../test/support/openpyxl.js';
import { buildApp } from '../app.js';
import type { SupportAggregatesReport } from '../support/support-aggregates.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount, type TestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';

const python = findOpenpyxlPython();
const noOpenpyxl = missingComponent(
  'python3 with openpyxl',
  python !== undefined,
  'Debian package python3-openpyxl: apt-get install python3-openpyxl',
);

const NOW = new Date('2025-10-10T10:00:00.000Z');
const SEMESTER = '2025/2026-1';

/** A synthetic personal code of the dated form: born on `day` January 2012, the first serial with a valid check digit. */
function personalCode(day: number): string {
  const weights = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  for (let serial = 1; ; serial += 1) {
    const d = `${String(day).padStart(2, '0')}01122${String(serial).padStart(3, '0')}`.split('').map(Number);
    const check = (1101 - d.reduce((acc, v, i) => acc + v * weights[i]!, 0)) % 11;
    if (check < 10) return `${d.slice(0, 6).join('')}-${d.slice(6).join('')}${check}`;
  }
}

/** Every cell's value and cached value, and the sheet names, as one text. */
const textOf = (sheets: XlsxSheet[]): string =>
  JSON.stringify(sheets.map((s) => [s.name, s.rows.map((r) => r.map((c) => [c.value, c.cached]))]));

/** The row of `sheet` whose first cell is `label`, as cached values. */
const rowOf = (sheet: XlsxSheet, label: string) =>
  sheet.rows.find((r) => r[0]?.value === label)?.map((c) => (c.type === 'f' ? c.cached : c.value));

describe('support semester report and scoped aggregates', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let cesis: string;
  let valmiera: string;
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
    cesis = (await store.createSchool({ name: 'Cēsu skola', municipality: 'Cēsu novads', pupils: 40 }, NOW))
      .id;
    valmiera = (
      await store.createSchool({ name: 'Valmieras skola', municipality: 'Valmieras novads', pupils: 40 }, NOW)
    ).id;
    coordinator = await createTestAccount(store, 'support_coordinator', { school_id: cesis });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const post = async (school: string, url: string, payload: object, who: TestAccount = coordinator) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${school}${url}`,
      headers: who.headers,
      payload,
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<{ id: string }>();
  };

  /** Six pupils of Cēsu with plans: three approved through the chain, three drafts. */
  const seed = async () => {
    const director = await createTestAccount(store, 'director', { school_id: cesis });
    const municipal = await createTestAccount(store, 'municipal_coordinator', {
      municipality: 'Cēsu novads',
    });
    const ikvd = await createTestAccount(store, 'ikvd');
    const codes = Array.from({ length: 6 }, (_, i) => personalCode(i + 1));
    const pseudonyms: string[] = [];
    const pupilIds: string[] = [];
    for (const [i, code] of codes.entries()) {
      const pupil = await post(cesis, '/pupils', {
        name: `Skolēns Nr${i}`,
        personal_code: code,
        programme: 'general',
        grade: 8,
        class_label: '8.a',
      });
      pupilIds.push(pupil.id);
      pseudonyms.push((await store.support.getPupil(pupil.id))!.pseudonym);
      const plan = await post(cesis, '/plans', {
        pupil_id: pupil.id,
        semester: SEMESTER,
        application: { on: '2025-09-01', by: 'parent', document_ref: `i-${i}` },
        prepared_on: '2025-09-02',
        risks: [{ id: 'r1', group: 'learning_school', justification: 'nesekmība' }],
        measures: [{ id: 'm1', description: 'konsultācijas', risk_ids: ['r1'] }],
      });
      if (i < 3) {
        await post(cesis, `/plans/${plan.id}/status`, { status: 'Saskaņošanā' });
        for (const who of [director, municipal, ikvd])
          await post(cesis, `/plans/${plan.id}/approvals`, {}, who);
      }
    }
    return {
      director,
      ikvd,
      secrets: [...codes, ...codes.map((c) => c.replace('-', '')), ...pseudonyms, ...pupilIds, 'Skolēns'],
    };
  };

  it.skipIf(noOpenpyxl)(
    'gives a school its exact report and the nation a suppressed one, with no name, personal code or pseudonym',
    async () => {
      const { director, ikvd, secrets } = await seed();
      const planner = await createTestAccount(store, 'planner');
      for (const who of [coordinator, director, ikvd]) {
        const res = await app.inject({
          url: `/api/v1/support/schools/${cesis}/report?semester=${SEMESTER}&format=xlsx&lang=en`,
          headers: who.headers,
        });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.headers['content-type']).toContain('spreadsheetml');
        const sheets = readXlsx(python!, res.rawPayload);
        expect(sheets.map((s) => s.name)).toEqual([
          'Summary',
          'Plans by status',
          'Plans by risk group',
          'Consultations',
          'Compensations',
        ]);
        const status = sheets[1]!;
        expect(status.freeze_panes).toBe('A2');
        expect(rowOf(status, 'Draft')).toEqual(['Draft', 3]);
        expect(rowOf(status, 'Approved')).toEqual(['Approved', 3]);
        const total = status.rows.find((r) => r[0]?.value === 'Total')!;
        expect(total[1]).toMatchObject({ value: '=SUM(B2:B8)', cached: 6 });
        expect(rowOf(sheets[2]!, 'Learning and school')).toEqual(['Learning and school', 6]);
        expect(rowOf(sheets[0]!, 'Scope')).toEqual(['Scope', 'Cēsu skola']);
        const text = textOf(sheets);
        for (const secret of secrets) expect(text).not.toContain(secret);
      }

      // Latvian headers.
      const lv = await app.inject({
        url: `/api/v1/support/schools/${cesis}/report?semester=${SEMESTER}`,
        headers: coordinator.headers,
      });
      const lvSheets = readXlsx(python!, lv.rawPayload);
      expect(lvSheets[1]!.name).toBe('Plāni pēc statusa');
      expect(rowOf(lvSheets[1]!, 'Projekts')).toEqual(['Projekts', 3]);

      // The national report: three drafts and three approved are each below five, the total of six is not.
      for (const who of [planner, ikvd]) {
        const res = await app.inject({
          url: `/api/v1/support/report?semester=${SEMESTER}&lang=en`,
          headers: who.headers,
        });
        expect(res.statusCode, res.body).toBe(200);
        const sheets = readXlsx(python!, res.rawPayload);
        const status = sheets[1]!;
        expect(rowOf(status, 'Draft')).toEqual(['Draft', null]);
        expect(rowOf(status, 'Approved')).toEqual(['Approved', null]);
        expect(rowOf(status, 'Total')).toEqual(['Total', 6]);
        expect(rowOf(sheets[0]!, 'Small counts suppressed')).toEqual(['Small counts suppressed', 'yes']);
        const text = textOf(sheets);
        for (const secret of [...secrets, 'Cēsu skola', cesis]) expect(text).not.toContain(secret);
      }
    },
  );

  it('refuses the report to those it is not for, and a semester that is not one', async () => {
    const planner = await createTestAccount(store, 'planner');
    const other = await createTestAccount(store, 'support_coordinator', { school_id: valmiera });
    const municipalPlanner = await createTestAccount(store, 'municipality_planner', {
      municipality: 'Cēsu novads',
    });
    for (const who of [planner, other, municipalPlanner]) {
      const res = await app.inject({ url: `/api/v1/support/schools/${cesis}/report`, headers: who.headers });
      expect(res.statusCode, who.user.role).toBe(403);
    }
    for (const who of [coordinator, municipalPlanner]) {
      const res = await app.inject({ url: '/api/v1/support/report', headers: who.headers });
      expect(res.statusCode, who.user.role).toBe(403);
    }
    for (const semester of ['2026-1', '2025/2027-1', '2025/2026-3']) {
      const res = await app.inject({
        url: `/api/v1/support/schools/${cesis}/report?semester=${encodeURIComponent(semester)}`,
        headers: coordinator.headers,
      });
      expect(res.statusCode, semester).toBe(400);
      expect(res.json<{ message: string }>().message).toContain('2025/2026-1');
    }
    const pdf = await app.inject({
      url: `/api/v1/support/schools/${cesis}/report?format=pdf`,
      headers: coordinator.headers,
    });
    expect(pdf.statusCode).toBe(400);
  });

  it("gives a municipality's planner the support aggregates of its municipality's schools only", async () => {
    await seed();
    const valmieraCoordinator = await createTestAccount(store, 'support_coordinator', {
      school_id: valmiera,
    });
    await post(
      valmiera,
      '/pupils',
      {
        name: 'Cits Skolēns',
        personal_code: personalCode(20),
        programme: 'general',
        grade: 7,
        class_label: '7.b',
      },
      valmieraCoordinator,
    );
    const read = async (who: TestAccount) => {
      const res = await app.inject({ url: '/api/v1/support/aggregates', headers: who.headers });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<SupportAggregatesReport>();
    };
    const national = await read(await createTestAccount(store, 'planner'));
    expect(national.schools.map((s) => s.school_id).sort()).toEqual([cesis, valmiera].sort());
    const cesuPlanner = await createTestAccount(store, 'municipality_planner', {
      municipality: 'Cēsu novads',
    });
    const mine = await read(cesuPlanner);
    expect(mine.schools.map((s) => s.school_id)).toEqual([cesis]);
    expect(mine.schools[0]!.pupils_active_plan).toBeNull(); // three approved: below five
    const valmieraPlanner = await createTestAccount(store, 'municipality_planner', {
      municipality: 'Valmieras novads',
    });
    expect((await read(valmieraPlanner)).schools.map((s) => s.school_id)).toEqual([valmiera]);
    const nowhere = await createTestAccount(store, 'municipality_planner', {
      municipality: 'Siguldas novads',
    });
    expect(await read(nowhere)).toMatchObject({ schools: [], totals: { pupils_active_plan: null } });
  });
});
