import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { DEFAULT_SCORING_CONFIG } from '../scoring/score-config.js';
import { SCORE_SOURCES } from '../scoring/score-explanation.js';
import type { SchoolDetail } from '../services/school-service.js';
import type { SchoolHistory, SchoolInventory } from './schools-plugin.js';

const NOW = new Date('2026-09-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;
const hour = (h: number): string => new Date(NOW.getTime() - h * HOUR_MS).toISOString();

describe('school page API: history and inventory', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let planner: Record<string, string>;
  let schoolId: string;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    planner = (await createTestAccount(store, 'planner')).headers;
    schoolId = (await store.createSchool({ name: 'A', municipality: 'Rīga', pupils: 100 }, NOW)).id;
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it('charts download, upload, latency to the collector and loss per hour from the rollups', async () => {
    const at = (h: number, minutes: number) =>
      new Date(NOW.getTime() - h * HOUR_MS + minutes * 60_000).toISOString();
    await store.insertResults([
      makeResult('a1', schoolId, {
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 80, upload_mbps: 20 },
        at: at(3, 5),
      }),
      makeResult('a1', schoolId, {
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 100, upload_mbps: 30 },
        at: at(3, 35),
      }),
      makeResult('a1', schoolId, {
        fields: { rtt_avg_ms: 10, loss_pct: 0, result: 'success' },
        at: at(3, 10),
      }),
      // Latency to another target is left out, as the score leaves it out.
      makeResult('a1', schoolId, {
        tags: { target: '1.1.1.1' },
        fields: { rtt_avg_ms: 500, loss_pct: 50 },
        at: at(3, 12),
      }),
      makeResult('a1', schoolId, {
        fields: { rtt_avg_ms: 30, loss_pct: 2, result: 'success' },
        at: at(1, 10),
      }),
      // Older than the window asked for.
      makeResult('a1', schoolId, {
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 5 },
        at: at(30, 0),
      }),
    ]);
    const res = await app.inject({ url: `/api/v1/schools/${schoolId}/history?days=1`, headers: planner });
    expect(res.statusCode).toBe(200);
    const history = res.json<SchoolHistory>();
    expect(history.points).toEqual([
      {
        hour: hour(3).replace(/:\d\d:\d\d\.\d+Z$/, ':00:00.000Z'),
        download_mbps: 90,
        upload_mbps: 25,
        rtt_ms: 10,
        loss_pct: 0,
      },
      {
        hour: hour(1).replace(/:\d\d:\d\d\.\d+Z$/, ':00:00.000Z'),
        download_mbps: null,
        upload_mbps: null,
        rtt_ms: 30,
        loss_pct: 2,
      },
    ]);
    expect(
      (await app.inject({ url: `/api/v1/schools/${schoolId}/history?days=91`, headers: planner })).statusCode,
    ).toBe(400);
    expect((await app.inject({ url: '/api/v1/schools/nope/history', headers: planner })).statusCode).toBe(
      404,
    );
  });

  it('lists the newest answer of each SNMP device and LLDP neighbour', async () => {
    // Fields as the snmp probe's README example (recorded from the lab's net-snmp router).
    const device = { result: 'ok', vendor: 'net-snmp', role: 'router', if_count: 4, sys_name: 'lab-router' };
    await store.insertResults([
      makeResult('a1', schoolId, {
        measurement: 'snmp_device',
        tags: { host: '10.231.7.2' },
        fields: { ...device, if_count: 3 },
        at: hour(5),
      }),
      makeResult('a1', schoolId, {
        measurement: 'snmp_device',
        tags: { host: '10.231.7.2' },
        fields: device,
        at: hour(2),
      }),
      makeResult('a1', schoolId, {
        measurement: 'snmp_neighbor',
        tags: { host: '10.231.7.2', local_port: 'lan0', remote: 'ap-101' },
        fields: {
          remote_sys_name: 'ap-101',
          remote_role: 'access_point',
          local_speed_mbps: 100,
          feeds_access_point: true,
        },
        at: hour(2),
      }),
    ]);
    const res = await app.inject({ url: `/api/v1/schools/${schoolId}/inventory`, headers: planner });
    const inventory = res.json<SchoolInventory>();
    expect(inventory.devices).toEqual([{ host: '10.231.7.2', at: hour(2), fields: device }]);
    expect(inventory.neighbours).toEqual([
      expect.objectContaining({
        host: '10.231.7.2',
        local_port: 'lan0',
        remote: 'ap-101',
        fields: expect.objectContaining({ feeds_access_point: true }),
      }),
    ]);
  });
  it("gives each score component its thresholds with units and its sources in the school's detail", async () => {
    await store.insertResults([
      makeResult('a1', schoolId, {
        measurement: 'throughput',
        tags: {},
        fields: { download_mbps: 40, upload_mbps: 10 },
        at: hour(2),
      }),
    ]);
    const res = await app.inject({ url: `/api/v1/schools/${schoolId}`, headers: planner });
    expect(res.statusCode).toBe(200);
    const detail = res.json<SchoolDetail>();
    expect(detail.components.download).not.toBeNull();
    expect(detail.explanation.method).toBe(DEFAULT_SCORING_CONFIG.version);
    const download = detail.explanation.components.download;
    expect(download.thresholds[0]).toEqual({
      id: 'per_pupil',
      unit: 'mbps_per_pupil',
      points: DEFAULT_SCORING_CONFIG.components.download.points.map(([value, points]) => ({ value, points })),
    });
    expect(download.sources).toContainEqual(SCORE_SOURCES['fcc-14-99']);
    // Components without data are explained too: the page can say what a school would be measured against.
    expect(detail.components.wifi).toBeNull();
    expect(detail.explanation.components.wifi.thresholds[0]?.unit).toBe('share');
    expect(detail.explanation.components.latency.sources.map((s) => s.id)).toContain('itu-t-g114');
  });
});
