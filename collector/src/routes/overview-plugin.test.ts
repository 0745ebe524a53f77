import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { MUNICIPALITIES } from '../schools/municipalities.js';
import type { Overview } from '../services/overview-service.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('GET /api/v1/overview', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let auth: { authorization: string };
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ({ store, cleanup } = await createTempStore());
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
    await app.ready();
    auth = (await createTestAccount(store, 'planner')).headers;
    const at = new Date(NOW.getTime() - 3_600_000).toISOString();
    // Two Cēsu novads schools, one slow (12 Mbit/s) and one fast; a Rīga school unmeasured.
    for (const [key, municipality, download, lat, lon] of [
      ['slow', 'Cēsu novads', 12, 57.31, 25.27],
      ['fast', 'Cēsu novads', 300, 57.2, 25.4],
      ['none', 'Rīga', undefined, null, null],
    ] as const) {
      const school = await app.store.createSchool(
        { name: `${key} skola`, municipality, pupils: 200, lat, lon, school_type: 'general' },
        NOW,
      );
      ids[key] = school.id;
      if (download !== undefined) {
        await app.store.insertResults([
          makeResult(key, school.id, {
            measurement: 'throughput',
            fields: { download_mbps: download, upload_mbps: download / 2 },
            tags: {},
            at,
          }),
          makeResult(key, school.id, { fields: { rtt_avg_ms: 20, loss_pct: 0 }, at }),
        ]);
      }
    }
  });
  afterAll(async () => {
    await app.close();
    await cleanup();
  });

  it('lists every school with its download, confidence, coordinates and the euros the plan gives it', async () => {
    const res = await app.inject({ url: '/api/v1/overview?budget=100000', headers: auth });
    expect(res.statusCode).toBe(200);
    const overview = res.json<Overview>();
    expect(overview.budget_eur).toBe(100_000);
    expect(overview.slow_below_mbps).toBe(20);
    const slow = overview.schools.find((s) => s.id === ids.slow)!;
    expect(slow).toMatchObject({ download_mbps: 12, lat: 57.31, lon: 25.27, school_type: 'general' });
    expect(overview.schools.find((s) => s.id === ids.none)).toMatchObject({
      download_mbps: null,
      score: null,
      confidence: 'none',
      planned_eur: 0,
    });
    const plan = await app.inject({ url: '/api/v1/plan?budget=100000', headers: auth });
    const selected = plan.json<{ selected: { school_id: string; cost_eur: number }[] }>().selected;
    const planned = (id: string): number =>
      selected.filter((s) => s.school_id === id).reduce((sum, s) => sum + s.cost_eur, 0);
    for (const s of overview.schools) expect(s.planned_eur, s.name).toBe(planned(s.id));
  });

  it('gives all 42 municipalities, with the share of measured schools under 20 Mbit/s', async () => {
    const overview = (await app.inject({ url: '/api/v1/overview', headers: auth })).json<Overview>();
    expect(overview.municipalities.map((m) => m.name)).toEqual(MUNICIPALITIES.map((m) => m.name));
    expect(overview.municipalities).toHaveLength(42);
    const cesis = overview.municipalities.find((m) => m.name === 'Cēsu novads')!;
    expect(cesis).toMatchObject({
      kind: 'novads',
      schools: 2,
      pupils: 400,
      measured_schools: 2,
      slow_share: 0.5,
    });
    const riga = overview.municipalities.find((m) => m.name === 'Rīga')!;
    expect(riga).toMatchObject({ kind: 'state_city', schools: 1, median_score: null, slow_share: null });
    expect(overview.municipalities.find((m) => m.name === 'Ventspils')).toMatchObject({
      schools: 0,
      pupils: 0,
      planned_eur: 0,
    });
  });

  it('refuses a budget that is not a number', async () => {
    const res = await app.inject({ url: '/api/v1/overview?budget=lots', headers: auth });
    expect(res.statusCode).toBe(400);
  });
});
