import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '@skolnet/collector';
import {
  assertAccessible,
  assertCleanPage,
  launchBrowser,
  newContext,
  newPage,
  BROWSER_TEST_TIMEOUT_MS,
  skipBrowser,
  startWebCollector,
} from '../../support/browser.js';

/** The browser harness fails where it should: a test that uses it can fail. */
describe.skipIf(skipBrowser)('browser test harness', { timeout: BROWSER_TEST_TIMEOUT_MS }, () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-harness-'));
    collector = await startWebCollector(dir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an input without a label as a critical axe violation', async () => {
    const context = await newContext(browser);
    const page = await newPage(context);
    await page.goto(`${collector.url}/accessibility`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.evaluate("document.querySelector('main').append(document.createElement('input'))");
    await expect(assertAccessible(page, 'broken')).rejects.toThrow(/label \(critical\)/);
    await context.close();
  });

  it("reports an inline script the page's CSP refused", async () => {
    const context = await newContext(browser);
    const page = await newPage(context);
    await page.goto(`${collector.url}/accessibility`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    expect(() => assertCleanPage(page)).not.toThrow();
    // Page code as text: the tests' TypeScript has no DOM types.
    const ran = await page.evaluate(`(async () => {
      const script = document.createElement('script');
      script.textContent = 'globalThis.inlineRan = true';
      document.body.append(script);
      await new Promise((resolve) => setTimeout(resolve, 100));
      return globalThis.inlineRan === true;
    })()`);
    expect(ran).toBe(false);
    expect(() => assertCleanPage(page)).toThrow(/Content Security Policy/);
    await context.close();
  });
});
