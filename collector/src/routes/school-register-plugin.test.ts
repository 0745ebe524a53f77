import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, type SchoolSummary } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { ImportOutcome } from '../services/school-register-service.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';
import { MAX_REGISTER_FILE_BYTES } from './school-register-plugin.js';

let now = new Date('2026-09-01T10:00:00.000Z');

// Synthetic rows in the shape of the national register's export, as Excel in a Latvian locale saves CSV.
const REGISTER_CSV =
  '\ufeffReģistrācijas numurs;Nosaukums;Pašvaldība;Adrese;Platums;Garums;Izglītojamo skaits;Iestādes veids\r\n' +
  '4313900251;Cēsu Valsts ģimnāzija;Cēsu novads;Leona Paegles iela 1, Cēsis;57,3125;25,2712;600;Vispārējās izglītības iestāde\r\n' +
  '3313900460;Rīgas 1. speciālā skola;Rīga;Brīvības iela 1, Rīga;56,95;24,11;120;Speciālās izglītības iestāde\r\n';
const CSV = { 'content-type': 'text/csv; charset=utf-8' };

describe('school register admin API', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let admin: Record<string, string>;
  let planner: Record<string, string>;

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    admin = (await createTestAccount(store)).headers;
    planner = (await createTestAccount(store, 'planner')).headers;
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => now } });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const importFile = (payload: string | Buffer, query = 'dry_run=false', headers = CSV) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/schools/import?${query}`,
      headers: { ...admin, ...headers },
      payload,
    });
  const list = async () => (await app.inject('/api/v1/schools')).json<SchoolSummary[]>();

  it('dry-runs an import without writing, then imports, and a second import of the same file changes nothing', async () => {
    const dry = await importFile(REGISTER_CSV, 'dry_run=true&file_name=register.csv');
    expect(dry.statusCode).toBe(200);
    expect(dry.json<ImportOutcome>()).toMatchObject({
      dry_run: true,
      applied: false,
      format: 'csv',
      delimiter: ';',
      counts: { create: 2, update: 0, unchanged: 0, bad: 0 },
      problems: [],
    });
    expect(await store.listSchools()).toEqual([]);

    const real = await importFile(REGISTER_CSV);
    expect(real.statusCode).toBe(200);
    expect(real.json<ImportOutcome>()).toMatchObject({ applied: true, counts: { create: 2 } });
    const first = await store.listSchools();
    expect(first.map((s) => [s.registration_number, s.municipality, s.lat, s.lon, s.school_type])).toEqual([
      ['4313900251', 'Cēsu novads', 57.3125, 25.2712, 'general'],
      ['3313900460', 'Rīga', 56.95, 24.11, 'special'],
    ]);
    expect((await list()).map((s) => s.name)).toEqual(['Cēsu Valsts ģimnāzija', 'Rīgas 1. speciālā skola']);

    now = new Date(now.getTime() + 60_000);
    const again = await importFile(REGISTER_CSV);
    expect(again.json<ImportOutcome>()).toMatchObject({
      applied: true,
      counts: { create: 0, update: 0, unchanged: 2 },
    });
    expect(await store.listSchools()).toEqual(first);
  });

  it('imports the same rows from an XLSX', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Iestādes');
    for (const line of REGISTER_CSV.replace('\ufeff', '').trim().split('\r\n')) {
      sheet.addRow(
        line
          .split(';')
          .map((c, i) => (i >= 4 && i <= 6 && /^[\d,]+$/.test(c) ? Number(c.replace(',', '.')) : c)),
      );
    }
    const bytes = Buffer.from(await workbook.xlsx.writeBuffer());
    const res = await importFile(bytes, 'dry_run=false', {
      'content-type': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json<ImportOutcome>()).toMatchObject({ format: 'xlsx', applied: true, counts: { create: 2 } });
    expect((await store.listSchools()).map((s) => s.lat)).toEqual([57.3125, 56.95]);
  });

  it('refuses a real import with any bad row with 422 and the full report, writing nothing', async () => {
    const bad = `${REGISTER_CSV}4313900999;Skola;Vik;;;;10;\r\n`;
    const res = await importFile(bad);
    expect(res.statusCode).toBe(422);
    const outcome = res.json<ImportOutcome>();
    expect(outcome).toMatchObject({ applied: false, bad_rows: [4], counts: { create: 2, bad: 1 } });
    expect(outcome.problems).toEqual([
      expect.objectContaining({
        row: 4,
        field: 'municipality',
        code: 'SKOLNET_REGISTER_MUNICIPALITY_UNKNOWN',
      }),
    ]);
    expect(await store.listSchools()).toEqual([]);
  });

  it('refuses an unreadable file with 400 naming the reason, and a body that is no file', async () => {
    const latin = Buffer.from([0x50, 0x61, 0xf0, 0x3b, 0x0a]);
    const res = await importFile(latin);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ code: string; message: string }>()).toMatchObject({
      code: ErrorCodes.API_BAD_REQUEST,
      message: expect.stringContaining('SKOLNET_REGISTER_IMPORT_ENCODING'),
    });
    const json = await importFile(JSON.stringify({ rows: [] }), 'dry_run=true', {
      'content-type': 'application/json',
    });
    expect(json.statusCode).toBe(400);
  });

  it('refuses a file over the size limit with 413 before parsing it', async () => {
    const huge = Buffer.alloc(MAX_REGISTER_FILE_BYTES + 1, 0x41);
    const res = await importFile(huge);
    expect(res.statusCode).toBe(413);
    expect(await store.listSchools()).toEqual([]);
  });

  it('edits, retires and reinstates a school; a retired school leaves the list but keeps its record', async () => {
    await importFile(REGISTER_CSV);
    const [cesis] = await store.listSchools();
    const edit = await app.inject({
      method: 'PATCH',
      url: `/api/v1/schools/${cesis!.id}`,
      headers: admin,
      payload: { pupils: 610, address: null, municipality: 'CĒSU NOVADS' },
    });
    expect(edit.statusCode).toBe(200);
    expect(edit.json()).toMatchObject({ pupils: 610, address: null, municipality: 'Cēsu novads' });
    expect((await list()).find((s) => s.id === cesis!.id)?.pupils).toBe(610);

    const badEdit = await app.inject({
      method: 'PATCH',
      url: `/api/v1/schools/${cesis!.id}`,
      headers: admin,
      payload: { lat: 59.43 },
    });
    expect(badEdit.statusCode).toBe(400);
    expect(badEdit.json<{ message: string }>().message).toContain(
      'SKOLNET_REGISTER_COORDINATES_OUTSIDE_LATVIA',
    );
    expect((await store.getSchool(cesis!.id))?.lat).toBe(57.3125);

    const retired = await app.inject({
      method: 'POST',
      url: `/api/v1/schools/${cesis!.id}/retire`,
      headers: admin,
    });
    expect(retired.json()).toMatchObject({ retired_at: now.toISOString() });
    expect((await list()).map((s) => s.id)).not.toContain(cesis!.id);
    const adminList = await app.inject({ url: '/api/v1/admin/schools', headers: admin });
    expect(adminList.json<{ schools: { id: string; retired_at: string | null }[] }>().schools).toContainEqual(
      expect.objectContaining({ id: cesis!.id, retired_at: now.toISOString() }),
    );
    const record = await app.inject({ url: `/api/v1/schools/${cesis!.id}`, headers: admin });
    expect(record.statusCode).toBe(200);
    await app.inject({ method: 'POST', url: `/api/v1/schools/${cesis!.id}/reinstate`, headers: admin });
    expect((await list()).map((s) => s.id)).toContain(cesis!.id);

    // Only admins edit the register.
    const byPlanner = await app.inject({
      method: 'PATCH',
      url: `/api/v1/schools/${cesis!.id}`,
      headers: planner,
      payload: { pupils: 1 },
    });
    expect(byPlanner.statusCode).toBe(403);
  });

  it('audits register writes, and the audit log filters and pages', async () => {
    await importFile(REGISTER_CSV, 'dry_run=false&file_name=register.csv');
    const [cesis, riga] = await store.listSchools();
    for (const [i, school] of [cesis!, riga!, cesis!].entries()) {
      now = new Date(now.getTime() + (i + 1) * 60_000);
      await app.inject({
        method: 'PATCH',
        url: `/api/v1/schools/${school.id}`,
        headers: admin,
        payload: { pupils: 700 + i },
      });
    }
    const audit = async (query: string) =>
      (await app.inject({ url: `/api/v1/audit?${query}`, headers: admin })).json<{
        entries: { action: string; target: string; details: Record<string, unknown> }[];
        next_before: string | null;
      }>();
    expect((await audit('action=schools_imported')).entries).toEqual([
      expect.objectContaining({
        target: 'register.csv',
        details: { format: 'csv', create: 2, update: 0, unchanged: 0, bad: 0 },
      }),
    ]);
    expect((await audit(`action=school_updated&target=${cesis!.id}`)).entries).toHaveLength(2);
    const page1 = await audit('action=school_updated&limit=2');
    expect(page1.entries.map((e) => e.details['changed'])).toEqual([['pupils'], ['pupils']]);
    expect(page1.next_before).not.toBeNull();
    const page2 = await audit(`action=school_updated&limit=2&before=${page1.next_before}`);
    expect(page2.entries).toHaveLength(1);
    expect(page2.next_before).toBeNull();
    const since = new Date(now.getTime() - 60_000).toISOString();
    expect((await audit(`action=school_updated&since=${since}`)).entries).toHaveLength(1);
    // A dry run writes no audit entry; nor does a pupil figure or a file's rows appear in one.
    await importFile(REGISTER_CSV, 'dry_run=true');
    expect((await audit('action=schools_imported')).entries).toHaveLength(1);
  });
});
