import { deflateSync } from 'node:zlib';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, type RunningCollector } from '@skolnet/collector';
import {
  assertCleanPage,
  createPerson,
  launchBrowser,
  newContext,
  newPage,
  signIn,
  skipBrowser,
} from '../../support/browser.js';

/** CRC-32 of a PNG chunk (PNG specification, ISO/IEC 15948, annex D). */
function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A 256 × 256 single-colour PNG tile, written by hand to the PNG specification (synthetic). */
function tilePng(): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(256, 0);
  header.writeUInt32BE(256, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(256 * 3, 0xc8)]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: 256 }, () => row)))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A collector started with a base map (`map-tile-url`) pointing at a tile
 * server on loopback: the overview's map draws with WebGL, asks that server
 * for tiles, and the page reports no CSP violation, because the policy
 * admits that origin.
 */
describe.skipIf(skipBrowser)('the base map in headless Chromium', () => {
  let dir: string;
  let tiles: Server;
  let requested: string[];
  let collector: RunningCollector;
  let browser: Browser;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-web-tiles-'));
    requested = [];
    const png = tilePng();
    tiles = createServer((request, response) => {
      requested.push(request.url ?? '');
      // MapLibre fetches tiles from its worker across origins: CORS as any public tile server sends it.
      response.writeHead(200, { 'content-type': 'image/png', 'access-control-allow-origin': '*' }).end(png);
    });
    await new Promise<void>((resolve) => tiles.listen(0, '127.0.0.1', resolve));
    const port = (tiles.address() as AddressInfo).port;
    collector = await startCollector({
      host: '127.0.0.1',
      port: 0,
      dataDir: dir,
      logger: false,
      config: { map: { tileUrl: `http://127.0.0.1:${port}/tiles/{z}/{x}/{y}.png` } },
    });
    await collector.store.createSchool({
      name: 'Siguldas Valsts ģimnāzija',
      municipality: 'Siguldas novads',
      pupils: 540,
      lat: 57.152,
      lon: 24.857,
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await collector?.close();
    await new Promise((resolve) => tiles?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('draws the configured tiles under the outline on the overview, with nothing refused', async () => {
    const planner = await createPerson(collector, 'planner');
    const page = await newPage(await newContext(browser, { lang: 'en' }));
    await signIn(page, collector.url, planner);
    const figure = page.locator('figure.school-map');
    await expect.poll(() => figure.getAttribute('data-map-state'), { timeout: 30_000 }).toBe('webgl');
    await expect.poll(() => requested.length, { timeout: 30_000 }).toBeGreaterThan(0);
    expect(requested.every((url) => /^\/tiles\/\d+\/\d+\/\d+\.png$/.test(url))).toBe(true);
    assertCleanPage(page);
  }, 90_000);
});
