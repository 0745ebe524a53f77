import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ErrorCodes, SpeedPaths } from '@skolnet/shared';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore } from '../testing/fixtures.js';
import { findNonFinite } from './request-validation.js';

describe('request validation through the HTTP API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let token: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    app = buildApp({ store, logger: false, dashboardAssets: false });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  /** Asserts a 400 in skolnet's shape whose message names `field`. */
  function expectBadRequest(res: { statusCode: number; json: () => unknown }, field: string): void {
    expect(res.statusCode).toBe(400);
    const body = res.json() as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['code', 'message']);
    expect(body.code).toBe(ErrorCodes.API_BAD_REQUEST);
    expect(body.message).toContain(field);
  }

  describe('numbers are finite and in range (issue item 3)', () => {
    it.each(['Infinity', '-Infinity', '+Infinity', '1e400', '-1e400'])(
      'refuses a download of bytes=%s instead of streaming without end',
      async (bytes) => {
        // Over a real socket (the speed plugin tracks its sockets), reading
        // at most a few KiB, so a check that lets it through cannot hang the test.
        const base = await app.listen({ host: '127.0.0.1', port: 0 });
        const aborted = new AbortController();
        const res = await fetch(`${base}${SpeedPaths.download}?bytes=${encodeURIComponent(bytes)}`, {
          signal: aborted.signal,
        });
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body!) {
          chunks.push(Buffer.from(chunk));
          size += chunk.length;
          if (size > 4096) break;
        }
        aborted.abort();
        expect(res.headers.get('content-length') ?? '').not.toMatch(/Infinity/);
        expect(res.status).toBe(400);
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        expect(Object.keys(body).sort()).toEqual(['code', 'message']);
        expect(body.code).toBe(ErrorCodes.API_BAD_REQUEST);
        expect(body.message).toContain('bytes');
      },
    );

    it.each(['budget', 'min_score', 'municipality_cap', 'installs_per_month', 'months'])(
      'refuses %s=Infinity on the plan',
      async (key) => {
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/plan?${key}=Infinity`,
          headers: { authorization: `Bearer ${token}` },
        });
        expectBadRequest(res, key);
      },
    );

    it('still takes an ordinary number from the query string', async () => {
      const res = await app.inject({
        method: 'GET',
        url: '/api/v1/plan?budget=1000',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ budget_eur: number }>().budget_eur).toBe(1000);
    });

    it('refuses a pupil count that JSON reads as Infinity (1e400), storing nothing', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: '{"name":"Vik skole","municipality":"Vik","pupils":1e400}',
      });
      expectBadRequest(res, '/pupils');
      expect(await store.listSchools()).toEqual([]);
    });
  });

  describe('loose input is refused with the path of the bad field (issue item 12)', () => {
    const createSchool = (payload: unknown): Promise<LightMyRequestResponse> =>
      app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
      });

    it.each([
      ['a number as a string', { name: 'Vik skole', municipality: 'Vik', pupils: '12' }, '/pupils'],
      ['Infinity as a string', { name: 'Vik skole', municipality: 'Vik', pupils: 'Infinity' }, '/pupils'],
      ['a boolean for a number', { name: 'Vik skole', municipality: 'Vik', pupils: true }, '/pupils'],
      ['a number for a name', { name: 12, municipality: 'Vik', pupils: 12 }, '/name'],
      ['a NUL in the name', { name: 'Vik\u0000skole', municipality: 'Vik', pupils: 12 }, '/name'],
      [
        'a line break in the municipality',
        { name: 'Vik skole', municipality: 'V\nik', pupils: 12 },
        '/municipality',
      ],
    ])('refuses %s', async (_what, payload, field) => {
      expectBadRequest(await createSchool(payload), field);
      expect(await store.listSchools()).toEqual([]);
    });

    it('says what plain text means', async () => {
      const res = await createSchool({ name: 'Vik\u0000skole', municipality: 'Vik', pupils: 12 });
      expect(res.json<{ message: string }>().message).toMatch(/^body\/name must be plain text/);
    });

    it('refuses a lone surrogate in the name (JSON escape \\ud800)', async () => {
      expectBadRequest(
        await createSchool('{"name":"Vik \\ud800skole","municipality":"Vik","pupils":12}'),
        '/name',
      );
      expect(await store.listSchools()).toEqual([]);
    });

    it('keeps names with letters outside the BMP and Latvian diacritics', async () => {
      const name = 'Rīgas 1. vidusskola 🏫';
      const res = await createSchool({ name, municipality: 'Rīga', pupils: 12 });
      expect(res.statusCode).toBe(201);
      expect((await store.listSchools()).map((s) => s.name)).toEqual([name]);
    });
  });

  describe('a URL fastify cannot decode (issue item 13)', () => {
    it.each(['/api/v1/schools/%ff', '/%ff', '/api/v1/plan/schools/%E0%A4%A'])(
      'answers %s with {code, message}',
      async (url) => {
        const res = await app.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(400);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
        const body = res.json<Record<string, unknown>>();
        expect(Object.keys(body).sort()).toEqual(['code', 'message']);
        expect(body.code).toBe(ErrorCodes.API_BAD_REQUEST);
      },
    );
  });
});

describe('findNonFinite', () => {
  it('gives the JSON pointer of the first number that is not finite', () => {
    expect(findNonFinite({ a: [1, { 'b/c': -Infinity }] })).toBe('/a/1/b~1c');
    expect(findNonFinite(NaN)).toBe('/');
    expect(findNonFinite({ a: 1, b: 'Infinity', c: [null, true] })).toBeUndefined();
  });
});
