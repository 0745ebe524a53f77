import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, PushedConfigLimits } from '@skolnet/shared';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore } from '../testing/fixtures.js';

/**
 * Both configuration routes check a push against the one allow-listed
 * schema the agent applies (issue items 4 and 5): what the collector
 * accepts, the agent can apply, with numbers still numbers.
 */
describe('pushed configuration through the HTTP API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let token: string;
  let schoolId: string;
  let agentId: string;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    schoolId = (await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 })).id;
    const code = await store.createEnrollmentCode(schoolId, 3_600_000);
    agentId = (await store.redeemEnrollmentCode(code.code, { hostname: 'h', agent_version: '1' })).agent_id;
    app = buildApp({ store, logger: false, dashboardAssets: false });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const routes = (): [string, string][] => [
    ['school', `/api/v1/schools/${schoolId}/agent-config`],
    ['agent', `/api/v1/agents/${agentId}/config`],
  ];
  const put = (url: string, body: unknown) =>
    app.inject({
      method: 'PUT',
      url,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
  const pushedConfig = async (): Promise<unknown> => (await store.findAgent(agentId))?.config_json;

  it.each([
    [
      'a program to run',
      { probes: { latency: { options: { ping_command: '/bin/sh' } } } },
      '/probes/latency/options/ping_command',
    ],
    [
      'SNMP credentials',
      { probes: { snmp: { options: { credentials: 'public' } } } },
      '/probes/snmp/options/credentials',
    ],
    [
      'an option no probe has',
      { probes: { latency: { options: { colour: 'red' } } } },
      '/probes/latency/options/colour',
    ],
    ['a probe the agent does not have', { probes: { teleport: {} } }, '/probes/teleport'],
    [
      'a number as a string',
      { probes: { latency: { options: { count: '2' } } } },
      '/probes/latency/options/count',
    ],
    [
      'an option out of range',
      { probes: { latency: { options: { count: 100_000 } } } },
      '/probes/latency/options/count',
    ],
    ['a light probe every 10 s', { probes: { latency: { interval_s: 10 } } }, '/probes/latency/interval_s'],
    [
      'a heavy probe every minute',
      { probes: { throughput: { interval_s: 60 } } },
      '/probes/throughput/interval_s',
    ],
    [
      'an interval of Infinity (1e400)',
      '{"probes":{"latency":{"interval_s":1e400}}}',
      '/probes/latency/interval_s',
    ],
    [
      'a file URL for the http probe',
      { probes: { http: { options: { url: 'file:///etc/shadow' } } } },
      '/probes/http/options/url',
    ],
    ['a budget past any contract', { probes: {}, data_budget_mb: 1e12 }, '/data_budget_mb'],
  ])('refuses %s on both routes, naming the field, and stores nothing', async (_what, body, field) => {
    for (const [route, url] of routes()) {
      const res =
        typeof body === 'string'
          ? await app.inject({
              method: 'PUT',
              url,
              headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
              payload: body,
            })
          : await put(url, body);
      expect(res.statusCode, route).toBe(400);
      const error = res.json<{ code: string; message: string }>();
      expect(error.code).toBe(ErrorCodes.API_BAD_REQUEST);
      expect(error.message, route).toContain(field);
      expect(await pushedConfig()).toBeNull();
    }
  });

  it('stores numbers as numbers and the shortest intervals the agent accepts', async () => {
    for (const [route, url] of routes()) {
      const res = await put(url, {
        probes: {
          latency: { interval_s: PushedConfigLimits.minIntervalS, options: { count: 2, gateway: 'off' } },
          throughput: { interval_s: PushedConfigLimits.minHeavyIntervalS },
        },
      });
      expect(res.statusCode, route).toBe(200);
    }
    const stored = JSON.parse(String(await pushedConfig())) as {
      probes: { latency: { options: { count: unknown } } };
    };
    expect(stored.probes.latency.options.count).toBe(2);
  });
});
