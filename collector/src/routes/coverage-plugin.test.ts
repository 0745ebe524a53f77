import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes } from '@skolnet/shared';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import type { CoverageSummary, SchoolCoverage } from '../coverage/coverage-analysis.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');

describe('Wi-Fi coverage in the API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let schoolId: string;
  let token: string;
  const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/schools',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'Vik skole', municipality: 'Rīga', pupils: 100 },
    });
    schoolId = res.json<{ id: string }>().id;
    const code = await store.createEnrollmentCode(schoolId, 3_600_000, NOW);
    const agent = await store.redeemEnrollmentCode(
      code.code,
      { hostname: 'laptop', agent_version: '1' },
      NOW,
    );
    // Two rooms surveyed an hour ago: 201 at -60 dBm on 5 GHz (covered), 202 at -72 dBm on 2.4 GHz (half).
    const at = (minute: number): string =>
      new Date(NOW.getTime() - 3_600_000 + minute * 60_000).toISOString();
    const room = (name: string, minute: number, rssi: number, band: number, channel: number) => [
      makeResult(agent.agent_id, schoolId, {
        measurement: 'wifi_link',
        fields: { result: 'connected', rssi_dbm: rssi, band_ghz: band, channel },
        tags: { room: name, room_use: 'teaching', ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:30' },
        at: at(minute),
      }),
      makeResult(agent.agent_id, schoolId, {
        measurement: 'wifi_network',
        fields: { rssi_dbm: rssi, band_ghz: band, channel, security: 'wpa2', tkip: false, hidden: false },
        tags: { room: name, room_use: 'teaching', ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:30' },
        at: at(minute),
      }),
      makeResult(agent.agent_id, schoolId, {
        measurement: 'wifi_network',
        fields: { rssi_dbm: -70, band_ghz: 2.4, channel: 1, security: 'open', tkip: false, hidden: false },
        tags: { room: name, room_use: 'teaching', ssid: 'Kafejnica', bssid: '00:1d:7e:aa:bb:cc' },
        at: at(minute),
      }),
    ];
    await store.insertResults([
      ...room('201', 1, -60, 5, 36),
      ...room('201', 2, -61, 5, 36),
      ...room('202', 3, -72, 2.4, 6),
    ]);
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  it("shows the coverage summary in the school's record", async () => {
    const res = await get(`/api/v1/schools/${schoolId}`);
    expect(res.statusCode).toBe(200);
    const coverage = res.json<{ coverage: CoverageSummary }>().coverage;
    expect(coverage).toEqual({
      rooms: 2,
      teaching_rooms: 2,
      teaching_rooms_covered_pct: 75,
      five_ghz_rooms_pct: 50,
      samples: 3,
      school_ssids: ['SkolaNet'],
      flags: ['no_5ghz'],
    });
  });

  it('feeds the measured coverage into the score and the plan inputs', async () => {
    const detail = (await get(`/api/v1/schools/${schoolId}`)).json<{
      components: { wifi: { coverage_share: number } | null };
    }>();
    // Room 201 covered, room 202 half: 75 % of teaching rooms.
    expect(detail.components.wifi?.coverage_share).toBe(0.75);
    const input = (await app.services.schools.get(schoolId))?.input;
    expect(input?.inventory).toMatchObject({
      teaching_rooms: 2,
      uncovered_rooms: 1,
      wifi_coverage_share: 0.75,
    });
  });

  it('takes switch, access-point and uplink facts from SNMP sweeps', async () => {
    const sweep = (minute: number, inPct: number, outPct: number, switches: number) =>
      makeResult('snmp-agent', schoolId, {
        measurement: 'snmp_network',
        fields: {
          result: 'ok',
          switches_count: switches,
          access_points_count: 4,
          uplink_in_util_pct: inPct,
          uplink_out_util_pct: outPct,
        },
        tags: {},
        at: new Date(NOW.getTime() - 7_200_000 + minute * 60_000).toISOString(),
      });
    await app.store.insertResults([sweep(0, 20, 5, 2), sweep(10, 40, 90, 2), sweep(20, 30, 10, 3)]);
    const input = (await app.services.schools.get(schoolId))?.input;
    // Newest sweep for the counts; p95 of the busier direction over all three (20, 90, 30).
    expect(input?.inventory?.internal).toMatchObject({
      switches_total: 3,
      aps_total: 4,
      uplink_utilisation_p95_pct: 90,
    });
    const detail = (await get(`/api/v1/schools/${schoolId}`)).json<{
      components: { internal: unknown };
    }>();
    expect(detail.components.internal).not.toBeNull();
  });

  it('serves the full picture, with per-school choices from the query', async () => {
    const res = await get(`/api/v1/schools/${schoolId}/coverage`);
    expect(res.statusCode).toBe(200);
    const full = res.json<SchoolCoverage & { school_id: string }>();
    expect(full.school_id).toBe(schoolId);
    expect(full.rooms.map((r) => [r.room, r.best_rssi_dbm, r.verdict])).toEqual([
      ['201', -61, 'covered'],
      ['202', -72, 'half'],
    ]);
    expect(full.unknown_ssids).toBe(1);

    const custom = await get(
      `/api/v1/schools/${schoolId}/coverage?school_ssids=SkolaNet,Kafejnica&non_teaching_rooms=202`,
    );
    const body = custom.json<SchoolCoverage>();
    expect(body.school_ssids_source).toBe('configured');
    expect(body.teaching_rooms_covered_pct).toBe(100);
    expect(body.security_flags).toEqual([{ ssid: 'Kafejnica', security: 'open', tkip: false, bssids: 1 }]);
  });

  it('answers an unknown school with 404 and a bad query with 400', async () => {
    expect((await get('/api/v1/schools/nope/coverage')).json()).toMatchObject({
      code: ErrorCodes.API_NOT_FOUND,
    });
    const bad = await get(`/api/v1/schools/${schoolId}/coverage?rooms=1`);
    expect(bad.statusCode).toBe(400);
  });
});
