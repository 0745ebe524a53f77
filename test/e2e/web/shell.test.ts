import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
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
  BROWSER_TEST_TIMEOUT_MS,
  skipBrowser,
  signIn,
} from '../../support/browser.js';
import { startWebCollector } from '../../support/browser.js';

/**
 * The application's frame for each kind of person: where they land after
 * signing in, the navigation their role gets, the language switch, the
 * state in the URL, sign-out, and the placeholders for pages still to come.
 */
describe.skipIf(skipBrowser)('web shell in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let schoolId = '';
  let shots: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-shell-'));
    collector = await startWebCollector(dir);
    schoolId = (
      await collector.store.createSchool({
        name: 'Cēsu pamatskola',
        municipality: 'Cēsu novads',
        pupils: 300,
      })
    ).id;
    await collector.store.createSchool({ name: 'Rīgas 1. vidusskola', municipality: 'Rīga', pupils: 900 });
    await collector.store.createSchool({
      name: 'Siguldas skola',
      municipality: 'Siguldas novads',
      pupils: 21,
    });
    browser = await launchBrowser();
    shots = await screenshotDir();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('signs a planner in, switches to English in one click, remembers it, and signs out', async () => {
    const planner = await createPerson(collector, 'planner');
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, planner);
    expect(new URL(page.url()).pathname).toBe('/');
    const header = page.locator('header');
    await expect.poll(() => header.innerText()).toContain(planner.email);
    expect(await header.innerText()).toContain('tīkla plānotājs');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Valsts pārskats');
    // Latvian plural forms through Intl.PluralRules: 0 → "skolu", 3 → "skolas".
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Rādītas 3 skolas no 3');
    await assertAccessible(page, 'overview (planner, lv)');

    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('National overview');
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('en');
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('National overview');
    await assertAccessible(page, 'overview (planner, en)');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL((url) => url.pathname === '/sign-in');
    await expect.poll(() => page.locator('main').innerText()).toContain('You have signed out.');
    const session = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    expect(session).toBe(401);
    assertCleanPage(page);
    await context.close();
  });

  it('keeps filters, search and sorting in the URL, so Back and a shared link restore the view', async () => {
    const context = await newContext(browser, { lang: 'en' });
    const page = await newPage(context);
    await page.goto(`${collector.url}/`);
    const schools = page.getByRole('table', { name: 'Schools', exact: true });
    await expect.poll(() => schools.locator('tbody tr').count()).toBe(3);

    await schools.getByRole('button', { name: 'Pupils' }).click();
    expect(new URL(page.url()).searchParams.get('sort')).toBe('pupils');
    const pupilsHeader = schools.locator('th', { has: page.getByRole('button', { name: 'Pupils' }) });
    expect(await pupilsHeader.getAttribute('aria-sort')).toBe('ascending');
    const firstRow = (): Promise<string> => schools.locator('tbody tr').first().innerText();
    expect(await firstRow()).toContain('Siguldas skola');
    await schools.getByRole('button', { name: 'Pupils' }).click();
    expect(await pupilsHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await firstRow()).toContain('Rīgas 1. vidusskola');

    // Search folds diacritics: "cesu" finds "Cēsu".
    await page.getByLabel('Search schools or municipalities').fill('cesu');
    await expect.poll(() => schools.locator('tbody tr').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('q')).toBe('cesu');
    await page.getByLabel('Search schools or municipalities').fill('');
    await page.getByLabel('Municipality', { exact: true }).selectOption('Rīga');
    await expect.poll(() => schools.locator('tbody tr').count()).toBe(1);
    const shared = page.url();

    await page.goBack();
    await expect.poll(() => schools.locator('tbody tr').count()).toBe(3);
    const other = await newPage(context);
    await other.goto(shared);
    await expect
      .poll(() => other.getByRole('table', { name: 'Schools', exact: true }).locator('tbody tr').count())
      .toBe(1);
    expect(await other.getByLabel('Municipality', { exact: true }).inputValue()).toBe('Rīga');
    expect(
      await other
        .getByRole('table', { name: 'Schools', exact: true })
        .locator('tbody tr')
        .first()
        .innerText(),
    ).toContain('Rīgas 1. vidusskola');
    assertCleanPage(page);
    assertCleanPage(other);
    await context.close();
  });

  it('moves between pages through real links without reloading, and says when a path is unknown', async () => {
    const context = await newContext(browser, { lang: 'en' });
    const page = await newPage(context);
    await page.goto(`${collector.url}/`);
    await page.evaluate(() => {
      (globalThis as { stayed?: boolean }).stayed = true;
    });
    const link = page.getByRole('link', { name: 'Accessibility statement' });
    expect(await link.getAttribute('href')).toBe('/accessibility');
    await link.click();
    await page.waitForURL(`${collector.url}/accessibility`);
    expect(await page.evaluate(() => (globalThis as { stayed?: boolean }).stayed)).toBe(true);
    // The title follows the page's render, a moment after the URL changes.
    await expect.poll(() => page.title()).toContain('Accessibility statement');

    await page.goto(`${collector.url}/no/such/page`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Page not found');
    const api = await page.evaluate(async () => {
      const r = await fetch('/api/v1/no-such-route');
      return { status: r.status, type: r.headers.get('content-type') };
    });
    expect(api.status).toBe(404);
    expect(api.type).toContain('application/json');
    await context.close();
  });

  it('is usable by keyboard: a visible skip link first, sorting with Enter, a visible focus ring', async () => {
    const context = await newContext(browser, { lang: 'en' });
    const page = await newPage(context);
    await page.goto(`${collector.url}/accessibility`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    const focused = (): Promise<{ text: string; outline: string; top: number }> =>
      page.evaluate(`(() => {
        const el = document.activeElement;
        return { text: el.textContent.trim(), outline: getComputedStyle(el).outlineStyle, top: el.getBoundingClientRect().top };
      })()`);
    const skip = await focused();
    expect(skip.text).toBe('Skip to content');
    expect(skip.outline).toBe('solid');
    expect(skip.top).toBeGreaterThanOrEqual(0);
    await page.keyboard.press('Enter');
    expect(await page.evaluate('document.activeElement.id')).toBe('main');
    expect(await page.getByRole('heading', { level: 2 }).allInnerTexts()).toContain('Using the keyboard');
    await assertAccessible(page, 'accessibility statement (en)');
    await saveScreenshots(page, shots, 'accessibility-en');

    await page.goto(`${collector.url}/`);
    const schools = page.getByRole('table', { name: 'Schools', exact: true });
    await expect.poll(() => schools.locator('tbody tr').count()).toBe(3);
    await schools.getByRole('button', { name: 'Pupils' }).focus();
    await page.keyboard.press('Enter');
    const header = schools.locator('th', { has: page.getByRole('button', { name: 'Pupils' }) });
    expect(await header.getAttribute('aria-sort')).toBe('ascending');
    await page.keyboard.press(' ');
    expect(await header.getAttribute('aria-sort')).toBe('descending');
    expect((await focused()).outline).toBe('solid');
    assertCleanPage(page);
    await context.close();
  });

  it('tells a visitor what is wrong when the password is wrong, without leaving the page', async () => {
    const context = await newContext(browser);
    const page = await newPage(context);
    const planner = await createPerson(collector, 'planner');
    await page.goto(`${collector.url}/sign-in`);
    await page.getByLabel('E-pasts').fill(planner.email);
    await page.getByLabel('Parole').fill(`${planner.password}x`);
    await page.getByRole('button', { name: 'Pieteikties' }).last().click();
    await expect.poll(() => page.getByRole('alert').innerText()).toBe('Nepareizs e-pasts vai parole.');
    expect(new URL(page.url()).pathname).toBe('/sign-in');
    await assertAccessible(page, 'sign-in with an error');
    await saveScreenshots(page, shots, 'sign-in-lv');
    await context.close();
  });

  // Vendors and pupil-support staff have their own pages now: test/e2e/web/vendor.test.ts and support.test.ts.

  it("takes school IT staff to their own school's page", async () => {
    const it = await createPerson(collector, 'school_it', { school_id: schoolId });
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, it);
    expect(new URL(page.url()).pathname).toBe(`/schools/${schoolId}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).innerText()).toBe('Cēsu pamatskola');
    // The vendor's placeholder is not in this role's navigation.
    expect(await page.getByRole('navigation').innerText()).not.toContain('Piegādātāja');
    assertCleanPage(page);
    await context.close();
  });
});
