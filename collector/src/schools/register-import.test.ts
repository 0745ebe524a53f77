import { describe, expect, it } from 'vitest';
import type { SchoolRow } from '../storage/store.js';
import { readCsv } from './register-file.js';
import { ImportProblemCodes, parseLocaleNumber, planImport } from './register-import.js';

// Synthetic rows in the shape of the national register's export.
const HEADER =
  'Reģistrācijas numurs;Nosaukums;Pašvaldība;Adrese;Platums;Garums;Izglītojamo skaits;Iestādes veids';
const csv = (...rows: string[]) => readCsv([HEADER, ...rows].join('\r\n'));
const GOOD =
  '4313900251;Cēsu Valsts ģimnāzija;cēsu novads;Leona Paegles iela 1;57,3125;25,2712;600;Vispārējās izglītības iestāde';

const stored = (over: Partial<SchoolRow>): SchoolRow => ({
  id: 'S1',
  name: 'Cēsu Valsts ģimnāzija',
  municipality: 'Cēsu novads',
  pupils: 600,
  created_at: '2026-01-01T00:00:00.000Z',
  registration_number: '4313900251',
  address: 'Leona Paegles iela 1',
  lat: 57.3125,
  lon: 25.2712,
  school_type: 'general',
  retired_at: null,
  ...over,
});

describe('planning a register import', () => {
  it('creates a new school from a good row, in the official spelling, with Latvian decimal commas', () => {
    const plan = planImport(csv(GOOD), []);
    expect(plan.problems).toEqual([]);
    expect(plan.actions).toEqual([
      {
        action: 'create',
        row: {
          row: 2,
          registration_number: '4313900251',
          name: 'Cēsu Valsts ģimnāzija',
          municipality: 'Cēsu novads',
          address: 'Leona Paegles iela 1',
          lat: 57.3125,
          lon: 25.2712,
          pupils: 600,
          school_type: 'general',
        },
      },
    ]);
    expect(plan.counts).toEqual({ create: 1, update: 0, unchanged: 0, bad: 0 });
  });

  it('leaves a school that already matches unchanged, and updates only what differs', () => {
    expect(planImport(csv(GOOD), [stored({})]).actions).toEqual([
      expect.objectContaining({ action: 'unchanged', school_id: 'S1' }),
    ]);
    expect(planImport(csv(GOOD), [stored({ pupils: 590, lat: null, lon: null })]).actions).toEqual([
      expect.objectContaining({ action: 'update', school_id: 'S1', changed: ['pupils', 'lat', 'lon'] }),
    ]);
  });

  it('gives a school made before the register its number when name and municipality match', () => {
    const plan = planImport(csv(GOOD), [stored({ registration_number: null, id: 'OLD' })]);
    expect(plan.actions).toEqual([
      expect.objectContaining({ action: 'update', school_id: 'OLD', changed: ['registration_number'] }),
    ]);
  });

  it('reports every bad row with each reason and a stable code, and plans none of them', () => {
    const plan = planImport(
      csv(
        GOOD,
        ';Bez numura;Rīga;;;;10;',
        '4313900260;;Rīga;;;;10;',
        '4313900261;Skola;Nekurienes novads;;;;10;',
        '4313900262;Skola;Varakļānu novads;;;;10;',
        '4313900263;Skola;Rīga;;25,27;57,31;10;',
        '4313900264;Skola;Rīga;;56,9;;10;',
        '4313900265;Skola;Rīga;;abc;24,1;10;',
        '4313900266;Skola;Rīga;;;;-3;',
        '4313900267;Skola;Rīga;;;;12,5;',
        '4313900268;Skola;Rīga;;;;10;Augstskola',
        '43139;Skola;Rīga;;;;10;',
        '4313900269;=HYPERLINK("http://example.invalid");Rīga;;;;10;',
        '4313900270;Skola;;;;;10;',
        '4313900271;Skola;Rīga;;;;10;;extra',
        '4313900272;Two problems;Nowhere;;;;many;',
      ),
      [],
    );
    const byRow = (row: number): string[] => plan.problems.filter((p) => p.row === row).map((p) => p.code);
    expect(byRow(2)).toEqual([]);
    expect(byRow(3)).toEqual([ImportProblemCodes.NUMBER_MISSING]);
    expect(byRow(4)).toEqual([ImportProblemCodes.NAME_MISSING]);
    expect(byRow(5)).toEqual([ImportProblemCodes.MUNICIPALITY_UNKNOWN]);
    expect(byRow(6)).toEqual([ImportProblemCodes.MUNICIPALITY_MERGED]);
    expect(byRow(7)).toEqual([ImportProblemCodes.COORDINATES_OUTSIDE_LATVIA]);
    expect(byRow(8)).toEqual([ImportProblemCodes.COORDINATES_INCOMPLETE]);
    expect(byRow(9)).toEqual([
      ImportProblemCodes.COORDINATE_INVALID,
      ImportProblemCodes.COORDINATES_INCOMPLETE,
    ]);
    expect(byRow(10)).toEqual([ImportProblemCodes.PUPILS_INVALID]);
    expect(byRow(11)).toEqual([ImportProblemCodes.PUPILS_INVALID]);
    expect(byRow(12)).toEqual([ImportProblemCodes.SCHOOL_TYPE_UNKNOWN]);
    expect(byRow(13)).toEqual([ImportProblemCodes.NUMBER_FORMAT]);
    expect(byRow(14)).toEqual([ImportProblemCodes.TEXT_INVALID]);
    expect(byRow(15)).toEqual([ImportProblemCodes.MUNICIPALITY_MISSING]);
    expect(byRow(16)).toEqual([ImportProblemCodes.EXTRA_CELLS]);
    expect(byRow(17)).toEqual([ImportProblemCodes.PUPILS_INVALID, ImportProblemCodes.MUNICIPALITY_UNKNOWN]);
    // Every row is accounted for: planned or bad, none dropped.
    expect(plan.bad_rows).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect(plan.actions.map((a) => a.row.row)).toEqual([2]);
    expect(plan.rows).toBe(plan.bad_rows.length + plan.actions.length);
    for (const p of plan.problems) {
      expect(p.lv.length).toBeGreaterThan(0);
      expect(p.en.length).toBeGreaterThan(0);
    }
  });

  it('marks every row of a number the file holds twice, naming the other rows', () => {
    const plan = planImport(csv(GOOD, GOOD.replace('Cēsu Valsts', 'Cita'), '4313900300;B;Rīga;;;;5;'), []);
    expect(plan.problems.map((p) => [p.row, p.code, p.en])).toEqual([
      [2, ImportProblemCodes.DUPLICATE_NUMBER, 'number 4313900251 appears again in row 3'],
      [3, ImportProblemCodes.DUPLICATE_NUMBER, 'number 4313900251 appears again in row 2'],
    ]);
    expect(plan.actions.map((a) => a.row.row)).toEqual([4]);
  });

  it('reports a formula cell from an XLSX as a formula', () => {
    const file = csv(GOOD);
    file.rows[0]!.cells[6] = { formula: 'SUM(A1:A9)' };
    expect(planImport(file, []).problems.map((p) => [p.field, p.code])).toEqual([
      ['pupils', ImportProblemCodes.FORMULA],
    ]);
  });

  it('takes English headers and a single coordinates column, and names the columns it ignored', () => {
    const file = readCsv(
      'name,registration number,municipality,pupils,coordinates,notes\r\nA,4313900251,Rīga,5,"56.95, 24.1",x\r\nB,4313900252,Rīga,6,"56,95; 24,1",y\r\n',
    );
    const plan = planImport(file, []);
    expect(plan.problems).toEqual([]);
    expect(plan.ignored_columns).toEqual(['notes']);
    expect(plan.actions.map((a) => [a.row.lat, a.row.lon])).toEqual([
      [56.95, 24.1],
      [56.95, 24.1],
    ]);
  });

  it('refuses a file whose header lacks a required column, naming it', () => {
    expect(() => planImport(readCsv('Nosaukums;Pašvaldība\nA;Rīga\n'), [])).toThrow(
      /registration_number, pupils.*SKOLNET_REGISTER_IMPORT_COLUMNS_MISSING/,
    );
  });

  it('reads numbers as Latvian spreadsheets write them', () => {
    expect(parseLocaleNumber('1 234')).toBe(1234);
    expect(parseLocaleNumber('1\u00a0234')).toBe(1234);
    expect(parseLocaleNumber('57,3125')).toBe(57.3125);
    expect(parseLocaleNumber('-21.5')).toBe(-21.5);
    expect(parseLocaleNumber('1,234,5')).toBeUndefined();
    expect(parseLocaleNumber('12abc')).toBeUndefined();
    expect(parseLocaleNumber('')).toBeUndefined();
  });
});
