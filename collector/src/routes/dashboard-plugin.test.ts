import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createTempStore } from '../testing/fixtures.js';

const DOCUMENT = '<!doctype html><html lang="lv"><title>skolnet</title><div id="app"></div></html>';

describe('the web application as the collector serves it', () => {
  let app: FastifyInstance;
  let bare: FastifyInstance;
  let cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const one = await createTempStore();
    const two = await createTempStore();
    cleanups = [one.cleanup, two.cleanup];
    app = buildApp({
      store: one.store,
      logger: false,
      dashboardAssets: () =>
        Promise.resolve(
          new Map([
            ['/', { contentType: 'text/html; charset=utf-8', body: Buffer.from(DOCUMENT) }],
            [
              '/assets/index-abc123.js',
              { contentType: 'text/javascript', body: Buffer.from('export {}'), immutable: true },
            ],
          ]),
        ),
    });
    bare = buildApp({ store: two.store, logger: false, dashboardAssets: false });
    await Promise.all([app.ready(), bare.ready()]);
  });

  afterAll(async () => {
    await Promise.all([app?.close(), bare?.close()]);
    for (const c of cleanups) await c();
  });

  it.each(['/', '/sign-in', '/plan', '/schools/0190a1b2-c3d4', '/accessibility?x=1'])(
    'answers %s with the application document',
    async (url) => {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(DOCUMENT);
      expect(res.headers['cache-control']).toMatch(/no-cache|no-store/);
    },
  );

  it('keeps unknown API paths, missing assets and file-like paths a JSON 404, not the application', async () => {
    for (const url of ['/api/v1/nope', '/api', '/assets/gone.js', '/favicon.ico', '/metrics/x']) {
      const res = await app.inject(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'], url).toContain('application/json');
      expect(res.body, url).not.toContain('<html');
    }
  });

  it('lets browsers keep hashed assets for a year', async () => {
    const res = await app.inject('/assets/index-abc123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
  });

  it('sends a strict Content-Security-Policy and the other security headers with every answer', async () => {
    for (const res of [
      await app.inject('/'),
      await app.inject('/api/v1/schools'),
      await app.inject('/nope'),
    ]) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("style-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|upgrade-insecure-requests/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['referrer-policy']).toBe('same-origin');
    }
  });

  it('says which sign-in methods exist', async () => {
    const res = await app.inject('/api/v1/session/methods');
    expect(res.json()).toEqual({ password: true, oidc: false });
  });

  it('serves a plain sign-in form with no script when there is no application', async () => {
    const res = await bare.inject('/sign-in?error=locked');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('action="/api/v1/session"');
    expect(res.body).toContain('Pārāk daudz neveiksmīgu mēģinājumu');
    expect(res.body).not.toContain('<script');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect((await bare.inject('/plan')).statusCode).toBe(404);
  });
});
