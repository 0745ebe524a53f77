import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector } from '@skolnet/collector';
import { uuidv7 } from '@skolnet/shared';
import { findCommand, missingComponent } from '../support/real-component.js';

const run = promisify(execFile);
const chromium = findCommand(['chromium', 'chromium-browser', 'google-chrome']);
const skip = missingComponent('chromium', chromium !== undefined, 'apt-get install chromium');

// Flags for a headless run on a machine with no network beyond loopback:
// without the background-networking switches Chromium keeps trying to reach
// its update and sync services.
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(skip)('dashboard in headless Chromium', () => {
  let dir: string;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let scoredId = '';

  /** The page's DOM after its scripts ran, as headless Chromium serialises it. */
  const renderedDom = async (url: string): Promise<string> => {
    const profile = await mkdtemp(join(tmpdir(), 'skolnet-chromium-'));
    try {
      const { stdout } = await run(
        chromium!,
        [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--virtual-time-budget=10000', '--dump-dom', url],
        { timeout: 60_000, maxBuffer: 10 * 1024 * 1024 },
      );
      return stdout;
    } finally {
      await rm(profile, { recursive: true, force: true });
    }
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-dash-'));
    collector = await startCollector({ host: '127.0.0.1', port: 0, dataDir: dir, quiet: true });
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
    const now = new Date().toISOString();
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
        at: now,
      },
    ]);
  });

  afterAll(async () => {
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every school with its score and band, and shows markup in names as text', async () => {
    const stdout = await renderedDom(`${collector.url}/`);
    expect(stdout).toContain('Valmieras sākumskola');
    expect(stdout).toContain('Valmiera');
    // The unmeasured school is listed without a score, as "insufficient data".
    expect(stdout).toContain('insufficient data');
    // A name containing markup is escaped text, never parsed as HTML.
    expect(stdout).toContain('Unmeasured &lt;b&gt;school&lt;/b&gt;');
    expect(stdout).not.toContain('Unmeasured <b>school</b>');
    const rows = stdout.match(/data-school-id="/g) ?? [];
    expect(rows).toHaveLength(2);
    expect(stdout).toMatch(/band-(good|moderate|priority)/);
  });

  it('asks an anonymous visitor to sign in for the details of a school, showing none of them', async () => {
    const dom = await renderedDom(`${collector.url}/#school=${encodeURIComponent(scoredId)}`);
    const detail = dom.slice(dom.indexOf('<section id="detail"'));
    // The detail section is hidden until a school is open.
    expect(detail.slice(0, detail.indexOf('>'))).not.toContain('hidden');
    expect(detail).toContain('Sign in to see this school');
    expect(detail).toContain('href="/sign-in"');
    expect(detail).not.toContain('download_mbps=180');
  });

  it('serves the sign-in page in Latvian under its CSP, with no script', async () => {
    const dom = await renderedDom(`${collector.url}/sign-in`);
    expect(dom).toContain('<html lang="lv">');
    expect(dom).toContain('Pieteikšanās');
    expect(dom).toContain('action="/api/v1/session"');
    expect(dom).not.toContain('<script');
  });
});
