/**
 * Property-based fuzzing (fast-check) of the pupil-support plan import
 * (docs/pupil-support.md, "Import") through its real route, with a real
 * store and pupil keys: CSV and XLSX files that are random bytes, mutated
 * valid files (huge cells, formula and error cells, dates beyond any
 * calendar, wrong encodings, byte-order marks, semicolons, cut files) and
 * workbooks with cells far outside the template. Every property: no crash,
 * no 500, every refusal a `SKOLNET_…` code, a dry run and a refused file
 * store nothing, a real run stores exactly the rows it reports as created,
 * and no personal code or name from the file appears in any answer or log
 * line. Run counts are modest so the file stays well under a minute.
 */
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../collector/src/app.js';
import type { ImportReport } from '../../collector/src/services/support-import-service.js';
import type { KyselyStore } from '../../collector/src/storage/kysely-store.js';
import { IMPORT_COLUMNS } from '../../collector/src/support/support-import.js';
import { createTestAccount, type TestAccount } from '../../collector/src/testing/accounts.js';
import { createTempStore } from '../../collector/src/testing/fixtures.js';
import { report } from './report.js';

/** Runs per property: each is an HTTP import through the real route; a few dozen meet the odd shapes. */
const RUNS = 100;
const CODE = /^SKOLNET_[A-Z0-9_]+$/;
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * Synthetic pupils' names: distinctive, so finding one in a log line means
 * it came from the file. Personal codes are drawn as undated codes (`32…`),
 * which the check-digit rule accepts whatever their digits.
 */
const NAMES = ['Zelma Kokare', 'Ojārs Vītoliņš', 'Dzintra Mežule', 'Kristaps Ozoliņš', 'Austra Pūcīte'];
const personalCode = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 99999 }))
  .map(([a, b]) => `32${String(a).padStart(4, '0')}-${String(b).padStart(5, '0')}`);

/** A row the rules accept, in the template's column order (as the route test's rows). */
const goodRow = (code: string, name: string, grade: number): string[] => [
  code,
  name,
  'vispārējā',
  String(grade),
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

/** What a broken or hostile file puts in a text cell. */
const textMutation = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom(
    '=HYPERLINK("http://example.invalid","x")',
    '=1+2',
    '+SUM(A1:A9)',
    '@cmd',
    '-2+3',
    '"',
    '""',
    '\r',
    '\n',
    ';',
    ',',
    '\u0000',
    '\uFEFF',
    '\uD800',
    '2025-02-30',
    '99999-99-99',
    '13',
    '',
  ),
  // Huge cells: up to about 200 kB each.
  fc.integer({ min: 1_000, max: 100_000 }).map((n) => 'Ā'.repeat(n)),
);

/** One data row: a pupil and the cells changed in it. */
const rowSpec = fc.record({
  code: personalCode,
  name: fc.constantFrom(...NAMES),
  grade: fc.integer({ min: 1, max: 9 }),
  mutations: fc.array(fc.tuple(fc.nat({ max: IMPORT_COLUMNS.length + 2 }), textMutation), { maxLength: 3 }),
});

const applyMutations = (cells: string[], mutations: [number, string][]): string[] => {
  const out = [...cells];
  for (const [i, v] of mutations) out[i] = v;
  return out.map((c) => c ?? '');
};

/** Header choices: either language, none at all (the first pupil becomes the header), or a column dropped. */
const headerSpec = fc.constantFrom('lv', 'en', 'none', 'dropped');
const headerOf = (h: string): string[] | undefined =>
  h === 'none'
    ? undefined
    : h === 'dropped'
      ? IMPORT_COLUMNS.slice(1).map((c) => c.lv)
      : IMPORT_COLUMNS.map((c) => c[h as 'lv' | 'en']);

const csvFile = fc.record({
  header: headerSpec,
  rows: fc.array(rowSpec, { maxLength: 4 }),
  sep: fc.constantFrom(',', ';'),
  eol: fc.constantFrom('\r\n', '\n', '\r'),
  bom: fc.boolean(),
  encoding: fc.constantFrom<BufferEncoding>('utf8', 'utf8', 'latin1', 'utf16le'),
  cutAt: fc.option(fc.nat(), { nil: undefined }),
  dryRun: fc.boolean(),
});

const encodeCsv = (cells: string[][], sep: string, eol: string): string =>
  cells
    .map((row) => row.map((c) => (/["\r\n,;]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(sep))
    .join(eol) + eol;

/** What an XLSX cell can hold beyond text: formulas with and without a result, errors, dates, numbers. */
const xlsxValue = fc.oneof(
  textMutation.map((t): [ExcelJS.CellValue, string?] => [t]),
  fc.constantFrom<[ExcelJS.CellValue, string?]>(
    [{ formula: 'A2&B2', result: '' }],
    [{ formula: '1/0' }],
    [{ error: '#DIV/0!' }],
    [{ richText: [{ text: 'vecā' }, { text: 'ks' }] }],
    [{ text: 'iesn. 1', hyperlink: 'http://example.invalid' }],
    [true],
    [1e20, 'yyyy-mm-dd'],
    [-1, 'yyyy-mm-dd'],
    [45_900, 'yyyy-mm-dd'],
    [Number.MAX_VALUE],
    [123_456_789_012],
  ),
);

const xlsxFile = fc.record({
  header: headerSpec,
  rows: fc.array(
    fc.record({
      pupil: rowSpec,
      values: fc.array(fc.tuple(fc.nat({ max: IMPORT_COLUMNS.length + 2 }), xlsxValue), { maxLength: 3 }),
    }),
    { maxLength: 4 },
  ),
  // A cell far outside the template: a wide column or a late row.
  far: fc.option(fc.tuple(fc.integer({ min: 1, max: 16_384 }), fc.integer({ min: 1, max: 6_000 })), {
    nil: undefined,
  }),
  dryRun: fc.boolean(),
});

const columnName = (n: number): string => {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
};

describe('resilience: fuzzing the pupil-support import', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let schoolId = '';
  let coordinator: TestAccount;
  const logLines: string[] = [];
  const figures: string[] = [];
  const statuses = new Map<number, number>();
  let created = 0;

  beforeAll(async () => {
    let dir: string;
    ({ store, cleanup, dir } = await createTempStore());
    app = buildApp({
      store,
      dashboardAssets: false,
      logger: { level: 'debug', stream: { write: (line: string) => logLines.push(line) } },
      config: { now: () => new Date('2025-09-10T10:00:00Z'), support: { keyDir: join(dir, 'keys') } },
    });
    await app.ready();
    schoolId = (await store.createSchool({ name: 'Skola', municipality: 'Cēsu novads', pupils: 100 })).id;
    coordinator = await createTestAccount(store, 'support_coordinator', { school_id: schoolId });
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    report({
      attack: 'fast-check fuzzing of the pupil-support import (CSV, XLSX)',
      held: true,
      figures: `${figures.join('; ')}; ${created} plans created; statuses ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`,
    });
  });

  const counts = async () => ({
    pupils: (await store.support.listPupils(schoolId)).length,
    plans: (await store.support.listPlans([schoolId])).length,
  });

  /**
   * Sends one file and checks every property: no 500, a coded refusal that
   * stores nothing, a dry run that stores nothing, a real run that stores
   * what it reports, and none of `secrets` in the answer or the log.
   */
  const importChecked = async (file: Buffer, type: string, dryRun: boolean, secrets: string[]) => {
    const before = await counts();
    const logFrom = logLines.length;
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/support/schools/${schoolId}/import${dryRun ? '?dry_run=true' : ''}`,
      headers: { ...coordinator.headers, 'content-type': type },
      payload: file,
    });
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    expect(res.statusCode, res.body.slice(0, 500)).toBeLessThan(500);
    const after = await counts();
    if (res.statusCode !== 200) {
      expect(res.json<{ code: string }>().code).toMatch(CODE);
      expect(after).toEqual(before);
    } else {
      const body = res.json<ImportReport>();
      for (const row of body.rows) for (const v of row.violations) expect(v.code).toMatch(CODE);
      if (dryRun) expect(after).toEqual(before);
      else {
        expect(after.plans - before.plans).toBe(body.counts.create);
        created += body.counts.create;
        expect(after.pupils - before.pupils).toBeLessThanOrEqual(body.counts.create);
      }
    }
    const said = [res.body, ...logLines.slice(logFrom)].join('\n');
    for (const secret of secrets) expect(said, `"${secret}" leaked`).not.toContain(secret);
  };

  /** The personal codes (as typed and compact) and names of the file's pupils. */
  const secretsOf = (pupils: { code: string; name: string }[]): string[] =>
    pupils.flatMap((p) => [p.code, p.code.replace('-', ''), p.name]);

  it('CSV: mutated template files, any encoding, separator and line end', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(csvFile, async (spec) => {
        runs += 1;
        const header = headerOf(spec.header);
        const rows = spec.rows.map((r) => applyMutations(goodRow(r.code, r.name, r.grade), r.mutations));
        let text = encodeCsv(header ? [header, ...rows] : rows, spec.sep, spec.eol);
        if (spec.bom) text = `\uFEFF${text}`;
        let bytes = Buffer.from(text, spec.encoding);
        if (spec.cutAt !== undefined) bytes = bytes.subarray(0, spec.cutAt % (bytes.length + 1));
        await importChecked(bytes, 'text/csv', spec.dryRun, secretsOf(spec.rows));
      }),
      { numRuns: RUNS },
    );
    figures.push(`${runs} CSV files`);
  });

  it('XLSX: workbooks with formula, error, date and far-away cells', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(xlsxFile, async (spec) => {
        runs += 1;
        const book = new ExcelJS.Workbook();
        const sheet = book.addWorksheet('Plāni');
        const header = headerOf(spec.header);
        if (header) sheet.addRow(header);
        for (const { pupil, values } of spec.rows) {
          const row = sheet.addRow(
            applyMutations(goodRow(pupil.code, pupil.name, pupil.grade), pupil.mutations),
          );
          for (const [c, [value, numFmt]] of values) {
            const cell = row.getCell(c + 1);
            cell.value = value;
            if (numFmt) cell.numFmt = numFmt;
          }
        }
        if (spec.far) sheet.getCell(`${columnName(spec.far[0])}${spec.far[1]}`).value = 'x';
        const file = Buffer.from(await book.xlsx.writeBuffer());
        await importChecked(file, XLSX, spec.dryRun, secretsOf(spec.rows.map((r) => r.pupil)));
      }),
      { numRuns: RUNS },
    );
    figures.push(`${runs} XLSX workbooks`);
  });

  it('XLSX: a valid workbook with bytes flipped, cut or sent as CSV', async () => {
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Plāni');
    sheet.addRow(IMPORT_COLUMNS.map((c) => c.lv));
    const pupils = [
      { code: '321234-56789', name: NAMES[0]! },
      { code: '329876-54321', name: NAMES[1]! },
    ];
    for (const p of pupils) sheet.addRow(goodRow(p.code, p.name, 7));
    const valid = Buffer.from(await book.xlsx.writeBuffer());
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
        fc.option(fc.nat(), { nil: undefined }),
        fc.constantFrom(XLSX, XLSX, 'text/csv'),
        fc.boolean(),
        async (flips, cutAt, type, dryRun) => {
          runs += 1;
          let file = Buffer.from(valid);
          for (const [at, byte] of flips) file[at % file.length] = byte;
          if (cutAt !== undefined) file = file.subarray(0, cutAt % (file.length + 1));
          await importChecked(file, type, dryRun, secretsOf(pupils));
        },
      ),
      { numRuns: RUNS },
    );
    figures.push(`${runs} damaged workbooks`);
  });

  it('random bytes as CSV or XLSX', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 4_000 }),
        fc.constantFrom(XLSX, 'text/csv'),
        fc.boolean(),
        async (bytes, type, dryRun) => {
          runs += 1;
          await importChecked(Buffer.from(bytes), type, dryRun, []);
        },
      ),
      { numRuns: RUNS },
    );
    figures.push(`${runs} random files`);
  });
});
