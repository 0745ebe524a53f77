import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type SchoolSummary } from '@skolnet/shared';
import { buildApp } from '../app.js';
import { RegisterProblemCodes } from '../schools/register-rules.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';
import type { SchoolDetail } from './schools-plugin.js';

const NOW = new Date('2026-09-01T10:00:00.000Z');

const CESIS = {
  name: 'Cēsu Valsts ģimnāzija',
  municipality: 'cēsu  novads',
  pupils: 600,
  registration_number: '4313900251',
  address: 'Leona Paegles iela 1, Cēsis, LV-4101',
  lat: 57.3125,
  lon: 25.2712,
  school_type: 'general',
};

describe('school register fields in the school API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let headers: Record<string, string>;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    headers = { authorization: `Bearer ${(await createTestAccount(store)).token}` };
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => NOW } });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const create = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/api/v1/schools', headers, payload });

  it('creates a school with its register fields and shows them in the list and the detail', async () => {
    const res = await create(CESIS);
    expect(res.statusCode).toBe(201);
    const created = res.json<{ id: string }>();
    // The municipality is stored in its official spelling.
    const expected = { ...CESIS, municipality: 'Cēsu novads', retired_at: null };
    expect(created).toMatchObject(expected);

    const list = (await app.inject('/api/v1/schools')).json<SchoolSummary[]>();
    expect(list).toEqual([{ id: created.id, ...expected, score: null, band: 'insufficient_data' }]);
    const detail = await app.inject({ url: `/api/v1/schools/${created.id}`, headers });
    expect(detail.json<SchoolDetail>()).toMatchObject({ id: created.id, ...expected });
  });

  it.each([
    ['an unknown municipality', { municipality: 'Vik' }, RegisterProblemCodes.MUNICIPALITY_UNKNOWN],
    ['a merged municipality', { municipality: 'Varakļānu novads' }, RegisterProblemCodes.MUNICIPALITY_MERGED],
    ['swapped coordinates', { lat: 25.27, lon: 57.31 }, RegisterProblemCodes.COORDINATES_OUTSIDE_LATVIA],
    ['half the coordinates', { lat: 57.31, lon: undefined }, RegisterProblemCodes.COORDINATES_INCOMPLETE],
    ['a malformed registration number', { registration_number: '43139' }, RegisterProblemCodes.NUMBER_FORMAT],
  ])('refuses %s with 400 naming the rule, and stores nothing', async (_name, change, code) => {
    const res = await create({ ...CESIS, ...change });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string; message: string }>()).toMatchObject({ code: ErrorCodes.API_BAD_REQUEST });
    expect(res.json<{ message: string }>().message).toContain(code);
    expect(await store.listSchools()).toEqual([]);
  });

  it('refuses a school type outside the register’s categories', async () => {
    const res = await create({ ...CESIS, school_type: 'university' });
    expect(res.statusCode).toBe(400);
    expect(await store.listSchools()).toEqual([]);
  });

  it('refuses a registration number another school holds with 409', async () => {
    expect((await create(CESIS)).statusCode).toBe(201);
    const res = await create({ ...CESIS, name: 'Another' });
    expect(res.statusCode).toBe(409);
    expect(res.json<{ code: string }>().code).toBe(ErrorCodes.API_CONFLICT);
    expect(await store.listSchools()).toHaveLength(1);
  });
});
