import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.js';
import type { ImportReport } from '../services/support-import-service.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { IMPORT_COLUMNS } from '../support/support-import.js';
import { createTestAccount, type TestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** Synthetic rows in the template's column order (lv headers); personal codes with valid check digits. */
const good = (code: string, name: string, grade = '7'): string[] => [
  code,
  name,
  'vispārējā',
  grade,
  `${grade}.a`,
  '2025/2026-1',
  '2025-09-01',
  'vecāks',
  'iesn. 1',
  '2025-09-02',
  '',
  'ģimenei nav ienākumu',
  '',
  '',
  '',
  'brīvpusdienas; transporta biļetes',
  '',
  '',
];

describe('pupil-support import', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let schoolId: string;
  let coordinator: TestAccount;

  beforeEach(async () => {
    let dir: string;
    ({ store, cleanup, dir } = await createTempStore());
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => new Date('2025-09-10T10:00:00Z'), support: { keyDir: join(dir, 'keys') } },
    });
    await app.ready();
    schoolId = (await store.createSchool({ name: 'Skola', municipality: 'Cēsu novads', pupils: 100 })).id;
    coordinator = await createTestAccount(store, 'support_coordinator', { school_id: schoolId });
  });
  afterEach(async () => {
    await app.close();
    await cleanup();
  });

  const template = async (lang: 'lv' | 'en', format: 'csv' | 'xlsx') => {
    const res = await app.inject({
      url: `/api/v1/support/import-template?lang=${lang}&format=${format}`,
      headers: coordinator.headers,
    });
    expect(res.statusCode).toBe(200);
    return res.rawPayload;
  };

  const send = async (file: Buffer, type: string, dryRun: boolean): Promise<ImportReport> => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import${dryRun ? '?dry_run=true' : ''}`,
      headers: { ...coordinator.headers, 'content-type': type },
      payload: file,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json<ImportReport>();
  };

  const outcomes = (r: ImportReport) =>
    r.rows.map((row) => [row.row, row.outcome, row.violations.map((v) => v.code).join(',')]);

  it('serves the template in both languages; exceljs reads the header and the instructions', async () => {
    for (const lang of ['lv', 'en'] as const) {
      const book = new ExcelJS.Workbook();
      await book.xlsx.load((await template(lang, 'xlsx')) as unknown as ArrayBuffer);
      const header = (book.worksheets[0]!.getRow(1).values as string[]).slice(1);
      expect(header).toEqual(IMPORT_COLUMNS.map((c) => c[lang]));
      expect(book.worksheets[1]!.rowCount).toBe(IMPORT_COLUMNS.length + 1);
    }
    const csv = (await template('en', 'csv')).toString('utf8');
    expect(csv.split('\r\n')[0]).toBe(
      IMPORT_COLUMNS.map((c) => (c.en.includes(',') ? `"${c.en}"` : c.en)).join(','),
    );
  });

  it('lists every row’s violations in a dry run, stores nothing, then imports the good rows once', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load((await template('lv', 'xlsx')) as unknown as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    sheet.addRow(good('161175-19997', 'Marta Ābele'));
    sheet.addRow(good('161175-19996', 'Jānis Bērziņš', '13'));
    sheet.addRow([]);
    sheet.addRow(good('161175-19997', 'Marta Ābele'));
    const noRisk = good('010101-12343', 'Ilze Kalna');
    noRisk[11] = '';
    sheet.addRow(noRisk);
    const early = good('321234-56789', 'Pēteris Liepa');
    early[9] = '2025-08-30';
    sheet.addRow(early);
    const file = Buffer.from(await book.xlsx.writeBuffer());

    const dry = await send(file, XLSX, true);
    expect(outcomes(dry)).toEqual([
      [2, 'create', ''],
      [3, 'refused', 'SKOLNET_SUPPORT_IMPORT_PERSONAL_CODE'],
      [4, 'empty', ''],
      [5, 'refused', 'SKOLNET_SUPPORT_IMPORT_DUPLICATE_ROW'],
      [
        6,
        'refused',
        'SKOLNET_SUPPORT_IMPORT_NO_RISK,SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK,SKOLNET_SUPPORT_MEASURE_WITHOUT_RISK',
      ],
      [7, 'refused', 'SKOLNET_SUPPORT_PLAN_BEFORE_APPLICATION'],
    ]);
    expect(dry.rows[1]!.violations[0]).toMatchObject({
      column: 'personal_code',
      lv: expect.any(String),
      en: expect.any(String),
    });
    expect(await store.support.listPupils(schoolId)).toEqual([]);

    const real = await send(file, XLSX, false);
    expect(real.counts).toEqual({ create: 1, update: 0, unchanged: 0, refused: 4, empty: 1 });
    const plans = await store.support.listPlans([schoolId]);
    expect(plans).toHaveLength(1);
    expect(plans[0]!.body.measures.map((m) => [m.description, m.risk_ids])).toEqual([
      ['brīvpusdienas', ['risk-economic']],
      ['transporta biļetes', ['risk-economic']],
    ]);

    const again = await send(file, XLSX, false);
    expect(again.counts).toEqual({ create: 0, update: 0, unchanged: 1, refused: 4, empty: 1 });
    expect((await store.support.listPlans([schoolId]))[0]!.version).toBe(plans[0]!.version);
  });

  it('reads CSV with semicolons and updates a draft when its row changes', async () => {
    const header = IMPORT_COLUMNS.map((c) => c.lv).join(';');
    const line = (cells: string[]) => cells.map((c) => (c.includes(';') ? `"${c}"` : c)).join(';');
    const first = Buffer.from(`\uFEFF${header}\r\n${line(good('161175-19997', 'Marta Ābele'))}\r\n`);
    expect((await send(first, 'text/csv', false)).counts.create).toBe(1);
    const changed = good('161175-19997', 'Marta Ābele');
    changed[13] = 'vecāku slimība';
    const second = Buffer.from(`${header}\n${line(changed)}\n`);
    expect(outcomes(await send(second, 'text/csv', false))).toEqual([[2, 'update', '']]);
    expect((await store.support.listPlans([schoolId]))[0]!.body.risks.map((r) => r.group)).toEqual([
      'economic',
      'social_health',
    ]);
  });

  it('refuses every row of a file whose columns are not the template’s, naming them', async () => {
    const file = Buffer.from(`Personas kods,Vārds,Klase\n161175-19997,Marta,7\n`);
    const report = await send(file, 'text/csv', true);
    expect(report.rows).toHaveLength(1);
    expect(report.rows[0]!.outcome).toBe('refused');
    expect(report.rows[0]!.violations[0]!.code).toBe('SKOLNET_SUPPORT_IMPORT_HEADER');
    expect(report.rows[0]!.violations[0]!.column).toMatch(/^name, .*, column B, column C$/);
  });

  it('names unknown columns by position, so a file without its header row does not echo a pupil back', async () => {
    // Found by fuzzing: the first pupil's row, read as the header, came back
    // in every row's violation with the pupil's personal code and name.
    const file = Buffer.from(`${good('161175-19997', 'Marta Ābele').join(',')}\n`);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import?dry_run=true`,
      headers: { ...coordinator.headers, 'content-type': 'text/csv' },
      payload: Buffer.concat([file, file]),
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('161175-19997');
    expect(res.body).not.toContain('Marta');
    expect(res.json<ImportReport>().rows[0]!.violations[0]).toMatchObject({
      code: 'SKOLNET_SUPPORT_IMPORT_HEADER',
      column: expect.stringContaining('column A'),
    });
  });

  it('refuses a body that is neither CSV nor XLSX, and a workbook that is not one', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import`,
      headers: coordinator.headers,
      payload: { rows: [] },
    });
    expect(res.statusCode).toBe(400);
    const broken = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import`,
      headers: { ...coordinator.headers, 'content-type': XLSX },
      payload: Buffer.from('not a zip'),
    });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<{ message: string }>().message).toContain('not an XLSX');
  });

  /** A workbook with the lv template header and the given cells set (address → value, number format). */
  const workbookWith = async (cells: [string, ExcelJS.CellValue, string?][]): Promise<Buffer> => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Plāni');
    sheet.addRow(IMPORT_COLUMNS.map((c) => c.lv));
    for (const [address, value, numFmt] of cells) {
      const cell = sheet.getCell(address);
      cell.value = value;
      if (numFmt) cell.numFmt = numFmt;
    }
    return Buffer.from(await book.xlsx.writeBuffer());
  };

  it('reads a date cell whose serial number is no date as a bad field, not a server error', async () => {
    // Found by fuzzing: a number far beyond any date, formatted as a date, made `toISOString` throw.
    const file = await workbookWith([
      ['A2', '321234-56789'],
      ['B2', 'Marta Ābele'],
      ['G2', 1e20, 'yyyy-mm-dd'],
    ]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import?dry_run=true`,
      headers: { ...coordinator.headers, 'content-type': XLSX },
      payload: file,
    });
    expect(res.statusCode, res.body).toBe(200);
    const row = res.json<ImportReport>().rows[0]!;
    expect(row.outcome).toBe('refused');
    expect(row.violations).toContainEqual(
      expect.objectContaining({ code: 'SKOLNET_SUPPORT_IMPORT_FIELD', column: 'application_on' }),
    );
  });

  it('refuses a workbook with a cell far beyond the template’s columns before reading its empty cells', async () => {
    // Found by fuzzing: one cell at column XFD of a row made the reader visit
    // 16,384 cells in every row; at row 5,000 that exhausted the heap.
    const file = await workbookWith([
      ['A2', '321234-56789'],
      ['XFD2', 'x'],
    ]);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import?dry_run=true`,
      headers: { ...coordinator.headers, 'content-type': XLSX },
      payload: file,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json<{ code: string; message: string }>()).toMatchObject({
      code: 'SKOLNET_API_BAD_REQUEST',
      message: expect.stringContaining('columns'),
    });
    expect(await store.support.listPupils(schoolId)).toEqual([]);
  });
});
