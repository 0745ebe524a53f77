import { describe, expect, it } from 'vitest';
import { IMPORT_COLUMNS, mapHeader, parseCsv, parseImportRow, type ImportKey } from './support-import.js';

const config = { grades_1_4_from: '2024-09-01' };
const cells = (over: Partial<Record<ImportKey, string>> = {}): Partial<Record<ImportKey, string>> => ({
  personal_code: '161175-19997',
  name: 'Marta Ābele',
  programme: 'general',
  grade: '3',
  class_label: '3.a',
  semester: '2025/2026-2',
  application_on: '2026-01-05',
  application_by: 'parent',
  application_doc: 'i-1',
  prepared_on: '2026-01-06',
  risk_learning_school: 'lasītprasme',
  measures_learning_school: 'pedagoga konsultācijas',
  ...over,
});

describe('import rows', () => {
  it('reads CSV: quotes, doubled quotes, line breaks in quotes, CRLF and LF, BOM, semicolons', () => {
    expect(parseCsv('\uFEFFa,b\r\n"x, y","say ""hi"""\n"two\nlines",z')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"'],
      ['two\nlines', 'z'],
    ]);
    expect(parseCsv('a;b;c\n1,5;2;3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1,5', '2', '3'],
    ]);
  });

  it('maps headers of either language and any case, and names the unknown and the missing', () => {
    const mixed = IMPORT_COLUMNS.map((c, i) => (i % 2 ? c.lv.toUpperCase() : c.en));
    expect(mapHeader(mixed)).toEqual({ keys: IMPORT_COLUMNS.map((c) => c.key), unknown: [], missing: [] });
    const partial = mapHeader(['Personas kods', 'Piezīmes']);
    expect(partial.unknown).toEqual(['Piezīmes']);
    expect(partial.missing).toContain('semester');
  });

  it('accepts a row in the template with derived ids, so the same row gives the same plan', () => {
    const a = parseImportRow({ row: 2, cells: cells() }, config);
    const b = parseImportRow({ row: 9, cells: cells({ personal_code: ' 16117519997 ' }) }, config);
    expect(a.ok && b.ok).toBe(true);
    expect(a.ok && a.plan).toEqual(b.ok && b.plan);
    expect(a.ok && a.plan.measures).toEqual([
      {
        id: 'measure-learning_school-1',
        description: 'pedagoga konsultācijas',
        risk_ids: ['risk-learning_school'],
      },
    ]);
  });

  it('applies rule 5 on import: grade 3 before grades 1-4 joined is refused', () => {
    const r = parseImportRow(
      {
        row: 2,
        cells: cells({ semester: '2023/2024-2', application_on: '2024-01-05', prepared_on: '2024-01-06' }),
      },
      config,
    );
    expect(!r.ok && r.violations.map((v) => v.code)).toEqual(['SKOLNET_SUPPORT_GRADE_NOT_YET_IN_PROJECT']);
  });

  it('lists every fault of a row with its column', () => {
    const r = parseImportRow(
      {
        row: 4,
        cells: cells({ name: '', programme: 'vakara', application_on: '2026-02-30', semester: '2026' }),
      },
      config,
    );
    expect(!r.ok && r.violations.map((v) => [v.code, v.column])).toEqual([
      ['SKOLNET_SUPPORT_IMPORT_FIELD', 'name'],
      ['SKOLNET_SUPPORT_IMPORT_FIELD', 'programme'],
      ['SKOLNET_SUPPORT_SEMESTER_INVALID', 'semester'],
      ['SKOLNET_SUPPORT_IMPORT_FIELD', 'application_on'],
    ]);
  });
});
