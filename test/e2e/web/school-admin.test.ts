import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningCollector } from '@skolnet/collector';
import WebSocket from 'ws';
import { AGENT_STREAM_PATH, PROTOCOL_NAME, PROTOCOL_VERSION, uuidv7, type Result } from '@skolnet/shared';
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

const HOUR_MS = 3_600_000;
/** Words of the plan API's English sentences (why, delivery, option labels) that a Latvian page must not show. */
const ENGLISH_PLAN_WORDS =
  /\b(the|benefit per EUR|survey|nothing in this plan|not checked|works must be ready|new fibre connection|access points?|switch(es)?|subscription|programme total)\b/i;
/** Waits for a page to show something: two shared cores make Chromium and the collector slow. */
const poll = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 });

// Synthetic register rows in the shape of the national register's export, as Excel in a Latvian locale saves CSV.
const HEADER =
  'Reģistrācijas numurs;Nosaukums;Pašvaldība;Adrese;Platums;Garums;Izglītojamo skaits;Iestādes veids';
const GOOD_ROWS = [
  '4313900251;Cēsu Valsts ģimnāzija;Cēsu novads;Leona Paegles iela 1, Cēsis;57,3125;25,2712;600;Vispārējās izglītības iestāde',
  '3313900460;Rīgas 1. speciālā skola;Rīga;Brīvības iela 1, Rīga;56,95;24,11;120;Speciālās izglītības iestāde',
];
const csv = (...rows: string[]): Buffer => Buffer.from(`\ufeff${[HEADER, ...rows].join('\r\n')}\r\n`);

/**
 * The school, school IT and admin pages in headless Chromium: an admin
 * imports the register (a dry run reporting a bad row first), manages
 * users and reads the audit log; a school IT user sees their school's
 * page with its history charts, issues and ends enrollment codes, names
 * an agent, and is refused another school. axe on every page; screenshots
 * at 1400 and 400 px.
 */
describe.skipIf(skipBrowser)('school, school IT and admin pages in headless Chromium', () => {
  let dir: string;
  let shots: string;
  let collector: RunningCollector;
  let browser: Browser;
  const ids = { a: '', b: '', agent: '', secret: '' };
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-school-'));
    shots = await screenshotDir();
    collector = await startWebCollector(dir);
    const store = collector.store;
    const a = await store.createSchool({
      name: 'Siguldas Valsts ģimnāzija',
      municipality: 'Siguldas novads',
      pupils: 540,
      registration_number: '4313900100',
      address: 'Ausekļa iela 1, Sigulda',
      lat: 57.152,
      lon: 24.857,
      school_type: 'general',
    });
    const b = await store.createSchool({
      name: 'Ogres tehnikums',
      municipality: 'Ogres novads',
      pupils: 700,
    });
    const agent = await store.redeemEnrollmentCode((await store.createEnrollmentCode(a.id, HOUR_MS)).code, {
      hostname: 'sig-srv-01',
      agent_version: '0.1.0',
    });
    Object.assign(ids, { a: a.id, b: b.id, agent: agent.agent_id, secret: agent.secret });
    // Three days of hourly tests in school hours, so the charts have something to draw.
    const results: Result[] = [];
    const now = Date.now();
    for (let h = 72; h >= 1; h -= 1) {
      const at = now - h * HOUR_MS;
      const hourOfDay = new Date(at).getUTCHours();
      if (hourOfDay < 6 || hourOfDay > 14) continue;
      const base = { agent_id: agent.agent_id, school_id: a.id, at: new Date(at).toISOString() };
      results.push({
        ...base,
        id: uuidv7(at),
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 80 + (h % 7) * 9, upload_mbps: 20 + (h % 5) * 3 },
      });
      results.push({
        ...base,
        id: uuidv7(at + 1),
        measurement: 'latency',
        tags: { target: 'collector' },
        fields: { rtt_avg_ms: 12 + (h % 4) * 2, loss_pct: h % 9 === 0 ? 1 : 0, result: 'success' },
      });
    }
    // Fields as the snmp probe's README example, recorded from the lab's net-snmp router.
    results.push({
      agent_id: agent.agent_id,
      school_id: a.id,
      at: new Date(now - HOUR_MS).toISOString(),
      id: uuidv7(now - HOUR_MS + 2),
      measurement: 'snmp_device',
      tags: { host: '10.231.7.2' },
      fields: { result: 'ok', vendor: 'net-snmp', role: 'router', if_count: 4, sys_name: 'lab-router' },
    });
    await store.insertResults(results);
    browser = await launchBrowser();
  });

  afterAll(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await browser?.close();
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const h1 = (page: Page) => page.getByRole('heading', { level: 1 }).innerText();

  it('lets an admin dry-run and import the register, manage users and read the audit log', async () => {
    const admin = await createPerson(collector, 'admin');
    const context = await newContext(browser);
    const page = await newPage(context);
    await signIn(page, collector.url, admin);
    await page.goto(`${collector.url}/admin/schools`);
    await poll(() => h1(page)).toBe('Skolu reģistrs');

    const file = page.getByLabel('Reģistra eksporta fails');
    await file.setInputFiles({
      name: 'registrs.csv',
      mimeType: 'text/csv',
      buffer: csv(...GOOD_ROWS, '4313900999;Nekurienes skola;Vik;;;;10;'),
    });
    await page.getByRole('button', { name: 'Pārbaudīt failu' }).click();
    const problems = page.getByRole('table', { name: 'Kļūdainās rindas un iemesli' });
    await poll(() => problems.innerText()).toContain('SKOLNET_REGISTER_MUNICIPALITY_UNKNOWN');
    expect(await problems.innerText()).toContain('42 Latvijas pašvaldībām');
    expect(await page.getByRole('button', { name: 'Importēt' }).isDisabled()).toBe(true);
    await assertAccessible(page, 'admin schools with a dry-run report (lv)');
    await saveScreenshots(page, shots, 'admin-schools');
    // Nothing was written by the dry run.
    expect((await collector.store.listSchools()).map((s) => s.name)).not.toContain('Cēsu Valsts ģimnāzija');

    await file.setInputFiles({ name: 'registrs.csv', mimeType: 'text/csv', buffer: csv(...GOOD_ROWS) });
    await page.getByRole('button', { name: 'Pārbaudīt failu' }).click();
    await poll(() => page.locator('.report-ok').innerText()).toContain('Jaunas: 2');
    await page.getByRole('button', { name: 'Importēt' }).click();
    await poll(() => page.locator('.report-ok').innerText()).toContain('Importēts.');
    await poll(() => page.locator('main table').last().innerText()).toContain('Cēsu Valsts ģimnāzija');

    await page.getByRole('button', { name: 'Izslēgt: Ogres tehnikums' }).click();
    await poll(() => page.locator('main table').last().innerText()).toContain('izslēgta');
    expect((await collector.store.getSchool(ids.b))?.retired_at).not.toBeNull();
    await page.getByRole('button', { name: 'Atjaunot: Ogres tehnikums' }).click();
    await poll(async () => (await collector.store.getSchool(ids.b))?.retired_at).toBeNull();

    await page.getByRole('link', { name: 'Lietotāji' }).first().click();
    await poll(() => h1(page)).toBe('Lietotāji');
    await page.getByLabel('E-pasts').fill('jauna.it@web.test.skolnet');
    await page.getByLabel('Loma', { exact: true }).selectOption('school_it');
    await page.getByLabel('Skola (school_it)').selectOption(ids.a);
    await page.getByRole('button', { name: 'Izveidot' }).click();
    await poll(() => page.getByRole('status').innerText()).toContain('jauna.it@web.test.skolnet');
    const created = (await collector.store.accounts.listUsers()).find(
      (u) => u.email === 'jauna.it@web.test.skolnet',
    );
    expect(created).toMatchObject({ role: 'school_it', scope_school_id: ids.a });
    await assertAccessible(page, 'admin users (lv)');
    await saveScreenshots(page, shots, 'admin-users');

    await page.getByRole('link', { name: 'Audita žurnāls' }).first().click();
    await poll(() => page.locator('main table').innerText()).toContain('schools_imported');
    await page.getByLabel('Darbība').fill('school_retired');
    await page.getByRole('button', { name: 'Atlasīt' }).click();
    await poll(() => page.locator('main tbody tr').count()).toBe(1);
    expect(new URL(page.url()).searchParams.get('action')).toBe('school_retired');
    await assertAccessible(page, 'admin audit (lv)');
    await saveScreenshots(page, shots, 'admin-audit');
    assertCleanPage(page);
    await context.close();
  }, 180_000);

  it('shows a school IT user their school with history charts, and their school IT page', async () => {
    const it = await createPerson(collector, 'school_it', { school_id: ids.a });
    const context = await newContext(browser, { lang: 'en' });
    const page = await newPage(context);
    await signIn(page, collector.url, it);
    expect(new URL(page.url()).pathname).toBe(`/schools/${ids.a}`);
    await poll(() => h1(page)).toBe('Siguldas Valsts ģimnāzija');
    await poll(() => page.locator('figure.chart svg').count()).toBe(4);
    // Each chart has its figures as a table too.
    const download = page.locator('figure.chart').first();
    await download.getByText('Data as a table').click();
    expect(await download.locator('tbody tr').count()).toBeGreaterThan(5);
    await poll(() => page.locator('#components').innerText()).toContain('Download');
    // Each component says what it is measured against and on whose authority (docs/methodology.md, "Sources").
    const thresholds = page.getByRole('table', { name: /thresholds/ });
    const downloadRow = thresholds.getByRole('row', { name: /^Download/ });
    expect(await downloadRow.innerText()).toMatch(/each pupil \(Mbit\/s per pupil\): .*0\.1 → 40 pts/);
    const fcc = downloadRow.getByRole('link', { name: /FCC 14-99/ });
    expect(await fcc.getAttribute('href')).toMatch(/^https:\/\/docs\.fcc\.gov\//);
    expect(await thresholds.getByRole('row', { name: /^Latency/ }).innerText()).toContain('ITU-T G.114');
    await poll(() => page.locator('#inventory').innerText()).toContain('lab-router');
    await poll(() => page.locator('#agents').innerText()).toContain('sig-srv-01');
    expect(await page.locator('main').innerText()).toContain('General education');
    await assertAccessible(page, 'school page (school IT, en)');
    await saveScreenshots(page, shots, 'school');

    // The server connects with a hello as the previous agent's stream handshake built it
    // (constructed): no capabilities, so it cannot schedule an acceptance campaign.
    const ws = new WebSocket(`${collector.url.replace(/^http/, 'ws')}${AGENT_STREAM_PATH}`, PROTOCOL_NAME);
    sockets.push(ws);
    await once(ws, 'open');
    ws.send(
      JSON.stringify({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: ids.agent,
        secret: ids.secret,
        agent_version: '0.1.0',
      }),
    );
    const [welcome] = (await once(ws, 'message')) as [Buffer];
    expect((JSON.parse(welcome.toString()) as { type: string }).type).toBe('welcome');

    await page.getByRole('link', { name: 'School IT page' }).click();
    await poll(() => h1(page)).toBe('School IT: Siguldas Valsts ģimnāzija');
    await page.getByLabel('Role').selectOption('lab_pc');
    await page.getByRole('button', { name: 'Create code' }).click();
    await poll(() => page.getByRole('status').innerText()).toMatch(/The new code: \S+/);
    const codes = page.getByRole('table', { name: /enrollment codes/ });
    await poll(() => codes.innerText()).toContain('lab_pc');
    const end = page.getByRole('button', { name: /^End now / }).first();
    await end.click();
    await poll(() => codes.innerText()).toContain('expired');

    await page.getByRole('button', { name: 'Rename sig-srv-01' }).click();
    await page.getByLabel('New name for agent sig-srv-01').fill('Server by the router');
    await page.getByRole('button', { name: 'Save' }).click();
    await poll(() => page.getByRole('table', { name: /agents/ }).innerText()).toContain(
      'Server by the router',
    );
    const server = page
      .getByRole('table', { name: /agents/ })
      .getByRole('row', { name: /Server by the router/ });
    expect(await server.innerText()).toContain('agent too old for campaign scheduling: upgrade it');
    await assertAccessible(page, 'school IT page (en)');
    await saveScreenshots(page, shots, 'school-it');

    // Another school: the page says so, and the API refused it.
    await page.goto(`${collector.url}/schools/${ids.b}`);
    await poll(() => page.locator('main').innerText()).toContain('outside your account’s scope');
    await page.goto(`${collector.url}/schools/${ids.b}/it`);
    await poll(() => page.locator('main').innerText()).toMatch(/not|scope|access/i);
    expect(await page.locator('main').innerText()).not.toContain('Ogres tehnikums');
    const refused = await page.evaluate(
      `fetch('/api/v1/schools/${ids.b}/enrollment-codes').then((r) => r.status)`,
    );
    expect([403, 404]).toContain(refused);
    await context.close();
  }, 180_000);

  it('shows a planner the school with the plan’s options, in Latvian', async () => {
    const planner = await createPerson(collector, 'planner');
    const context = await newContext(browser, { lang: 'lv' });
    const page = await newPage(context);
    await signIn(page, collector.url, planner);
    await page.goto(`${collector.url}/schools/${ids.a}`);
    await poll(() => page.locator('#plan').innerText()).toContain('Kāpēc');
    // Thresholds with their units and the sources, in Latvian.
    const thresholds = page.getByRole('table', { name: /sliekšņi/ });
    const downloadRow = thresholds.getByRole('row', { name: /^Lejupielāde/ });
    expect(await downloadRow.innerText()).toMatch(/katram skolēnam \(Mbit\/s uz skolēnu\): .*0,1 → 40 p\./);
    expect(await downloadRow.getByRole('link', { name: /FCC 14-99/ }).count()).toBe(1);
    expect(await thresholds.getByRole('row', { name: /^Iekšējais tīkls/ }).innerText()).toContain(
      'skolnet vērtējums',
    );
    // The plan's reasons are said in Latvian, not in the API's English.
    const planText = await page.locator('#plan').innerText();
    expect(planText).not.toMatch(ENGLISH_PLAN_WORDS);
    // A planner does not see the agents.
    expect(await page.locator('#agents').count()).toBe(0);
    await assertAccessible(page, 'school page (planner, lv)');
    await saveScreenshots(page, shots, 'school-planner');

    // The plan explorer in Latvian: the delivery check (whichever of its three states), the budget's
    // source and the options in Latvian.
    await page.getByRole('navigation').getByRole('link', { name: 'Plāna pētnieks' }).click();
    await page.waitForURL((url) => url.pathname === '/plan');
    const lifetime = page.locator('section[aria-labelledby="plan-lifetime-heading"]');
    await poll(() => lifetime.locator('p.hint').last().innerText()).toMatch(
      /^(Piegādes termiņi nav pārbaudīti|NAV PĀRBAUDĪTS: pabeigšanas datums|Darbiem jābūt gataviem)/,
    );
    const main = await page.locator('main').innerText();
    expect(main).not.toMatch(ENGLISH_PLAN_WORDS);
    expect(main).toContain('Budžeta avots: programmas kopsumma');
    assertCleanPage(page);
    await context.close();
  }, 180_000);
});
