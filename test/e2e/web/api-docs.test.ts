import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '@skolnet/collector';
import {
  assertCleanPage,
  launchBrowser,
  newContext,
  newPage,
  skipBrowser,
  startWebCollector,
} from '../../support/browser.js';

/**
 * The browsable API documentation (Swagger UI at /docs, served from the
 * installed package) in headless Chromium, under the Content-Security-Policy
 * the collector sends with it: it must draw the API's operations with no
 * CSP violation, uncaught error or console error.
 */
describe.skipIf(skipBrowser)('Swagger UI at /docs in headless Chromium', () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-docs-'));
    collector = await startWebCollector(dir);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders the operations of the OpenAPI document under the CSP, with nothing refused', async () => {
    const document = (await (await fetch(`${collector.url}/docs/json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const operations = Object.values(document.paths).reduce((n, p) => n + Object.keys(p).length, 0);
    const context = await newContext(browser, { lang: 'en' });
    const page = await newPage(context);
    const response = await page.goto(`${collector.url}/docs`);
    expect(response?.headers()['content-security-policy']).toBeDefined();
    const blocks = page.locator('.opblock');
    await expect.poll(() => blocks.count(), { timeout: 30_000 }).toBe(operations);
    expect(await page.locator('.opblock-summary-path').allInnerTexts()).toContain('/api/v1/schools/{id}');
    assertCleanPage(page);
    await context.close();
  }, 60_000);
});
