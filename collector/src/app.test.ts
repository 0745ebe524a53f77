import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type EnrollResponse, type SchoolSummary } from '@skolnet/shared';
import { buildApp } from './app.js';
import { createTestAccount } from './testing/accounts.js';
import type { SchoolDetail } from './routes/schools-plugin.js';
import type { KyselyStore } from './storage/kysely-store.js';
import { createTempStore, makeResult } from './testing/fixtures.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;

describe('collector HTTP API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let token: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => NOW, version: '9.9.9' },
    });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const admin = (): Record<string, string> => ({ authorization: `Bearer ${token}` });

  async function createSchool(pupils = 100, name = 'Vik skole'): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/schools',
      headers: admin(),
      payload: { name, municipality: 'Rīga', pupils },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string }>().id;
  }

  async function issueCode(schoolId: string): Promise<string> {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/schools/${schoolId}/enrollment-codes`,
      headers: admin(),
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ code: string }>().code;
  }

  it('answers /healthz with its version', async () => {
    const res = await app.inject('/healthz');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok', version: '9.9.9' });
  });

  describe('admin authentication', () => {
    it.each([
      ['no header', {}],
      ['a wrong token', { authorization: 'Bearer not-the-token' }],
      ['another scheme', { authorization: 'Basic abc' }],
    ])('refuses %s with 401', async (_name, headers) => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers,
        payload: { name: 'x', municipality: 'Rīga', pupils: 1 },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: ErrorCodes.AUTH_UNAUTHORIZED });
      expect(await store.listSchools()).toHaveLength(0);
    });

    it('accepts a user API token until it is revoked', async () => {
      await createSchool();
      const [listed] = await app
        .inject({ url: '/api/v1/tokens', headers: admin() })
        .then((r) => r.json<{ tokens: { id: string }[] }>().tokens);
      const revoked = await app.inject({
        method: 'DELETE',
        url: `/api/v1/tokens/${listed!.id}`,
        headers: admin(),
      });
      expect(revoked.statusCode).toBe(204);
      const newToken = (await createTestAccount(store)).token;
      const old = await app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers: admin(),
        payload: { name: 'b', municipality: 'Rīga', pupils: 1 },
      });
      expect(old.statusCode).toBe(401);
      token = newToken;
      await createSchool(5, 'Second');
    });

    it('guards enrollment codes too', async () => {
      const id = await createSchool();
      const res = await app.inject({ method: 'POST', url: `/api/v1/schools/${id}/enrollment-codes` });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('validation', () => {
    it.each([
      ['a missing name', { municipality: 'Rīga', pupils: 1 }, 'name'],
      ['negative pupils', { name: 'A', municipality: 'Rīga', pupils: -1 }, 'pupils'],
      ['an empty municipality', { name: 'A', municipality: '', pupils: 1 }, 'municipality'],
      ['an unknown property', { name: 'A', municipality: 'Rīga', pupils: 1, budget: 5 }, 'body/budget'],
    ])('rejects %s with 400 naming the field', async (_name, payload, field) => {
      const res = await app.inject({ method: 'POST', url: '/api/v1/schools', headers: admin(), payload });
      expect(res.statusCode).toBe(400);
      const body = res.json<{ code: string; message: string }>();
      expect(body.code).toBe(ErrorCodes.API_BAD_REQUEST);
      expect(body.message).toContain(field);
      expect(await store.listSchools()).toHaveLength(0);
    });

    it('rejects broken JSON with 400', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers: { ...admin(), 'content-type': 'application/json' },
        payload: '{"name": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: ErrorCodes.API_BAD_REQUEST });
    });

    it('rejects a code lifetime beyond the maximum', async () => {
      const id = await createSchool();
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/schools/${id}/enrollment-codes`,
        headers: admin(),
        payload: { ttl_hours: 721 },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toContain('ttl_hours');
    });
  });

  describe('not found', () => {
    it('answers an unknown school with 404', async () => {
      const res = await app.inject({ url: '/api/v1/schools/does-not-exist', headers: admin() });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: ErrorCodes.API_NOT_FOUND });
    });

    it('answers an enrollment code for an unknown school with 404', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/schools/nope/enrollment-codes',
        headers: admin(),
      });
      expect(res.statusCode).toBe(404);
    });

    it('answers an unknown route with 404 in the same shape', async () => {
      const res = await app.inject('/api/v1/nothing-here');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: ErrorCodes.API_NOT_FOUND });
    });
  });

  describe('enrollment', () => {
    it('issues a code valid for 72 hours by default, and a chosen lifetime on request', async () => {
      const id = await createSchool();
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/schools/${id}/enrollment-codes`,
        headers: admin(),
      });
      expect(res.json()).toMatchObject({ expires_at: new Date(NOW.getTime() + 72 * HOUR_MS).toISOString() });
      const short = await app.inject({
        method: 'POST',
        url: `/api/v1/schools/${id}/enrollment-codes`,
        headers: admin(),
        payload: { ttl_hours: 2 },
      });
      expect(short.json()).toMatchObject({ expires_at: new Date(NOW.getTime() + 2 * HOUR_MS).toISOString() });
    });

    it('enrolls an agent once per code', async () => {
      const schoolId = await createSchool();
      const code = await issueCode(schoolId);
      const payload = { code, hostname: 'srv1', agent_version: '0.1.0' };
      const res = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload });
      expect(res.statusCode).toBe(201);
      const enrolled = res.json<EnrollResponse>();
      expect(enrolled.school_id).toBe(schoolId);
      expect(await store.findAgent(enrolled.agent_id)).toMatchObject({ hostname: 'srv1' });

      const again = await app.inject({ method: 'POST', url: '/api/v1/enroll', payload });
      expect(again.statusCode).toBe(401);
      expect(again.json()).toMatchObject({ code: ErrorCodes.ENROLL_CODE_INVALID });
    });

    it('rejects a malformed enroll request with 400', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/enroll',
        payload: { code: 'ABCDE-FGHJK' },
      });
      expect(res.statusCode).toBe(400);
      expect(res.json<{ message: string }>().message).toContain('hostname');
    });
  });

  describe('schools with scores', () => {
    it('lists schools with score and band, null without throughput', async () => {
      const scoredId = await createSchool(100, 'A skole');
      const emptyId = await createSchool(50, 'B skole');
      const code = await issueCode(scoredId);
      const enrolled = await store.redeemEnrollmentCode(code, { hostname: 'h', agent_version: '1' }, NOW);
      const at = new Date(NOW.getTime() - HOUR_MS).toISOString();
      const old = new Date(NOW.getTime() - 8 * 24 * HOUR_MS).toISOString();
      await store.insertResults([
        // 50 Mbit/s for 100 pupils → 66.7 (w 0.3); 160 ms → 50 (w 0.1); 0.5% → 75 (w 0.1); one probe is too few
        // for availability (12): (20.01 + 5 + 7.5) / 0.5 ⇒ 65.0 (docs/methodology.md, school-score tests).
        makeResult(enrolled.agent_id, scoredId, {
          measurement: 'throughput',
          fields: { download_mbps: 50 },
          tags: {},
          at,
        }),
        makeResult(enrolled.agent_id, scoredId, { fields: { rtt_avg_ms: 160, loss_pct: 0.5 }, at }),
        // Outside the 7-day window: would lift the median if counted.
        makeResult(enrolled.agent_id, scoredId, {
          measurement: 'throughput',
          fields: { download_mbps: 1000 },
          tags: {},
          at: old,
        }),
        makeResult(enrolled.agent_id, scoredId, {
          measurement: 'throughput',
          fields: { download_mbps: 1000 },
          tags: {},
          at: old,
        }),
      ]);

      const res = await app.inject('/api/v1/schools');
      expect(res.statusCode).toBe(200);
      // Register fields the create did not give are null, not missing.
      const unregistered = {
        registration_number: null,
        address: null,
        lat: null,
        lon: null,
        school_type: null,
        retired_at: null,
      };
      expect(res.json<SchoolSummary[]>()).toEqual([
        {
          id: scoredId,
          name: 'A skole',
          municipality: 'Rīga',
          pupils: 100,
          ...unregistered,
          score: 65,
          band: 'moderate',
        },
        {
          id: emptyId,
          name: 'B skole',
          municipality: 'Rīga',
          pupils: 50,
          ...unregistered,
          score: null,
          band: 'insufficient_data',
        },
      ]);

      const detail = await app.inject({ url: `/api/v1/schools/${scoredId}`, headers: admin() });
      expect(detail.statusCode).toBe(200);
      const body = detail.json<SchoolDetail>();
      expect(body).toMatchObject({ id: scoredId, score: 65, band: 'moderate', connected_agents: 0 });
      expect(body.components.download).toMatchObject({ median_mbps: 50, score: 66.7 });
      // Newest per measurement and target: one throughput, one latency.
      expect(body.latest.map((r) => r.measurement).sort()).toEqual(['latency', 'throughput']);
    });

    it('limits the latest results on request and validates the limit', async () => {
      const id = await createSchool();
      expect((await app.inject({ url: `/api/v1/schools/${id}?latest=1`, headers: admin() })).statusCode).toBe(
        200,
      );
      const bad = await app.inject({ url: `/api/v1/schools/${id}?latest=0`, headers: admin() });
      expect(bad.statusCode).toBe(400);
      expect(bad.json<{ message: string }>().message).toContain('latest');
    });
  });

  it('hides internal failures behind a 500 without a stack', async () => {
    await store.close();
    const res = await app.inject('/api/v1/schools');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ code: ErrorCodes.INTERNAL, message: 'internal error' });
    expect(res.body).not.toContain('at ');
  });
});

describe('dashboard assets', () => {
  let cleanup: () => Promise<void>;
  afterEach(async () => {
    await cleanup();
  });

  it('serves what the loader returns', async () => {
    const temp = await createTempStore();
    cleanup = temp.cleanup;
    const assets = new Map([
      ['/', { contentType: 'text/html; charset=utf-8', body: Buffer.from('<h1>skolnet</h1>') }],
      ['/app.js', { contentType: 'text/javascript; charset=utf-8', body: Buffer.from('console.log(1)') }],
    ]);
    const app = buildApp({
      store: temp.store,
      logger: false,
      dashboardAssets: () => Promise.resolve(assets),
    });
    const index = await app.inject('/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.body).toBe('<h1>skolnet</h1>');
    expect((await app.inject('/app.js')).body).toBe('console.log(1)');
    expect((await app.inject('/other.js')).statusCode).toBe(404);
    await app.close();
  });

  it('keeps the API up when the UI cannot be loaded', async () => {
    const temp = await createTempStore();
    cleanup = temp.cleanup;
    const app = buildApp({
      store: temp.store,
      logger: false,
      dashboardAssets: () => Promise.reject(new Error('no public dir')),
    });
    expect((await app.inject('/healthz')).statusCode).toBe(200);
    expect((await app.inject('/')).statusCode).toBe(404);
    await app.close();
  });
});

describe('logging', () => {
  it('never writes an API token, an enrollment code or an agent secret', async () => {
    const temp = await createTempStore();
    const lines: string[] = [];
    const token = (await createTestAccount(temp.store)).token;
    const app = buildApp({
      store: temp.store,
      dashboardAssets: false,
      logger: { level: 'trace', stream: { write: (line) => lines.push(line) } },
    });
    try {
      const headers = { authorization: `Bearer ${token}` };
      const school = await app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers,
        payload: { name: 'S', municipality: 'Rīga', pupils: 1 },
      });
      const issued = await app.inject({
        method: 'POST',
        url: `/api/v1/schools/${school.json<{ id: string }>().id}/enrollment-codes`,
        headers,
      });
      const code = issued.json<{ code: string }>().code;
      const enrolled = await app.inject({
        method: 'POST',
        url: '/api/v1/enroll',
        payload: { code, hostname: 'h', agent_version: '1' },
      });
      const { secret } = enrolled.json<EnrollResponse>();
      // A failed attempt is logged too; the wrong token must not be.
      await app.inject({
        method: 'POST',
        url: '/api/v1/schools',
        headers: { authorization: 'Bearer wrong-token-value' },
        payload: {},
      });

      const log = lines.join('');
      expect(lines.length).toBeGreaterThan(5);
      for (const sensitive of [token, code, code.replace('-', ''), secret, 'wrong-token-value']) {
        expect(log).not.toContain(sensitive);
      }
    } finally {
      await app.close();
      await temp.cleanup();
    }
  });
});
