import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { AGENT_STREAM_PATH } from '@skolnet/shared';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore } from '../testing/fixtures.js';
import { DOCS_PATH, SESSION_SCHEME, USER_TOKEN_SCHEME } from './openapi-plugin.js';

interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string }[];
  requestBody?: unknown;
  responses: Record<string, unknown>;
}
interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

describe('OpenAPI document and /docs', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let token: string;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    app = buildApp({
      store,
      logger: false,
      config: { version: '9.9.9' },
      dashboardAssets: () =>
        Promise.resolve(
          new Map([
            ['/', { contentType: 'text/html', body: Buffer.from('<h1>ui</h1>') }],
            ['/app.js', { contentType: 'text/javascript', body: Buffer.from('') }],
          ]),
        ),
    });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const documentOf = async (): Promise<{ text: string; doc: OpenApiDocument }> => {
    const res = await app.inject(`${DOCS_PATH}/json`);
    expect(res.statusCode).toBe(200);
    return { text: res.body, doc: res.json<OpenApiDocument>() };
  };

  it('serves the browsable docs as HTML with their assets from the collector itself', async () => {
    const res = await app.inject(DOCS_PATH);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('swagger-ui');
    // Offline: every script and stylesheet comes from this collector.
    const external = [...res.body.matchAll(/(?:src|href)="(https?:[^"]*)"/g)].map((m) => m[1]);
    expect(external).toEqual([]);
    const bundle = await app.inject(`${DOCS_PATH}/static/swagger-ui-bundle.js`);
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(10_000);
  });

  it('is an OpenAPI 3 document listing the known routes with their schemas', async () => {
    const { doc } = await documentOf();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.version).toBe('9.9.9');
    const expected: [string, string][] = [
      ['/healthz', 'get'],
      ['/api/v1/enroll', 'post'],
      ['/api/v1/schools', 'get'],
      ['/api/v1/schools', 'post'],
      ['/api/v1/schools/{id}', 'get'],
      ['/api/v1/schools/{id}/enrollment-codes', 'post'],
      ['/api/v1/schools/{id}/coverage', 'get'],
      ['/api/v1/plan', 'get'],
      ['/api/v1/plan/schools/{id}', 'get'],
      ['/api/v1/speed/download', 'get'],
      ['/api/v1/speed/upload', 'post'],
      [AGENT_STREAM_PATH, 'get'],
    ];
    for (const [path, method] of expected) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
    }
    // Schemas come through: the enroll body, the path parameter, a response.
    expect(doc.paths['/api/v1/enroll']!.post!.requestBody).toBeDefined();
    expect(doc.paths['/api/v1/enroll']!.post!.responses['201']).toBeDefined();
    expect(doc.paths['/api/v1/schools/{id}']!.get!.parameters).toContainEqual(
      expect.objectContaining({ in: 'path', name: 'id' }),
    );
    expect(doc.paths['/healthz']!.get!.responses['200']).toBeDefined();
    // The web UI's files and the docs themselves are not API.
    expect(Object.keys(doc.paths).filter((p) => !/^\/(api|healthz|ndt)\b/.test(p))).toEqual([]);
  });

  it('marks the routes that need a role with the token and session schemes, and never carries a token', async () => {
    const { doc, text } = await documentOf();
    expect(doc.components.securitySchemes[USER_TOKEN_SCHEME]).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    });
    expect(doc.components.securitySchemes[SESSION_SCHEME]).toMatchObject({ type: 'apiKey' });
    const secured = Object.entries(doc.paths)
      .flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })))
      .filter(({ op }) => op.security !== undefined)
      .map(({ path, method }) => `${method.toUpperCase()} ${path}`)
      .sort();
    expect(secured).toEqual([
      'DELETE /api/v1/support/schools/{id}/plans/{plan_id}',
      'DELETE /api/v1/support/schools/{id}/pupils/{pupil_id}',
      'GET /api/v1/admin/schools',
      'GET /api/v1/agents/{id}',
      'GET /api/v1/audit',
      'GET /api/v1/campaigns/{id}',
      'GET /api/v1/campaigns/{id}/measurements.csv',
      'GET /api/v1/campaigns/{id}/report',
      'GET /api/v1/campaigns/{id}/report.pdf',
      'GET /api/v1/campaigns/{id}/report.sig',
      'GET /api/v1/contracts',
      'GET /api/v1/contracts/{id}',
      'GET /api/v1/overview',
      'GET /api/v1/plan',
      'GET /api/v1/plan/scenarios',
      'GET /api/v1/plan/schools/{id}',
      'GET /api/v1/schools/{id}',
      'GET /api/v1/schools/{id}/agents',
      'GET /api/v1/schools/{id}/coverage',
      'GET /api/v1/schools/{id}/enrollment-codes',
      'GET /api/v1/schools/{id}/history',
      'GET /api/v1/schools/{id}/inventory',
      'GET /api/v1/scoring/sensitivity',
      'GET /api/v1/support/aggregates',
      'GET /api/v1/support/import-template',
      'GET /api/v1/support/national',
      'GET /api/v1/support/queue',
      'GET /api/v1/support/report',
      'GET /api/v1/support/report.pdf',
      'GET /api/v1/support/schools/{id}/attestations',
      'GET /api/v1/support/schools/{id}/laptops',
      'GET /api/v1/support/schools/{id}/orders',
      'GET /api/v1/support/schools/{id}/plans',
      'GET /api/v1/support/schools/{id}/plans/{plan_id}',
      'GET /api/v1/support/schools/{id}/pupils',
      'GET /api/v1/support/schools/{id}/pupils/{pupil_id}/export',
      'GET /api/v1/support/schools/{id}/pupils/{pupil_id}/identity',
      'GET /api/v1/support/schools/{id}/report',
      'GET /api/v1/support/schools/{id}/report.pdf',
      'GET /api/v1/users',
      'PATCH /api/v1/agents/{id}',
      'PATCH /api/v1/schools/{id}',
      'PATCH /api/v1/users/{id}',
      'POST /api/v1/agents/{id}/move',
      'POST /api/v1/agents/{id}/revoke',
      'POST /api/v1/agents/{id}/rotate-secret',
      'POST /api/v1/campaigns/{id}/retest',
      'POST /api/v1/contracts',
      'POST /api/v1/contracts/import',
      'POST /api/v1/contracts/{id}/complete',
      'POST /api/v1/schools',
      'POST /api/v1/schools/import',
      'POST /api/v1/schools/{id}/enrollment-codes',
      'POST /api/v1/schools/{id}/enrollment-codes/{code_id}/expire',
      'POST /api/v1/schools/{id}/enrollment-codes/{code_id}/revoke',
      'POST /api/v1/schools/{id}/reinstate',
      'POST /api/v1/schools/{id}/retire',
      'POST /api/v1/support/schools/{id}/attestations',
      'POST /api/v1/support/schools/{id}/import',
      'POST /api/v1/support/schools/{id}/laptops',
      'POST /api/v1/support/schools/{id}/orders',
      'POST /api/v1/support/schools/{id}/plans',
      'POST /api/v1/support/schools/{id}/plans/{plan_id}/approvals',
      'POST /api/v1/support/schools/{id}/plans/{plan_id}/compensations',
      'POST /api/v1/support/schools/{id}/plans/{plan_id}/consultations',
      'POST /api/v1/support/schools/{id}/plans/{plan_id}/return',
      'POST /api/v1/support/schools/{id}/plans/{plan_id}/status',
      'POST /api/v1/support/schools/{id}/pupils',
      'POST /api/v1/users',
      'POST /api/v1/users/{id}/password-reset',
      'PUT /api/v1/agents/{id}/config',
      'PUT /api/v1/schools/{id}/agent-config',
      'PUT /api/v1/support/schools/{id}/founder',
      'PUT /api/v1/support/schools/{id}/laptops/{laptop_id}',
      'PUT /api/v1/support/schools/{id}/plans/{plan_id}',
      'PUT /api/v1/support/schools/{id}/plans/{plan_id}/agreement',
      'PUT /api/v1/support/schools/{id}/plans/{plan_id}/consultations/{consultation_id}/confirmation',
    ]);
    expect(doc.paths['/api/v1/schools/{id}/enrollment-codes']!.post!.responses['401']).toBeDefined();
    expect(text).not.toContain(token);
  });

  it('leaves the routes working: response schemas keep the answers whole', async () => {
    const health = await app.inject('/healthz');
    expect(health.json()).toEqual({ status: 'ok', version: '9.9.9' });
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/schools',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Vik skole', municipality: 'Rīga', pupils: 120 },
    });
    expect(created.statusCode).toBe(201);
    expect(Object.keys(created.json<Record<string, unknown>>()).sort()).toEqual([
      'address',
      'created_at',
      'id',
      'lat',
      'lon',
      'municipality',
      'name',
      'pupils',
      'registration_number',
      'retired_at',
      'school_type',
    ]);
    const list = await app.inject('/api/v1/schools');
    expect(list.json()).toEqual([
      expect.objectContaining({ name: 'Vik skole', pupils: 120, score: null, band: 'insufficient_data' }),
    ]);
    // The UI is still served beside the docs.
    expect((await app.inject('/')).body).toBe('<h1>ui</h1>');
  });

  it("lets Swagger UI set inline styles under /docs and nowhere else; scripts stay the collector's own everywhere", async () => {
    const docs = String((await app.inject(`${DOCS_PATH}/`)).headers['content-security-policy']);
    expect(docs).toMatch(/style-src 'self' 'unsafe-inline'(;|$)/);
    expect(docs).toContain("script-src 'self';");
    expect(docs).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    for (const url of ['/api/v1/schools', '/healthz', '/docs-not']) {
      const csp = String((await app.inject(url)).headers['content-security-policy']);
      expect(csp, url).toMatch(/style-src 'self'(;|$)/);
      expect(csp, url).not.toContain('unsafe-inline');
    }
  });
});
