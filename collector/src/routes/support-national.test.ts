/**
 * The national and municipal side of pupil support through the API, on a
 * real SQLite store: each approver's queue, sending a plan back with a
 * reason (and every approval again after it), IKVD's national view with
 * its suppression, and the semester report's PDF printed by Debian's
 * Chromium and read back with poppler's pdftotext. Synthetic records.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { commandWorks, missingComponent } from '../../../test/support/real-component.js';
import { buildApp } from '../app.js';
import { createChromiumPdfRenderer, findChromium } from '../runtime/report-pdf.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import type { NationalView } from '../support/support-report.js';
import { createTestAccount, type TestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';

const noChromium = missingComponent('chromium', findChromium() !== undefined, 'apt-get install chromium');
const noPdftotext = missingComponent(
  'pdftotext',
  commandWorks('pdftotext', ['-v']),
  'Debian package poppler-utils: apt-get install poppler-utils',
);

const NOW = new Date('2025-10-10T10:00:00.000Z');
const SEMESTER = '2025/2026-1';

/** A synthetic personal code of the dated form: born on `day` January 2012, the first serial with a valid check digit. */
function personalCode(day: number, month = 1): string {
  const weights = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const mm = String(month).padStart(2, '0');
  for (let serial = 1; ; serial += 1) {
    const d = `${String(day).padStart(2, '0')}${mm}122${String(serial).padStart(3, '0')}`
      .split('')
      .map(Number);
    const check = (1101 - d.reduce((acc, v, i) => acc + v * weights[i]!, 0)) % 11;
    if (check < 10) return `${d.slice(0, 6).join('')}-${d.slice(6).join('')}${check}`;
  }
}

interface Plan {
  id: string;
  school_id: string;
  status: string;
  next_approver: string | null;
  body: { approval_round: number; returns?: { approver: string; reason: string; round: number }[] };
}

describe('support approval queues, returns, national view and PDF report', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let cesis: string;
  let priekuli: string;
  let valmiera: string;
  let admin: TestAccount;
  const coordinators = new Map<string, TestAccount>();
  const directors = new Map<string, TestAccount>();
  let cesuMunicipal: TestAccount;
  let valmieraMunicipal: TestAccount;
  let ikvd: TestAccount;
  let codeDay = 0;
  /** Names, personal codes and pseudonyms: never in any answer here. */
  const secrets: string[] = [];
  /** Pupils' ids: in a plan's answer (addresses carry them), never in a report or the national view. */
  const pupilIds: string[] = [];

  beforeEach(async () => {
    let dir: string;
    ({ store, cleanup, dir } = await createTempStore());
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: {
        now: () => NOW,
        support: { keyDir: join(dir, 'keys') },
        // Injected requests have no real socket for the slow-body guard to watch or close; printing
        // PDFs keeps a test running past the guard's window, so the window is longer than any test.
        http: { bodyRateWindowMs: 600_000, bodyDeadlineMs: 600_000 },
      },
      acceptance: { pdf: createChromiumPdfRenderer(findChromium() ?? null) },
    });
    await app.ready();
    const school = async (name: string, municipality: string) =>
      (await store.createSchool({ name, municipality, pupils: 300 }, NOW)).id;
    cesis = await school('Cēsu 1. pamatskola', 'Cēsu novads');
    priekuli = await school('Priekuļu tehnikums', 'Cēsu novads');
    valmiera = await school('Valmieras 2. vidusskola', 'Valmieras novads');
    for (const id of [cesis, priekuli, valmiera]) {
      coordinators.set(id, await createTestAccount(store, 'support_coordinator', { school_id: id }));
      directors.set(id, await createTestAccount(store, 'director', { school_id: id }));
    }
    cesuMunicipal = await createTestAccount(store, 'municipal_coordinator', { municipality: 'Cēsu novads' });
    valmieraMunicipal = await createTestAccount(store, 'municipal_coordinator', {
      municipality: 'Valmieras novads',
    });
    ikvd = await createTestAccount(store, 'ikvd');
    admin = await createTestAccount(store, 'admin');
    codeDay = 0;
    secrets.length = 0;
    pupilIds.length = 0;
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const call = (who: TestAccount, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
    app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
  const ok = async <T>(who: TestAccount, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) => {
    const res = await call(who, method, url, payload);
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json<T>();
  };
  const schoolUrl = (school: string, path: string) => `/api/v1/support/schools/${school}${path}`;

  /** A pupil of `school` with a plan of the semester, submitted for approval unless `draft`. */
  const plan = async (
    school: string,
    options: { draft?: boolean; groups?: string[]; grade?: number } = {},
  ): Promise<Plan> => {
    codeDay += 1;
    const code = personalCode(((codeDay - 1) % 28) + 1, Math.floor((codeDay - 1) / 28) + 1);
    const name = `Skolēns Nr${codeDay}`;
    const coordinator = coordinators.get(school)!;
    const pupil = await ok<{ id: string }>(coordinator, 'POST', schoolUrl(school, '/pupils'), {
      name,
      personal_code: code,
      programme: school === priekuli ? 'vocational' : 'general',
      grade: options.grade ?? (school === priekuli ? 2 : 8),
      class_label: '8.a',
    });
    secrets.push(name, code, code.replace('-', ''));
    pupilIds.push(pupil.id);
    secrets.push((await store.support.getPupil(pupil.id))!.pseudonym);
    const groups = options.groups ?? ['learning_school'];
    const created = await ok<Plan>(coordinator, 'POST', schoolUrl(school, '/plans'), {
      pupil_id: pupil.id,
      semester: SEMESTER,
      application: { on: '2025-09-01', by: 'parent', document_ref: `iesniegums-${codeDay}` },
      prepared_on: '2025-09-02',
      risks: groups.map((group, i) => ({ id: `r${i}`, group, justification: 'pamatojums' })),
      measures: [{ id: 'm1', description: 'konsultācijas', risk_ids: ['r0'] }],
    });
    if (options.draft) return created;
    return ok<Plan>(coordinator, 'POST', schoolUrl(school, `/plans/${created.id}/status`), {
      status: 'Saskaņošanā',
    });
  };
  const queue = async (who: TestAccount) =>
    (await ok<{ plans: (Plan & { school_name: string })[] }>(who, 'GET', '/api/v1/support/queue')).plans;
  const approve = (who: TestAccount, p: Plan) =>
    ok<Plan>(who, 'POST', schoolUrl(p.school_id, `/plans/${p.id}/approvals`));
  const sendBack = (who: TestAccount, p: Plan, reason: string) =>
    call(who, 'POST', schoolUrl(p.school_id, `/plans/${p.id}/return`), { reason });

  it('keeps one queue per approver on the server: the director’s school, the municipality’s municipal schools, IKVD all', async () => {
    // Priekuļu tehnikums is a state vocational school: no municipal step.
    await ok(admin, 'PUT', schoolUrl(priekuli, '/founder'), { founder: 'state' });
    const a = await plan(cesis);
    const b = await plan(priekuli);
    const c = await plan(valmiera);
    await plan(cesis, { draft: true });
    expect((await queue(directors.get(cesis)!)).map((p) => p.id)).toEqual([a.id]);
    expect((await queue(directors.get(priekuli)!)).map((p) => p.id)).toEqual([b.id]);
    // Nothing has reached the municipal step or IKVD yet.
    expect(await queue(cesuMunicipal)).toEqual([]);
    expect(await queue(ikvd)).toEqual([]);
    for (const p of [a, b, c]) await approve(directors.get(p.school_id)!, p);
    expect(await queue(directors.get(cesis)!)).toEqual([]);
    // Cēsu's coordinator: Cēsu's municipal school only; not the state school in Cēsu, not Valmiera.
    const cesuQueue = await queue(cesuMunicipal);
    expect(cesuQueue.map((p) => p.id)).toEqual([a.id]);
    expect(cesuQueue[0]).toMatchObject({
      school_name: 'Cēsu 1. pamatskola',
      next_approver: 'municipal_coordinator',
    });
    expect((await queue(valmieraMunicipal)).map((p) => p.id)).toEqual([c.id]);
    // The state school's plan goes straight to IKVD.
    expect((await queue(ikvd)).map((p) => p.id)).toEqual([b.id]);
    await approve(cesuMunicipal, a);
    expect((await queue(ikvd)).map((p) => p.id).sort()).toEqual([a.id, b.id].sort());
    expect(await queue(cesuMunicipal)).toEqual([]);
    // A queue answers no pupil's identity.
    const text = JSON.stringify(await queue(ikvd));
    for (const secret of secrets) expect(text).not.toContain(secret);
    // Other roles have no queue.
    expect((await call(coordinators.get(cesis)!, 'GET', '/api/v1/support/queue')).statusCode).toBe(403);
  });

  it('lets the approver whose turn it is send a plan back with a reason; resubmitted, it passes every approval again', async () => {
    const p = await plan(cesis);
    await approve(directors.get(cesis)!, p);
    // Not IKVD's turn, and not without a reason.
    const early = await sendBack(ikvd, p, 'nepilnīgs');
    expect(early.statusCode).toBe(422);
    expect(early.json<{ violations: { code: string }[] }>().violations.map((v) => v.code)).toEqual([
      'SKOLNET_SUPPORT_APPROVAL_OUT_OF_TURN',
    ]);
    const blank = await sendBack(cesuMunicipal, p, '   ');
    expect(blank.statusCode).toBe(422);
    expect(blank.json<{ violations: { code: string }[] }>().violations.map((v) => v.code)).toEqual([
      'SKOLNET_SUPPORT_RETURN_WITHOUT_REASON',
    ]);
    // Another municipality's coordinator is outside their scope.
    expect((await sendBack(valmieraMunicipal, p, 'nav mans')).statusCode).toBe(403);
    const returned = await sendBack(cesuMunicipal, p, 'Trūkst mērķu ekonomiskajam riskam');
    expect(returned.statusCode, returned.body).toBe(200);
    expect(returned.json<Plan>()).toMatchObject({ status: 'Projekts', next_approver: null });
    expect(returned.json<Plan>().body.returns).toMatchObject([
      { approver: 'municipal_coordinator', reason: 'Trūkst mērķu ekonomiskajam riskam', round: 1 },
    ]);
    expect(await queue(cesuMunicipal)).toEqual([]);
    // Resubmitted: the director approves again before the municipality sees it.
    const again = await ok<Plan>(
      coordinators.get(cesis)!,
      'POST',
      schoolUrl(cesis, `/plans/${p.id}/status`),
      {
        status: 'Saskaņošanā',
      },
    );
    expect(again).toMatchObject({ next_approver: 'director', body: { approval_round: 2 } });
    expect(await queue(cesuMunicipal)).toEqual([]);
    await approve(directors.get(cesis)!, p);
    await approve(cesuMunicipal, p);
    // IKVD returns it: back to the draft (never approved), and once more through the whole chain.
    const fromIkvd = await sendBack(ikvd, p, 'Nav norādīts iesnieguma dokuments');
    expect(fromIkvd.json<Plan>()).toMatchObject({ status: 'Projekts' });
    await ok(coordinators.get(cesis)!, 'POST', schoolUrl(cesis, `/plans/${p.id}/status`), {
      status: 'Saskaņošanā',
    });
    for (const who of [directors.get(cesis)!, cesuMunicipal, ikvd]) await approve(who, p);
    const approved = await ok<Plan>(ikvd, 'GET', schoolUrl(cesis, `/plans/${p.id}`));
    expect(approved.status).toBe('Apstiprināts');
    // A revision of an approved plan returned by IKVD goes back to the revision, not the draft.
    await ok(directors.get(cesis)!, 'POST', schoolUrl(cesis, `/plans/${p.id}/status`), {
      status: 'Pārskatīšanā',
    });
    await ok(coordinators.get(cesis)!, 'POST', schoolUrl(cesis, `/plans/${p.id}/status`), {
      status: 'Saskaņošanā',
    });
    for (const who of [directors.get(cesis)!, cesuMunicipal]) await approve(who, p);
    const revised = await sendBack(ikvd, p, 'Precizēt pasākumus');
    expect(revised.json<Plan>()).toMatchObject({ status: 'Pārskatīšanā' });
    // The audit log has who and when, never the reason's text.
    const audit = await ok<{ entries: { action: string; details?: unknown }[] }>(
      admin,
      'GET',
      '/api/v1/audit',
    );
    const returns = audit.entries.filter((e) => e.action === 'support_plan_returned');
    expect(returns).toHaveLength(3);
    expect(JSON.stringify(returns)).not.toContain('Precizēt');
  });

  it('gives IKVD a national view per municipality and school, suppressed as the aggregates are, with no pupil in it', async () => {
    // Cēsu school: 6 plans, 5 of them with an economic risk too; Valmiera: 3 plans; Priekuļi: 5.
    for (let i = 0; i < 6; i += 1) {
      await plan(cesis, {
        draft: true,
        groups: i < 5 ? ['learning_school', 'economic'] : ['learning_school'],
      });
    }
    for (let i = 0; i < 3; i += 1) await plan(valmiera, { draft: true });
    for (let i = 0; i < 5; i += 1) await plan(priekuli, { draft: true, grade: 3 });
    const res = await call(ikvd, 'GET', `/api/v1/support/national?semester=${SEMESTER}`);
    expect(res.statusCode, res.body).toBe(200);
    const view = res.json<NationalView & { semester: string }>();
    expect(view.semester).toBe(SEMESTER);
    expect(view.national.plans_by_status.Projekts).toBe(14);
    expect(view.national.plans_total).toBe(14);
    expect(view.municipalities.map((m) => m.municipality)).toEqual(['Cēsu novads', 'Valmieras novads']);
    const cesu = view.municipalities[0]!;
    // Valmiera's 3 plans are below five: suppressed at the school and in its municipality. The
    // country's 14 less Cēsu's 11 would give them away, so Cēsu's 11 goes too, and then Cēsu's 11
    // less its first school's 6 would give Priekuļi's 5 away, so that goes as well.
    const valm = view.municipalities[1]!;
    expect(valm.line.plans_by_status.Projekts).toBeNull();
    expect(valm.schools[0]!.line.plans_by_status.Projekts).toBeNull();
    expect(cesu.line.plans_by_status.Projekts).toBeNull();
    expect(cesu.line.plans_total).toBeNull();
    expect(cesu.schools.map((s) => [s.name, s.line.plans_by_status.Projekts])).toEqual([
      ['Cēsu 1. pamatskola', 6],
      ['Priekuļu tehnikums', null],
    ]);
    // Economic risk: Cēsu school 5, Priekuļi none (suppressed): Cēsu's municipal 5 would give it away.
    expect(cesu.schools[1]!.line.plans_by_group.economic).toBeNull();
    expect(cesu.line.plans_by_group.economic).toBeNull();
    const text = res.body;
    for (const secret of [...secrets, ...pupilIds]) expect(text).not.toContain(secret);
    // Read-only supervision for IKVD only: planners have the aggregates, nobody else this view.
    for (const who of [await createTestAccount(store, 'planner'), cesuMunicipal, directors.get(cesis)!]) {
      expect((await call(who, 'GET', '/api/v1/support/national')).statusCode).toBe(403);
    }
    expect((await call(ikvd, 'GET', '/api/v1/support/national?semester=2025-1')).statusCode).toBe(400);
  });

  it('says, without a browser to print with, that the PDF is unavailable and the XLSX is not', async () => {
    const bare = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => NOW },
      acceptance: { pdf: createChromiumPdfRenderer(null) },
    });
    try {
      const res = await bare.inject({ url: '/api/v1/support/report.pdf', headers: ikvd.headers });
      expect(res.statusCode).toBe(503);
      expect(res.json<{ code: string; message: string }>()).toMatchObject({
        code: 'SKOLNET_REPORT_PDF_UNAVAILABLE',
        message: expect.stringContaining('XLSX') as unknown,
      });
    } finally {
      await bare.close();
    }
  });

  it.skipIf(noChromium ?? noPdftotext)(
    'prints the semester report to PDF per school and nationally, in lv and en, with the figures and no pupil',
    async () => {
      for (let i = 0; i < 6; i += 1) await plan(cesis);
      for (let i = 0; i < 2; i += 1) await plan(valmiera, { draft: true });
      const text = async (who: TestAccount, url: string): Promise<string> => {
        const res = await call(who, 'GET', url);
        expect(res.statusCode, res.body).toBe(200);
        expect(res.headers['content-type']).toBe('application/pdf');
        expect(res.rawPayload.subarray(0, 5).toString('latin1')).toBe('%PDF-');
        // Words as a reader lays them out, whitespace (a wrapped title, table columns) as one space.
        return execFileSync('pdftotext', ['-layout', '-', '-'], { input: res.rawPayload })
          .toString('utf8')
          .replace(/\s+/g, ' ');
      };
      const school = await text(
        directors.get(cesis)!,
        `${schoolUrl(cesis, '/report.pdf')}?semester=${SEMESTER}&lang=en`,
      );
      expect(school).toContain('Pupil-support semester report: Cēsu 1. pamatskola');
      expect(school).toMatch(/In approval\s+6/);
      expect(school).toMatch(/Learning and school\s+6/);
      const lv = await text(ikvd, `${schoolUrl(cesis, '/report.pdf')}?semester=${SEMESTER}`);
      expect(lv).toContain('Atbalsta semestra pārskats: Cēsu 1. pamatskola');
      expect(lv).toMatch(/Saskaņošanā\s+6/);
      // National: 6 + 2 plans; the two drafts are below five and suppressed (with the empty statuses).
      const national = await text(ikvd, `/api/v1/support/report.pdf?semester=${SEMESTER}&lang=en`);
      expect(national).toContain('Pupil-support semester report: National');
      expect(national).toMatch(/Plans\s+8/);
      expect(national).toMatch(/Draft\s+–/);
      expect(national).toMatch(/In approval\s+6/);
      expect(national).toContain('Counts below 5');
      expect(national).not.toContain('Cēsu');
      for (const body of [school, lv, national]) {
        for (const secret of [...secrets, ...pupilIds]) expect(body).not.toContain(secret);
      }
      // The school's report is its staff's and IKVD's; the national one not a director's.
      expect((await call(directors.get(valmiera)!, 'GET', schoolUrl(cesis, '/report.pdf'))).statusCode).toBe(
        403,
      );
      expect((await call(directors.get(cesis)!, 'GET', '/api/v1/support/report.pdf')).statusCode).toBe(403);
    },
    // Each PDF starts a browser; on a busy machine that takes seconds.
    180_000,
  );
});
