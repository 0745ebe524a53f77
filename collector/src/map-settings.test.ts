import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Command, InvalidArgumentError } from 'commander';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { buildApp } from './app.js';
import { addConfigFile } from './config-file.js';
import {
  MAP_TILE_META,
  MAP_TILE_URL_ENV,
  addMapOptions,
  mapTileOrigin,
  parseMapTileUrl,
} from './map-settings.js';
import { createTempDir, createTempStore } from './testing/fixtures.js';

const TILES = 'https://tiles.example.lv/osm/{z}/{x}/{y}.png';
const DOCUMENT = '<!doctype html><html lang="lv"><head><title>skolnet</title></head><body></body></html>';

/** `serve` with the map option and the config file, as the collector's CLI has them. */
function serve(): { root: Command; seen: { mapTileUrl?: string } } {
  const seen: { mapTileUrl?: string } = {};
  const root = new Command().exitOverride();
  addMapOptions(root.command('serve'))
    .action((opts: { mapTileUrl?: string }) => {
      Object.assign(seen, opts);
    })
    .exitOverride();
  addConfigFile(root.commands);
  return { root, seen };
}

describe('the base-map tile URL setting', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
    delete process.env[MAP_TILE_URL_ENV];
  });
  afterEach(async () => {
    delete process.env[MAP_TILE_URL_ENV];
    await remove();
  });

  it('takes a raster template with {z}, {x}, {y} on one http(s) origin, and says what is wrong with any other', () => {
    expect(parseMapTileUrl(TILES)).toBe(TILES);
    expect(mapTileOrigin(TILES)).toBe('https://tiles.example.lv');
    expect(mapTileOrigin('http://10.0.0.5:8081/{z}/{x}/{y}.png')).toBe('http://10.0.0.5:8081');
    const bad: [string, RegExp][] = [
      ['https://tiles.example.lv/{z}/{x}.png', /\{y\} missing/],
      ['tiles/{z}/{x}/{y}.png', /absolute http/],
      ['ftp://tiles.example.lv/{z}/{x}/{y}.png', /http:\/\/ or https:\/\/.*ftp:/],
      ['https://user:secret@tiles.example.lv/{z}/{x}/{y}.png', /user name or password/],
      ['https://{s}.tiles.example.lv/{z}/{x}/{y}.png', /host must be fixed/],
    ];
    for (const [value, message] of bad) {
      expect(() => parseMapTileUrl(value), value).toThrow(InvalidArgumentError);
      expect(() => parseMapTileUrl(value), value).toThrow(message);
    }
  });

  it('is read from the command line, the environment and the config file (key map-tile-url), and a bad one names the key', () => {
    const cli = serve();
    cli.root.parse(['serve', '--map-tile-url', TILES], { from: 'user' });
    expect(cli.seen.mapTileUrl).toBe(TILES);

    process.env[MAP_TILE_URL_ENV] = 'https://env.example.lv/{z}/{x}/{y}.png';
    const env = serve();
    env.root.parse(['serve'], { from: 'user' });
    expect(env.seen.mapTileUrl).toBe('https://env.example.lv/{z}/{x}/{y}.png');
    delete process.env[MAP_TILE_URL_ENV];

    const file = join(dir, 'collector.yaml');
    writeFileSync(file, `map-tile-url: "${TILES}"\n`);
    const fromFile = serve();
    fromFile.root.parse(['serve', '--config', file], { from: 'user' });
    expect(fromFile.seen.mapTileUrl).toBe(TILES);

    const none = serve();
    none.root.parse(['serve'], { from: 'user' });
    expect(none.seen.mapTileUrl).toBeUndefined();

    writeFileSync(file, 'map-tile-url: "https://tiles.example.lv/tile.png"\n');
    try {
      serve().root.parse(['serve', '--config', file], { from: 'user' });
      expect.unreachable('a template without placeholders was taken');
    } catch (err) {
      expect(isSkolnetError(err) && err.code).toBe(ErrorCodes.CONFIG_INVALID);
      expect((err as Error).message).toMatch(/key "map-tile-url".*\{z\}, \{x\}, \{y\} missing/);
    }
  });
});

describe('the base map as the collector serves it', () => {
  const apps: FastifyInstance[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  const start = async (tileUrl?: string): Promise<FastifyInstance> => {
    const { store, cleanup } = await createTempStore();
    cleanups.push(cleanup);
    const app = buildApp({
      store,
      logger: false,
      config: tileUrl === undefined ? {} : { map: { tileUrl } },
      dashboardAssets: () =>
        Promise.resolve(
          new Map([['/', { contentType: 'text/html; charset=utf-8', body: Buffer.from(DOCUMENT) }]]),
        ),
    });
    apps.push(app);
    return app;
  };
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    for (const c of cleanups.splice(0)) await c();
  });

  it('admits the tile origin in the CSP and hands the template to the pages only when one is configured', async () => {
    const configured = await start(TILES);
    for (const url of ['/', '/plan', '/api/v1/schools']) {
      const csp = String((await configured.inject(url)).headers['content-security-policy']);
      expect(csp, url).toMatch(/img-src 'self' data: blob: https:\/\/tiles\.example\.lv(;|$)/);
      expect(csp, url).toMatch(/connect-src 'self' https:\/\/tiles\.example\.lv(;|$)/);
      // Scripts, styles and workers stay the collector's own.
      expect(csp, url).toContain("script-src 'self';");
    }
    const page = (await configured.inject('/plan')).body;
    expect(page).toContain(`<meta name="${MAP_TILE_META}" content="${TILES}"></head>`);

    const plain = await start();
    const res = await plain.inject('/');
    expect(String(res.headers['content-security-policy'])).not.toContain('tiles.example.lv');
    expect(res.body).toBe(DOCUMENT);
  });

  it('escapes the template in the markup', async () => {
    const odd = 'https://tiles.example.lv/{z}/{x}/{y}.png?style="a"&b=<c>';
    const app = await start(odd);
    const body = (await app.inject('/')).body;
    expect(body).toContain(
      'content="https://tiles.example.lv/{z}/{x}/{y}.png?style=&#34;a&#34;&#38;b=&#60;c&#62;"',
    );
    expect(body).not.toContain('"a"&b=<c>');
  });
});
