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
  type Person,
} from '../../support/browser.js';

/** A synthetic personal code of the dated form (born `day` March 2012), with its check digit: no real person. */
function personalCode(day: number): string {
  const weights = [1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  for (let serial = 1; ; serial += 1) {
    const d = `${String(day).padStart(2, '0')}03122${String(serial).padStart(3, '0')}`.split('').map(Number);
    const check = (1101 - d.reduce((acc, v, i) => acc + v * weights[i]!, 0)) % 11;
    if (check < 10) return `${d.slice(0, 6).join('')}-${d.slice(6).join('')}${check}`;
  }
}

/**
 * The semester the collector counts as current: it runs on the real clock
 * here, so the plans are made for today's semester (September to December
 * is the first half of a school year).
 */
function currentSemester(now = new Date()): string {
  const year = now.getUTCFullYear();
  return now.getUTCMonth() >= 8 ? `${year}/${year + 1}-1` : `${year - 1}/${year}-2`;
}

/** Calls the API from a page signed in as someone, with the session's CSRF token. */
async function callApi(
  page: Page,
  calls: { method: string; path: string; body?: object }[],
): Promise<unknown[]> {
  return page.evaluate(async (list) => {
    const session = (await (await fetch('/api/v1/session')).json()) as { csrf_token: string };
    const headers = { 'content-type': 'application/json', 'x-skolnet-csrf': session.csrf_token };
    const out: unknown[] = [];
    for (const c of list) {
      const r = await fetch(c.path, {
        method: c.method,
        headers,
        ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
      });
      if (!r.ok) throw new Error(`${c.method} ${c.path}: ${r.status} ${await r.text()}`);
      out.push(await r.json());
    }
    return out;
  }, calls);
}

/**
 * The national and municipal side of pupil support in headless Chromium:
 * a municipal coordinator approves one plan and returns another with a
 * reason; IKVD approves last and reads the national view per municipality
 * and school, with small counts hidden; axe and screenshots in lv and en;
 * no name or personal code anywhere on these pages.
 */
describe.skipIf(skipBrowser)('pupil support: municipal coordinator and IKVD in headless Chromium', () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let cesis = '';
  let valmiera = '';
  let shots = '';
  const semester = currentSemester();
  const names: string[] = [];
  const codes: string[] = [];

  /** Signs `person` in on a new page in `lang`; the caller closes the context. */
  const open = async (person: Person, lang: 'lv' | 'en' = 'lv') => {
    const context = await newContext(browser, { lang });
    const page = await newPage(context);
    await signIn(page, collector.url, person);
    return { context, page };
  };

  /** Pupils with plans sent for approval, and approved by their director. */
  const seed = async (schoolId: string, classes: string[]) => {
    const coordinator = await createPerson(collector, 'support_coordinator', { school_id: schoolId });
    const director = await createPerson(collector, 'director', { school_id: schoolId });
    const { context, page } = await open(coordinator);
    const base = `/api/v1/support/schools/${schoolId}`;
    const pupilIds: string[] = [];
    for (const label of classes) {
      const name = `Skolēns ${label} ${schoolId.slice(0, 4)}`;
      const code = personalCode(names.length + 1);
      names.push(name);
      codes.push(code);
      const [pupil] = (await callApi(page, [
        {
          method: 'POST',
          path: `${base}/pupils`,
          body: { name, personal_code: code, programme: 'general', grade: 7, class_label: label },
        },
      ])) as { id: string }[];
      pupilIds.push(pupil!.id);
    }
    const plans = (await callApi(
      page,
      pupilIds.map((pupilId, i) => ({
        method: 'POST',
        path: `${base}/plans`,
        body: {
          pupil_id: pupilId,
          semester,
          application: { on: '2025-09-01', by: 'parent', document_ref: `iesn. ${classes[i]}` },
          prepared_on: '2025-09-02',
          risks: [{ id: 'r1', group: 'learning_school', justification: 'nesekmība' }],
          measures: [{ id: 'm1', description: 'konsultācijas', risk_ids: ['r1'] }],
        },
      })),
    )) as { id: string }[];
    const planIds = plans.map((p) => p.id);
    await callApi(
      page,
      planIds.map((id) => ({
        method: 'POST',
        path: `${base}/plans/${id}/status`,
        body: { status: 'Saskaņošanā' },
      })),
    );
    await context.close();
    const asDirector = await open(director);
    await callApi(
      asDirector.page,
      planIds.map((id) => ({ method: 'POST', path: `${base}/plans/${id}/approvals`, body: {} })),
    );
    await asDirector.context.close();
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-support-national-'));
    collector = await startWebCollector(dir);
    cesis = (
      await collector.store.createSchool({
        name: 'Cēsu pamatskola',
        municipality: 'Cēsu novads',
        pupils: 300,
      })
    ).id;
    valmiera = (
      await collector.store.createSchool({
        name: 'Valmieras sākumskola',
        municipality: 'Valmieras novads',
        pupils: 200,
      })
    ).id;
    shots = await screenshotDir();
    browser = await launchBrowser();
    await seed(cesis, ['7.a', '7.b', '7.c', '7.d', '7.e', '7.f', '7.g']);
    await seed(valmiera, ['7.a', '7.b']);
    // Two schools' pupils and plans through the pages' API, as their staff would enter them.
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const noIdentity = async (page: Page) => {
    const main = await page.locator('main').innerText();
    for (const s of [...names, ...codes]) expect(main).not.toContain(s);
  };

  it('lets the municipal coordinator approve a plan and return another with a reason, in lv and en', async () => {
    const municipal = await createPerson(collector, 'municipal_coordinator', { municipality: 'Cēsu novads' });
    const { context, page } = await open(municipal);
    expect(new URL(page.url()).pathname).toBe('/support');
    const queue = page.getByRole('table', { name: 'Plāni, kas gaida saskaņojumu' });
    // Cēsu's seven plans; Valmiera's are another municipality's.
    await expect.poll(() => queue.locator('tbody tr').count()).toBe(7);
    expect(await queue.innerText()).not.toContain('Valmieras');
    await page.getByRole('button', { name: 'Saskaņot plānu: Cēsu pamatskola, 7.a klase' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Plāns saskaņots.');
    await expect.poll(() => queue.locator('tbody tr').count()).toBe(6);

    await page.getByRole('button', { name: 'Atgriezt plānu: Cēsu pamatskola, 7.b klase' }).click();
    const reason = page.getByRole('textbox', { name: 'Atgriešanas iemesls' });
    // The focus moves into the reason, so a keyboard user is where the form is.
    await expect.poll(() => reason.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    await reason.fill('Trūkst pasākuma sociālās vides riskam.');
    await assertAccessible(page, 'municipal return form (lv)');
    await saveScreenshots(page, shots, 'support-municipal-return-lv');
    await page.getByRole('button', { name: 'Atgriezt koordinatoram' }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Plāns atgriezts koordinatoram.');
    await expect.poll(() => queue.locator('tbody tr').count()).toBe(5);
    await noIdentity(page);

    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Approval queue');
    const english = page.getByRole('table', { name: 'Plans waiting for approval' });
    await expect.poll(() => english.locator('tbody tr').count()).toBe(5);
    await page.getByRole('button', { name: 'Return plan: Cēsu pamatskola, class 7.c' }).click();
    await page.getByRole('textbox', { name: 'Reason for returning' }).waitFor();
    await assertAccessible(page, 'municipal queue (en)');
    await saveScreenshots(page, shots, 'support-municipal-en');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('textbox', { name: 'Reason for returning' }).count()).toBe(0);
    assertCleanPage(page);
    await context.close();

    // The school sees why on the plan page.
    const coordinator = await createPerson(collector, 'support_coordinator', { school_id: cesis });
    const school = await open(coordinator, 'en');
    await school.page.getByRole('link', { name: `Open plan: class 7.b, ${semester}` }).click();
    await school.page.waitForURL((url) => url.pathname.includes('/plans/'));
    const returns = school.page.getByRole('table', { name: 'Returns from approval' });
    await expect.poll(() => returns.innerText()).toContain('Trūkst pasākuma sociālās vides riskam.');
    expect(await returns.innerText()).toContain('municipal coordinator');
    await assertAccessible(school.page, 'plan page with a return (en)');
    assertCleanPage(school.page);
    await school.context.close();
  }, 180_000);

  it('gives IKVD the last approval and the national view per municipality and school, small counts hidden, in en and lv', async () => {
    const ikvd = await createPerson(collector, 'ikvd');
    const { context, page } = await open(ikvd, 'en');
    const queue = page.getByRole('table', { name: 'Plans waiting for approval' });
    // The plan the municipal coordinator approved (the other test may run first or not at all).
    await expect
      .poll(() => page.locator('main').innerText())
      .toMatch(/Plans waiting for approval|No plan is waiting/);
    if ((await queue.count()) > 0) {
      await page.getByRole('button', { name: 'Approve plan: Cēsu pamatskola, class 7.a' }).click();
      await expect.poll(() => page.getByRole('status').innerText()).toBe('Plan approved.');
    }

    await page.getByRole('link', { name: 'Pupil support: national view' }).click();
    await page.waitForURL((url) => url.pathname === '/support/national');
    const table = page.getByRole('table', { name: `Plans by status, ${semester}` });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(5);
    const rows = await table.locator('tbody tr').allInnerTexts();
    expect(rows[0]).toContain('National');
    expect(rows[1]).toContain('Cēsu novads');
    expect(rows[2]).toContain('Cēsu pamatskola');
    expect(rows[3]).toContain('Valmieras novads');
    // Valmiera's two plans are below five: hidden, as is what they could be worked out from.
    expect(rows[4]).toContain('Valmieras sākumskola');
    expect(rows[4]).not.toMatch(/\b2\b/);
    expect(rows[4]).toContain('hidden');
    expect(rows[0]).toContain('9');
    await noIdentity(page);
    await assertAccessible(page, 'national view (en)');
    await saveScreenshots(page, shots, 'support-national-en');

    await page.getByRole('combobox', { name: 'Figures' }).selectOption('laptops');
    await page.getByRole('table', { name: `Laptops and home connectivity, ${semester}` }).waitFor();
    // The national report as PDF, printed by the collector's Chromium.
    const pdf = await page.evaluate(
      async (href) => {
        const r = await fetch(href!);
        return { status: r.status, type: r.headers.get('content-type'), head: (await r.text()).slice(0, 5) };
      },
      await page
        .getByRole('link', { name: `Download the report for ${semester} (PDF)` })
        .getAttribute('href'),
    );
    expect(pdf).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-' });

    await page.getByRole('button', { name: 'Latviešu' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Atbalsta valsts pārskats');
    await page.getByRole('combobox', { name: 'Rādītāji' }).selectOption('status');
    await expect
      .poll(() => page.getByRole('table', { name: `Plāni pēc statusa, ${semester}` }).innerText())
      .toContain('Valsts kopā');
    await assertAccessible(page, 'national view (lv)');
    await saveScreenshots(page, shots, 'support-national-lv');
    assertCleanPage(page);
    await context.close();
  }, 180_000);
});
