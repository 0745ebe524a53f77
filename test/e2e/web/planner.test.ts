import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
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
  BROWSER_TEST_TIMEOUT_MS,
  skipBrowser,
  startWebCollector,
  type Person,
} from '../../support/browser.js';
import { repoRoot, runToEnd } from '../../support/processes.js';

const seedBin = `${repoRoot}scripts/dist/demo-seed.js`;
/** Demo schools: enough to spread over many municipalities, few enough to seed quickly. */
const DEMO_SCHOOLS = '60';

/** Waits until MapLibre has drawn the map and reports its dots. */
async function mapRendered(page: Page): Promise<number> {
  const figure = page.locator('figure.school-map');
  await expect.poll(() => figure.getAttribute('data-map-state'), { timeout: 30_000 }).toBe('webgl');
  await expect
    .poll(async () => Number(await figure.getAttribute('data-rendered-schools')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  return Number(await figure.getAttribute('data-rendered-schools'));
}

/**
 * A planner's main flow over synthetic demo data (npm run demo:seed): the
 * national overview with its map and tables, in Latvian and in English.
 */
describe.skipIf(skipBrowser)('planner in headless Chromium', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let planner: Person;
  let shots: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-planner-'));
    const seeded = await runToEnd([seedBin, '--data', dir, '--schools', DEMO_SCHOOLS], {}, 120_000);
    if (seeded.code !== 0) throw new Error(`demo seed failed: ${seeded.stderr}`);
    collector = await startWebCollector(dir);
    planner = await createPerson(collector, 'planner');
    browser = await launchBrowser();
    shots = await screenshotDir();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const signedIn = async (lang: 'lv' | 'en'): Promise<{ context: BrowserContext; page: Page }> => {
    const context = await newContext(browser, { lang });
    const page = await newPage(context);
    await signIn(page, collector.url, planner);
    return { context, page };
  };

  it.each(['lv', 'en'] as const)(
    'shows the national overview with the map drawn by WebGL, the 42 municipalities and every school (%s)',
    async (lang) => {
      const { context, page } = await signedIn(lang);
      const text =
        lang === 'lv'
          ? { municipalities: 'Pašvaldības', schools: 'Skolas' }
          : { municipalities: 'Municipalities', schools: 'Schools' };
      const dots = await mapRendered(page);
      // Every demo school has coordinates; dots may overlap, but most are drawn apart.
      expect(dots).toBeGreaterThan(30);
      const municipalityTable = page.getByRole('table', { name: /42/ });
      await expect.poll(() => municipalityTable.locator('tbody tr').count()).toBe(42);
      const schoolTable = page.getByRole('table', { name: text.schools, exact: true });
      expect(await schoolTable.locator('tbody tr').count()).toBe(Number(DEMO_SCHOOLS));
      // Planners see the plan's euros per municipality, in the language's currency format.
      const header = await municipalityTable.locator('thead').innerText();
      expect(header).toMatch(lang === 'lv' ? /Plānots, EUR/ : /Planned, EUR/);
      expect(await municipalityTable.locator('tbody').innerText()).toContain('€');
      await assertAccessible(page, `overview (${lang})`);
      await saveScreenshots(page, shots, `overview-${lang}`, async (p) => {
        await mapRendered(p);
      });
      assertCleanPage(page);
      await context.close();
    },
    120_000,
  );

  it('filters the map and both tables by band, and the URL keeps the view', async () => {
    const { context, page } = await signedIn('en');
    const all = await mapRendered(page);
    await page.getByLabel('Band', { exact: true }).selectOption('priority');
    expect(new URL(page.url()).searchParams.get('band')).toBe('priority');
    const rows = page.getByRole('table', { name: 'Schools', exact: true }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBeLessThan(Number(DEMO_SCHOOLS));
    const bands = await rows.locator('.band').allInnerTexts();
    expect(new Set(bands)).toEqual(new Set(['priority']));
    await expect
      .poll(async () => Number(await page.locator('figure.school-map').getAttribute('data-rendered-schools')))
      .toBeLessThan(all);
    assertCleanPage(page);
    await context.close();
  });

  it('draws an SVG map with the same schools when the browser has no WebGL', async () => {
    const context = await newContext(browser, { lang: 'en' });
    await context.addInitScript(`{
      const original = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (kind, ...rest) {
        return /webgl/.test(kind) ? null : original.call(this, kind, ...rest);
      };
    }`);
    const page = await newPage(context);
    await signIn(page, collector.url, planner);
    const figure = page.locator('figure.school-map');
    await expect.poll(() => figure.getAttribute('data-map-state'), { timeout: 30_000 }).toBe('svg');
    expect(await figure.locator('svg[role=img] circle').count()).toBe(Number(DEMO_SCHOOLS));
    expect(await figure.locator('svg[role=img] path').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+L/);
    await assertAccessible(page, 'overview with the SVG map');
    await context.close();
  });
});
