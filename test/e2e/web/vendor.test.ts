import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, PROTOCOL_VERSION } from '@skolnet/shared';
import type { RunningCollector } from '@skolnet/collector';
import {
  assertAccessible,
  assertCleanPage,
  createPerson,
  launchBrowser,
  newContext,
  newPage,
  signIn,
  skipBrowser,
  startWebCollector,
} from '../../support/browser.js';

const CONTRACT = {
  vendor: 'SIA Tīkli',
  kind: 'internet_line' as const,
  download_max_mbps: 100,
  download_min_mbps: 20,
  upload_max_mbps: 100,
  upload_min_mbps: 20,
  latency_limit_ms: null,
  max_loss_pct: null,
  availability_pct: null,
  completion_date: '2026-09-01',
  acceptance_window_days: 30,
  campaign_school_days: 5,
  rooms: [],
};

/**
 * The vendor's pages: its contracts (and only its own), marking one
 * complete, the campaign's progress, and a finished campaign's signed
 * report in both languages; axe on each page in both languages.
 */
describe.skipIf(skipBrowser)('vendor acceptance pages in headless Chromium', () => {
  let dir: string;
  let collector: RunningCollector;
  let browser: Browser;
  let finishedId = '';
  let cesisId = '';
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-vendor-'));
    collector = await startWebCollector(dir);
    const store = collector.store;
    const cesis = await store.createSchool({
      name: 'Cēsu pamatskola',
      municipality: 'Cēsu novads',
      pupils: 300,
    });
    cesisId = cesis.id;
    const riga = await store.createSchool({ name: 'Rīgas 1. vidusskola', municipality: 'Rīga', pupils: 900 });
    const valka = await store.createSchool({
      name: 'Valkas skola',
      municipality: 'Valkas novads',
      pupils: 120,
    });
    const now = new Date();
    const [, done] = await store.acceptance.createContracts(
      [
        { input: { ...CONTRACT, school_id: cesis.id, reference: 'IZM-2026/17' }, warnings: [] },
        { input: { ...CONTRACT, school_id: valka.id, reference: 'IZM-2026/18' }, warnings: [] },
        {
          input: { ...CONTRACT, school_id: riga.id, reference: 'IZM-2026/99', vendor: 'SIA Citi' },
          warnings: [],
        },
      ],
      'test',
      now,
    );
    // A campaign that ended without tests: inconclusive after its extensions, with a report to read.
    const finished = await store.acceptance.createCampaign(
      {
        contract_id: done!.id,
        school_id: valka.id,
        retest_of: null,
        status: 'inconclusive',
        school_days: 11,
        extensions: 3,
        started_at: new Date(now.getTime() - 20 * 86_400_000).toISOString(),
        ends_at: new Date(now.getTime() - 86_400_000).toISOString(),
        finished_at: new Date(now.getTime() - 86_400_000).toISOString(),
        previous_config: null,
        verdict: null,
      },
      now,
    );
    finishedId = finished.id;
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lands a vendor on its own contracts, starts a campaign and follows its progress', async () => {
    const vendor = await createPerson(collector, 'vendor', { vendor: 'SIA Tīkli' });
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, vendor);
    expect(new URL(page.url()).pathname).toBe('/vendor');
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Piegādātāja pieņemšana');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(2);
    const table = await page.locator('table').innerText();
    expect(table).toContain('Cēsu pamatskola');
    expect(table).not.toContain('IZM-2026/99');
    await assertAccessible(page, 'vendor contracts (lv)');

    // An agent of the school connects with a hello as the previous agent's stream handshake built it
    // (constructed): no capabilities, so it cannot schedule the campaign.
    const enrolled = await collector.store.redeemEnrollmentCode(
      (await collector.store.createEnrollmentCode(cesisId, 3_600_000)).code,
      { hostname: 'lab-pc-7', agent_version: '0.1.0' },
    );
    const ws = new WebSocket(`${collector.url.replace(/^http/, 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
    sockets.push(ws);
    await once(ws, 'open');
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: enrolled.agent_id,
        secret: enrolled.secret,
        agent_version: '0.1.0',
      }),
    );
    const [welcome] = (await once(ws, 'message')) as [Buffer];
    expect((JSON.parse(welcome.toString()) as { type: string }).type).toBe('welcome');

    await page.getByRole('button', { name: /IZM-2026\/17/ }).click();
    await expect.poll(() => page.getByRole('status').innerText()).toBe('Pieņemšanas kampaņa sākta.');
    await page.getByRole('link', { name: 'Skatīt kampaņu (notiek)' }).click();
    await page.waitForURL((url) => url.pathname.startsWith('/vendor/campaigns/'));
    await expect.poll(() => page.locator('dl.facts').innerText()).toContain('notiek');
    expect(await page.locator('main').innerText()).toContain('Parakstītais pārskats būs pieejams');
    // The old agent is named with the upgrade it needs.
    await expect
      .poll(() => page.locator('main').innerText())
      .toContain('Aģents par vecu kampaņas plānošanai: atjauniniet to.');
    expect(await page.locator('main .notice li').allInnerTexts()).toEqual([enrolled.agent_id]);
    await assertAccessible(page, 'campaign progress (lv)');

    await page.getByRole('button', { name: 'English' }).click();
    expect(await page.getByRole('heading', { level: 1 }).innerText()).toBe('Acceptance campaign');
    expect(await page.getByRole('table').innerText()).toContain('Download');
    expect(await page.locator('main .notice').innerText()).toContain(
      'Agent too old for campaign scheduling: upgrade it.',
    );
    await assertAccessible(page, 'campaign progress (en)');
    assertCleanPage(page);
    await context.close();
  });

  it('offers a finished campaign its signed reports in both languages and a re-test', async () => {
    const vendor = await createPerson(collector, 'vendor', { vendor: 'SIA Tīkli' });
    const context = await newContext(browser, { lang: 'en' });
    const page = await newPage(context);
    await signIn(page, collector.url, vendor);
    await page.goto(`${collector.url}/vendor/campaigns/${finishedId}`);
    await expect.poll(() => page.locator('dl.facts').innerText()).toContain('inconclusive');
    // The tests not run, by reason, as the verdict counts them: a campaign without results had its agents offline.
    const offline = await page.evaluate(async (id) => {
      const r = await fetch(`/api/v1/campaigns/${id}`);
      return ((await r.json()) as { verdict: { not_run: { by_reason: Record<string, number> } } }).verdict
        .not_run.by_reason['agent_offline_hours'];
    }, finishedId);
    expect(offline).toBeGreaterThan(0);
    expect(await page.locator('ul.not-run').innerText()).toContain(
      `lesson hours without a word from any agent: ${offline}`,
    );
    const lvHref = await page.getByRole('link', { name: 'Report in Latvian (HTML)' }).getAttribute('href');
    const report = await page.evaluate(async (href) => {
      const r = await fetch(href!);
      return { status: r.status, text: await r.text() };
    }, lvHref);
    expect(report.status).toBe(200);
    expect(report.text).toContain('<html lang="lv">');
    expect(report.text).toContain('<!--skolnet-signature ');
    await assertAccessible(page, 'finished campaign (en)');

    // Another vendor's campaign is refused, and the page says so.
    const rival = await createPerson(collector, 'vendor', { vendor: 'SIA Citi' });
    const other = await newPage(await newContext(browser, { lang: 'en' }));
    await signIn(other, collector.url, rival);
    await other.goto(`${collector.url}/vendor/campaigns/${finishedId}`);
    await expect
      .poll(() => other.locator('main').innerText())
      .toContain("This campaign is not in your organisation's contracts.");

    await page.getByRole('button', { name: 'Request a re-test' }).click();
    await page.waitForURL((url) => url.pathname !== `/vendor/campaigns/${finishedId}`);
    await expect.poll(() => page.locator('main').innerText()).toContain('This campaign is a re-test.');
    // It links back to the campaign it re-tests.
    expect(await page.getByRole('link', { name: 'the original campaign' }).getAttribute('href')).toBe(
      `/vendor/campaigns/${finishedId}`,
    );
    assertCleanPage(page);
    await context.close();
  });
});
