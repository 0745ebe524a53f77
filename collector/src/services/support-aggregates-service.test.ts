import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createStoreAgentLookup, resultToPoint } from '../export/influx-sink.js';
import { loadPupilKeys } from '../security/pupil-keys.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { supportAggregates } from './support-aggregates-service.js';
import { DEFAULT_SUPPORT_CONFIG, createSupportService } from './support-service.js';

const NOW = new Date('2025-10-10T10:00:00.000Z');

describe('home connectivity of issued laptops', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let dir: string;
  let schoolId: string;

  beforeEach(async () => {
    ({ store, cleanup, dir } = await createTempStore());
    schoolId = (await store.createSchool({ name: 'Skola', municipality: 'Cēsu novads', pupils: 200 }, NOW))
      .id;
  });
  afterEach(async () => cleanup());

  /** Enrolls an agent of `role` and stores downloads it measured (Mbit/s) in the last days. */
  const laptop = async (rates: number[], role: 'issued_laptop' | 'lab_pc' = 'issued_laptop') => {
    const { code } = await store.createEnrollmentCode(schoolId, 3_600_000, NOW);
    const agent = await store.redeemEnrollmentCode(code, { hostname: 'h', agent_version: '1', role }, NOW);
    await store.insertResults(
      rates.map((download_mbps, i) =>
        makeResult(agent.agent_id, schoolId, {
          measurement: i % 2 ? 'ndt7' : 'throughput',
          fields: { download_mbps, result: 'success' },
          tags: {},
          at: new Date(NOW.getTime() - (i + 1) * 86_400_000).toISOString(),
        }),
      ),
    );
  };

  it('counts issued-laptop agents by their median download against 20 Mbit/s, and publishes the share only from five each way', async () => {
    const keys = loadPupilKeys(join(dir, 'keys'));
    const service = createSupportService({
      store,
      keys: () => keys,
      config: DEFAULT_SUPPORT_CONFIG,
      now: () => NOW,
    });
    // A school with records: one laptop on file makes it one.
    await service.addLaptop(schoolId, {
      serial: 'SN-0',
      model: 'M',
      pupil_id: null,
      issued_on: null,
      returned_on: null,
      condition: 'noliktavā',
    });
    for (let i = 0; i < 5; i += 1) await laptop([25, 30, 12]); // median 25: reaches 20
    for (let i = 0; i < 4; i += 1) await laptop([10, 40, 15]); // median 15: does not
    await laptop([100, 100], 'lab_pc'); // not an issued laptop
    let school = (await supportAggregates(store, NOW)).schools[0]!;
    // Four laptops below 20 Mbit/s: the share would give them away.
    expect(school).toMatchObject({ home_connectivity_share: null, home_laptops_measured: null });
    await laptop([5, 8, 19.9]);
    school = (await supportAggregates(store, NOW)).schools[0]!;
    expect(school).toMatchObject({ home_connectivity_share: 5 / 10, home_laptops_measured: 10 });
    expect(JSON.stringify(school)).not.toMatch(/agent|hostname/);
  });

  it('sends nothing of a pupil to the time-series export of an issued laptop’s results', async () => {
    const keys = loadPupilKeys(join(dir, 'keys'));
    const service = createSupportService({
      store,
      keys: () => keys,
      config: DEFAULT_SUPPORT_CONFIG,
      now: () => NOW,
    });
    const { pupil } = await service.addPupil(schoolId, {
      name: 'Marta Ābele',
      personal_code: '161175-19997',
      programme: 'general',
      grade: 9,
      class_label: '9.a',
    });
    await service.addLaptop(schoolId, {
      serial: 'SN-7',
      model: 'M',
      pupil_id: pupil.id,
      issued_on: '2025-09-01',
      returned_on: null,
      condition: 'jauns',
    });
    await laptop([30]);
    const [agent] = await store.listAgents(schoolId);
    const results = await store.issuedLaptopResults(schoolId, new Date(NOW.getTime() - 30 * 86_400_000));
    const lookup = createStoreAgentLookup(store);
    const lines = await Promise.all(
      results.map(async (r) => resultToPoint(r, (await lookup(r.agent_id))!).point!.toLineProtocol()),
    );
    expect(lines.join('\n')).toContain(`agent=${agent!.id}`);
    const stored = (await store.support.getPupil(pupil.id))!;
    for (const secret of [
      'Marta',
      'Ābele',
      '161175-19997',
      '16117519997',
      stored.pseudonym,
      pupil.id,
      'SN-7',
    ]) {
      expect(lines.join('\n')).not.toContain(secret);
    }
  });
});
