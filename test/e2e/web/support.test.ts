import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '@skolnet/collector';
import {
  assertAccessible,
  assertCleanPage,
  createPerson,
  launchBrowser,
  newContext,
  newPage,
  saveScreenshots,
  screenshotDir,
  signIn,
  skipBrowser,
  startWebCollector,
} from '../../support/browser.js';

// Synthetic pupils: valid personal codes with the check digit, no real person.
const PUPILS = [
  { name: 'Marta Ābele', personal_code: '161175-19997', class_label: '7.a', grade: 7 },
  { name: 'Jānis Bērziņš', personal_code: '010101-12343', class_label: '9.b', grade: 9 },
];
const SEMESTER = '2025/2026-1';

/**
 * Adds the school's pupils and plans through the API as the signed-in
 * coordinator does: 7.a's plan with its application, sent for approval;
 * 9.b's a draft without one, so it carries a rule flag.
 */
async function seed(page: Page, schoolId: string): Promise<void> {
  const answer = await page.evaluate(
    async ({ schoolId, pupils, semester }) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { csrf_token: string };
      const headers = { 'content-type': 'application/json', 'x-skolnet-csrf': session.csrf_token };
      const base = `/api/v1/support/schools/${schoolId}`;
      const post = async (path: string, body: object): Promise<{ id: string }> => {
        const r = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
        if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
        return (await r.json()) as { id: string };
      };
      const ids: string[] = [];
      for (const [i, p] of pupils.entries()) {
        const pupil = await post('/pupils', { ...p, programme: 'general' });
        const plan = await post('/plans', {
          pupil_id: pupil.id,
          semester,
          ...(i === 0 ? { application: { on: '2025-09-01', by: 'parent', document_ref: 'iesn. 12' } } : {}),
          prepared_on: '2025-09-02',
          risks: [{ id: 'r1', group: 'economic', justification: 'ienākumi' }],
          measures: [{ id: 'm1', description: 'brīvpusdienas', risk_ids: ['r1'] }],
        });
        ids.push(plan.id);
      }
      await post(`/plans/${ids[0]}/status`, { status: 'Saskaņošanā' });
      return ids;
    },
    { schoolId, pupils: PUPILS, semester: SEMESTER },
  );
  expect(answer).toHaveLength(2);
}

/**
 * The pupil-support pages: a coordinator's list of the school's pupils and
 * plans with rule flags, a plan's approval trail, the director's and the
 * municipal coordinator's queues; axe in both languages; no name or
 * personal code in an address or where the API does not give it.
 */
describe.skipIf(skipBrowser)('pupil-support pages in headless Chromium', () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let schoolId = '';
  let shots = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-support-'));
    collector = await startWebCollector(dir);
    const school = await collector.store.createSchool({
      name: 'Cēsu pamatskola',
      municipality: 'Cēsu novads',
      pupils: 300,
    });
    await collector.store.createSchool({ name: 'Rīgas 1. vidusskola', municipality: 'Rīga', pupils: 900 });
    schoolId = school.id;
    shots = await screenshotDir();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("shows a coordinator the school's pupils and plans with rule flags, in lv and en", async () => {
    const coordinator = await createPerson(collector, 'support_coordinator', { school_id: schoolId });
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, coordinator);
    expect(new URL(page.url()).pathname).toBe('/support');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Skolēnu atbalsts');
    await seed(page, schoolId);
    await page.reload();
    const table = page.getByRole('table', { name: 'Skolēni un plāni' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
    const text = await table.innerText();
    expect(text).toContain('7.a');
    expect(text).toContain('Saskaņošanā');
    expect(text).toContain('Nav vecāka (vai pilngadīga izglītojamā) iesnieguma.');
    expect(text).toContain('SKOLNET_SUPPORT_APPLICATION_MISSING');
    // The list has no name or personal code: the API does not give them there.
    const main = await page.locator('main').innerText();
    for (const p of PUPILS) {
      expect(main).not.toContain(p.name);
      expect(main).not.toContain(p.personal_code);
    }
    const report = page.getByRole('link', { name: `Lejupielādēt pārskatu par ${SEMESTER} (XLSX)` });
    const download = await page.evaluate(
      async (href) => {
        const r = await fetch(href!);
        return { status: r.status, type: r.headers.get('content-type') };
      },
      await report.getAttribute('href'),
    );
    expect(download.status).toBe(200);
    expect(download.type).toContain('spreadsheetml');
    await assertAccessible(page, 'support list (lv)');
    await saveScreenshots(page, shots, 'support-lv');

    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Pupil support');
    await expect
      .poll(() => page.getByRole('table', { name: 'Pupils and plans' }).innerText())
      .toContain('There is no application of the parent (or of the pupil, if adult).');
    await assertAccessible(page, 'support list (en)');
    await saveScreenshots(page, shots, 'support-en');
    assertCleanPage(page);
    await context.close();
  });

  it('lets the director approve from the queue, then the municipal coordinator sees the plan', async () => {
    const director = await createPerson(collector, 'director', { school_id: schoolId });
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, director);
    await page.getByRole('link', { name: 'Saskaņošanas rinda' }).click();
    const queue = page.getByRole('table', { name: 'Plāni, kas gaida saskaņojumu' });
    await expect.poll(() => queue.locator('tbody tr').count()).toBe(1);
    await assertAccessible(page, 'director queue (lv)');
    await saveScreenshots(page, shots, 'support-queue-lv');
    await page.getByRole('button', { name: 'Saskaņot plānu: Cēsu pamatskola, 7.a klase' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Plāns saskaņots.');
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain('Neviens plāns negaida jūsu saskaņojumu.');
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Approval queue');
    await assertAccessible(page, 'director queue (en)');
    assertCleanPage(page);
    await context.close();

    const municipal = await createPerson(collector, 'municipal_coordinator', { municipality: 'Cēsu novads' });
    const next = await newContext(browser, { lang: 'en' });
    const other = await newPage(next);
    await signIn(other, collector.url, municipal);
    expect(new URL(other.url()).pathname).toBe('/support');
    const theirs = other.getByRole('table', { name: 'Plans waiting for approval' });
    await expect.poll(() => theirs.locator('tbody tr').count()).toBe(1);
    // The municipal coordinator approves, or returns a plan with a reason (support-national.test.ts).
    expect(await theirs.getByRole('button', { name: /^Return plan/ }).count()).toBe(1);
    await assertAccessible(other, 'municipal queue (en)');
    await saveScreenshots(other, shots, 'support-queue-en');
    assertCleanPage(other);
    await next.close();
  });

  it("shows a plan's approval trail, and the name only on request to the school's staff", async () => {
    const coordinator = await createPerson(collector, 'support_coordinator', { school_id: schoolId });
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, coordinator);
    await page.getByRole('link', { name: `Atvērt plānu: 7.a klase, ${SEMESTER}` }).click();
    await page.waitForURL((url) => url.pathname.includes('/plans/'));
    for (const p of PUPILS) {
      expect(page.url()).not.toContain(encodeURIComponent(p.name));
      expect(page.url()).not.toContain(p.personal_code);
    }
    const trail = page.getByRole('table', { name: 'Saskaņojumi' });
    await expect.poll(() => trail.locator('tbody tr').count()).toBe(1);
    expect(await trail.innerText()).toContain('direktors');
    const facts = await page.locator('dl.facts').innerText();
    expect(facts).toContain('pašvaldības koordinators');
    expect(facts).not.toContain(PUPILS[0]!.name);
    await assertAccessible(page, 'plan page (lv)');
    await saveScreenshots(page, shots, 'support-plan-lv');

    await page.getByRole('button', { name: 'Rādīt vārdu un personas kodu' }).click();
    await expect.poll(() => page.locator('dl.facts').innerText()).toContain(PUPILS[0]!.name);
    expect(await page.locator('dl.facts').innerText()).toContain(PUPILS[0]!.personal_code);
    const audit = await collector.store.accounts.listAudit({ limit: 50 });
    expect(audit.filter((e) => e.action === 'pupil_identity_read').map((e) => e.actor)).toEqual([
      coordinator.email,
    ]);

    // Reloaded, the page shows the identity again only on a new request (a new audited read).
    await page.reload();
    await page.getByRole('button', { name: 'Rādīt vārdu un personas kodu' }).waitFor();
    expect(await page.locator('dl.facts').innerText()).not.toContain(PUPILS[0]!.name);
    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Support plan');
    expect(await page.getByRole('table', { name: 'Approvals' }).innerText()).toContain('director');
    await assertAccessible(page, 'plan page (en)');
    await saveScreenshots(page, shots, 'support-plan-en');
    assertCleanPage(page);
    await context.close();
  });
});
