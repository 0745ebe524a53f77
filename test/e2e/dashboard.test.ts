import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '@skolnet/collector';
import { uuidv7 } from '@skolnet/shared';
import {
  assertAccessible,
  assertCleanPage,
  launchBrowser,
  newContext,
  newPage,
  BROWSER_TEST_TIMEOUT_MS,
  skipBrowser,
  startWebCollector,
} from '../support/browser.js';

describe.skipIf(skipBrowser)(
  'web application for a visitor, in headless Chromium',
  { timeout: BROWSER_TEST_TIMEOUT_MS },
  () => {
    let dir: string;
    let collector: RunningCollector;
    let browser: Browser;
    let scoredId = '';

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'skolnet-dash-'));
      collector = await startWebCollector(dir);
      const scored = await collector.store.createSchool({
        name: 'Valmieras sākumskola',
        municipality: 'Valmiera',
        pupils: 200,
      });
      await collector.store.createSchool({
        name: 'Unmeasured <b>school</b>',
        municipality: 'Cēsis',
        pupils: 120,
      });
      scoredId = scored.id;
      await collector.store.insertResults([
        {
          id: uuidv7(),
          agent_id: 'dash-agent',
          school_id: scored.id,
          measurement: 'throughput',
          fields: {
            download_mbps: 180,
            upload_mbps: 60,
            bytes_down: 1,
            bytes_up: 1,
            duration_s: 8,
            streams: 4,
          },
          tags: { target: '127.0.0.1' },
          at: new Date().toISOString(),
        },
      ]);
      browser = await launchBrowser();
    });

    afterAll(async () => {
      await browser?.close();
      await collector?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists every school with its score and band in Latvian, showing markup in names as text', async () => {
      const context = await newContext(browser);
      const page = await newPage(context);
      const response = await page.goto(`${collector.url}/`);
      const csp = response?.headers()['content-security-policy'] ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).not.toContain('unsafe-eval');
      const table = page.getByRole('table', { name: 'Skolas', exact: true });
      await expect.poll(() => table.locator('tbody tr').count()).toBe(2);
      expect(await page.locator('html').getAttribute('lang')).toBe('lv');
      const text = await table.innerText();
      expect(text).toContain('Valmieras sākumskola');
      expect(text).toContain('Valmiera');
      // The unmeasured school is listed without a score, in the band "insufficient data".
      expect(text).toContain('nepietiek datu');
      expect(text).toMatch(/\b(labs|vidējs|prioritārs)\b/);
      // A name containing markup is text, never parsed as HTML.
      expect(text).toContain('Unmeasured <b>school</b>');
      expect(await table.locator('b').count()).toBe(0);
      await assertAccessible(page, 'overview (visitor)');
      assertCleanPage(page);
      await context.close();
    });

    it('asks a visitor to sign in for the details of a school, showing none of them', async () => {
      const context = await newContext(browser);
      const page = await newPage(context);
      await page.goto(`${collector.url}/`);
      await page.getByRole('link', { name: 'Valmieras sākumskola' }).click();
      await page.waitForURL(`${collector.url}/schools/${scoredId}`);
      await expect.poll(() => page.locator('main').innerText()).toContain('pēc pieteikšanās');
      const signIn = page.locator('main').getByRole('link', { name: 'Pieteikties' });
      expect(await signIn.getAttribute('href')).toBe(
        `/sign-in?next=${encodeURIComponent(`/schools/${scoredId}`)}`,
      );
      expect(await page.locator('main').innerText()).not.toContain('180');
      await assertAccessible(page, 'school page (visitor)');
      assertCleanPage(page);
      await context.close();
    });

    it('serves the sign-in page in Latvian with labelled fields, under the same CSP', async () => {
      const context = await newContext(browser);
      const page = await newPage(context);
      const response = await page.goto(`${collector.url}/sign-in`);
      expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
      expect(response?.headers()['x-content-type-options']).toBe('nosniff');
      await page.getByLabel('E-pasts').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Pieteikšanās');
      expect(await page.getByLabel('Parole').getAttribute('type')).toBe('password');
      await assertAccessible(page, 'sign-in');
      assertCleanPage(page);
      await context.close();
    });
  },
);
