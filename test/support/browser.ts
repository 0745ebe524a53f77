import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { chromium as playwright, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import { dashboardBuildDir } from '@skolnet/dashboards';
import { findCommand, missingComponent } from './real-component.js';

/**
 * Browser tests of the web application: Debian's Chromium driven by
 * playwright-core against a collector started in the test, with axe-core
 * on every page and screenshots at two widths. test/README.md shows how
 * to use it.
 */

const chromiumCommand = findCommand(['chromium', 'chromium-browser', 'google-chrome']);

/** Why browser tests skip here (undefined when Chromium is installed); under CI a missing Chromium fails. */
export const skipBrowser: string | undefined = missingComponent(
  'chromium',
  chromiumCommand !== undefined,
  'apt-get install chromium',
);

/**
 * Time a browser test may take, ms: pages load a megabyte of map code and
 * draw WebGL in software on a shared two-core machine. Pass it to the
 * `describe` of a browser test file.
 */
export const BROWSER_TEST_TIMEOUT_MS = 120_000;

/** Playwright wants the executable's path, not a command name. */
const chromiumPath = (process.env.PATH ?? '')
  .split(delimiter)
  .map((d) => join(d, chromiumCommand ?? ''))
  .find((p) => chromiumCommand !== undefined && existsSync(p));

/**
 * Chromium's flags: no sandbox (tests may run as root, where Chromium
 * refuses it), no calls home, and WebGL through SwiftShader, Chromium's
 * software renderer, so the map draws on a machine without a GPU.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
];

/** Starts headless Chromium. */
export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({ executablePath: chromiumPath!, args: [...CHROMIUM_ARGS], headless: true });
}

/**
 * Starts a collector on a free loopback port serving the built web
 * application (`npm run build` builds it; `npm test` does so first).
 */
export async function startWebCollector(dataDir: string): Promise<RunningCollector> {
  if (!existsSync(join(dashboardBuildDir, 'index.html'))) {
    throw new Error('the web application is not built: run npm run build first');
  }
  return startCollector({ host: '127.0.0.1', port: 0, dataDir, logger: false });
}

/** A person who signs in through the pages. */
export interface Person {
  email: string;
  password: string;
  role: string;
}

let people = 0;

/**
 * Creates an account of `role` (with `scope` for scoped roles) with a
 * password, as `skolnet-collector user add` and `user reset-password` do.
 */
export async function createPerson(
  running: RunningCollector,
  role: Parameters<RunningCollector['accounts']['createUser']>[0]['role'],
  scope: { school_id?: string; municipality?: string; vendor?: string } = {},
): Promise<Person> {
  people += 1;
  const email = `${role.replace(/_/g, '-')}-${people}@web.test.skolnet`;
  const password = randomBytes(12).toString('base64url');
  await running.accounts.createUser({ email, role, password, ...scope }, { label: 'test' });
  return { email, password, role };
}

/** The UI language a context starts in: remembered in localStorage as the pages do. */
export type UiLang = 'lv' | 'en';

/**
 * A browser context (its own cookies and storage) at `width` px, with the
 * language remembered as the pages' switch remembers it, and a record of
 * every Content-Security-Policy violation and page error, which
 * {@link assertCleanPage} reports.
 */
export async function newContext(
  browser: Browser,
  options: { lang?: UiLang; width?: number } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1400, height: 900 },
    acceptDownloads: true,
    locale: options.lang === 'en' ? 'en-GB' : 'lv-LV',
  });
  if (options.lang !== undefined) {
    await context.addInitScript(`try { localStorage.setItem('skolnet.lang', '${options.lang}') } catch {}`);
  }
  return context;
}

/** Problems a page reported: CSP violations, uncaught errors, console errors. */
const problems = new WeakMap<Page, string[]>();

/** Opens a page in `context` that records its CSP violations and errors. */
export async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const seen: string[] = [];
  problems.set(page, seen);
  page.on('pageerror', (err) => seen.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // A 401 from GET /api/v1/session is how the pages learn nobody is signed in; Chromium logs it.
    if (msg.type() === 'error' && !/status of 40[13]/.test(msg.text())) seen.push(`console: ${msg.text()}`);
  });
  return page;
}

/** Fails with the list when the page logged a CSP violation, an uncaught error or a console error. */
export function assertCleanPage(page: Page): void {
  const seen = problems.get(page) ?? [];
  if (seen.length > 0) throw new Error(`the page reported problems:\n${seen.join('\n')}`);
}

/**
 * Signs in through the sign-in page as a person does: types the e-mail
 * and password into the labelled fields and presses the button. Returns
 * when the page has left `/sign-in`.
 */
export async function signIn(page: Page, baseUrl: string, person: Person): Promise<void> {
  await page.goto(`${baseUrl}/sign-in`);
  await page.locator('#sign-in-email').fill(person.email);
  await page.locator('#sign-in-password').fill(person.password);
  await page.locator('form button[type=submit]').click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}

const require = createRequire(import.meta.url);
let axeSource: string | undefined;

/** One axe-core finding, shortened for a test failure. */
export interface AxeFinding {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is and
 * fails on any serious or critical violation, listing them. axe is put
 * into the page through DevTools' evaluate, which the page's
 * Content-Security-Policy does not govern, so the test needs no
 * `bypassCSP` and the policy stays in force for the application.
 */
export async function assertAccessible(page: Page, label: string): Promise<AxeFinding[]> {
  axeSource ??= await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  // Page code as text: the tests' TypeScript has no DOM types.
  const findings = await page.evaluate<AxeFinding[]>(`(async () => {
    const results = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
    }));
  })()`);
  const blocking = findings.filter((f) => f.impact === 'serious' || f.impact === 'critical');
  if (blocking.length > 0) {
    throw new Error(
      `${label}: axe found serious or critical violations:\n${blocking
        .map((f) => `- ${f.id} (${f.impact}): ${f.help} at ${f.targets.join(', ')}`)
        .join('\n')}`,
    );
  }
  return findings;
}

/**
 * Tallest screenshot, CSS px: the top of a long page (a table of 600
 * schools) shows what it looks like; the rest would only weigh on the repository.
 */
export const SCREENSHOT_MAX_HEIGHT = 2400;

/** The widths screenshots are taken at: a desktop and a small phone, in CSS px. */
export const SCREENSHOT_WIDTHS = [1400, 400] as const;

/**
 * Where screenshots go: `SKOLNET_SCREENSHOT_DIR` (e.g. `docs/screenshots`
 * to refresh the README's) or a temporary folder, so a plain test run
 * leaves the repository as it was.
 */
export async function screenshotDir(): Promise<string> {
  const dir = process.env.SKOLNET_SCREENSHOT_DIR ?? (await mkdtemp(join(tmpdir(), 'skolnet-shots-')));
  await mkdir(dir, { recursive: true });
  return dir;
}

/**
 * Saves full-page screenshots of the page as `<name>-1400.png` and
 * `<name>-400.png`, then restores the viewport. `ready` runs after each
 * resize (wait for a re-layout, a map's redraw).
 */
export async function saveScreenshots(
  page: Page,
  dir: string,
  name: string,
  ready: (page: Page) => Promise<void> = () => Promise.resolve(),
): Promise<string[]> {
  const before = page.viewportSize();
  const files: string[] = [];
  for (const width of SCREENSHOT_WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    await ready(page);
    const file = join(dir, `${name}-${width}.png`);
    const height = await page.evaluate<number>('document.documentElement.scrollHeight');
    await page.screenshot({
      path: file,
      fullPage: true,
      animations: 'disabled',
      clip: { x: 0, y: 0, width, height: Math.min(height, SCREENSHOT_MAX_HEIGHT) },
    });
    files.push(file);
  }
  if (before) await page.setViewportSize(before);
  return files;
}
