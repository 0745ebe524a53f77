import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { buildZip } from '../../../test/support/zip.js';
import {
  MAX_REGISTER_ROWS,
  MAX_XLSX_UNPACKED_BYTES,
  RegisterFileCodes,
  readRegisterFile,
  zipUnpackedBytes,
} from './register-file.js';

// Synthetic files in the shape of the national register's export (no real school's data).
const HEADER =
  'Reģistrācijas numurs;Nosaukums;Pašvaldība;Adrese;Platums;Garums;Izglītojamo skaits;Iestādes veids';
const ROW =
  '4313900251;Cēsu Valsts ģimnāzija;Cēsu novads;"Leona Paegles iela 1; Cēsis";57,3125;25,2712;600;Vispārējās izglītības iestāde';

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const rejection = async (bytes: Uint8Array, name?: string): Promise<{ code: string; message: string }> => {
  try {
    await readRegisterFile(bytes, name);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected the file to be refused');
};

describe('reading a register file', () => {
  it('reads a semicolon CSV with a byte order mark, as Excel in a Latvian locale saves it', async () => {
    const file = await readRegisterFile(utf8(`\ufeff${HEADER}\r\n${ROW}\r\n`));
    expect(file.delimiter).toBe(';');
    expect(file.header[0]).toBe('Reģistrācijas numurs');
    expect(file.rows).toEqual([
      {
        row: 2,
        cells: [
          '4313900251',
          'Cēsu Valsts ģimnāzija',
          'Cēsu novads',
          'Leona Paegles iela 1; Cēsis',
          '57,3125',
          '25,2712',
          '600',
          'Vispārējās izglītības iestāde',
        ].map((text) => ({ text })),
      },
    ]);
  });

  it('reads a comma CSV with quoted commas, doubled quotes and a line break inside a cell, LF line ends', async () => {
    const text =
      'registration_number,name,municipality,pupils\n1,"Skola ""A"", Rīga",Rīga,5\n2,"Two\nlines",Rīga,6\n';
    const file = await readRegisterFile(utf8(text));
    expect(file.delimiter).toBe(',');
    expect(file.rows.map((r) => [r.row, r.cells[1]])).toEqual([
      [2, { text: 'Skola "A", Rīga' }],
      [3, { text: 'Two\nlines' }],
    ]);
  });

  it('counts blank rows instead of dropping them silently', async () => {
    const file = await readRegisterFile(utf8(`${HEADER}\n\n${ROW}\n;;;;;;;\n`));
    expect(file.rows.map((r) => r.row)).toEqual([3]);
    expect(file.blank_rows).toEqual([2, 4]);
  });

  it('reads UTF-16 with its byte order mark (Excel’s "Unicode text")', async () => {
    const text = `${HEADER.replaceAll(';', '\t')}\r\n`;
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const file = await readRegisterFile(bytes);
    expect(file.delimiter).toBe('\t');
    expect(file.header[2]).toBe('Pašvaldība');
  });

  it('refuses Windows-1257 text by name, with what to do', async () => {
    // "Pašvaldība" in Windows-1257: š = 0xF0, ī = 0xEE, not valid UTF-8.
    const bytes = Buffer.from([
      ...Buffer.from('Pa'),
      0xf0,
      ...Buffer.from('vald'),
      0xee,
      ...Buffer.from('ba;x\r\n'),
    ]);
    const err = await rejection(bytes);
    expect(err.code).toBe(ErrorCodes.API_BAD_REQUEST);
    expect(err.message).toContain(RegisterFileCodes.ENCODING);
    expect(err.message).toContain('CSV UTF-8');
  });

  it('refuses an empty file, a header-only blank file, an unclosed quote and an old .xls', async () => {
    expect((await rejection(new Uint8Array())).message).toContain(RegisterFileCodes.EMPTY);
    expect((await rejection(utf8('\n;;\n'))).message).toContain(RegisterFileCodes.EMPTY);
    expect((await rejection(utf8(`${HEADER}\n1;"open\n`))).message).toMatch(
      new RegExp(`line 2.*${RegisterFileCodes.UNCLOSED_QUOTE}`),
    );
    const ole2 = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
    expect((await rejection(ole2, 'register.xls')).message).toContain(RegisterFileCodes.FORMAT);
  });

  it('refuses more rows than a register has, before reading them all', async () => {
    const text = `${HEADER}\n${`${ROW}\n`.repeat(MAX_REGISTER_ROWS + 1)}`;
    expect((await rejection(utf8(text))).message).toContain(RegisterFileCodes.TOO_MANY_ROWS);
  });

  it('reads an XLSX written by exceljs, keeping formulas as formulas, never their results', async () => {
    const workbook = new ExcelJS.Workbook();
    const sheet = workbook.addWorksheet('Iestādes');
    sheet.addRow(HEADER.split(';'));
    sheet.addRow([
      '4313900251',
      'Cēsu Valsts ģimnāzija',
      'Cēsu novads',
      'Leona Paegles iela 1',
      57.3125,
      25.2712,
      600,
    ]);
    sheet.addRow(['4313900252', { formula: 'HYPERLINK("http://example.invalid","x")', result: 'x' }, 'Rīga']);
    sheet.addRow([{ richText: [{ text: '43139' }, { text: '00253' }] }, 'Rich', 'Rīga', null, null, null, 1]);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const file = await readRegisterFile(bytes);
    expect(file.format).toBe('xlsx');
    expect(file.rows[0]?.cells.slice(4, 7)).toEqual([
      { text: '57.3125' },
      { text: '25.2712' },
      { text: '600' },
    ]);
    expect(file.rows[1]?.cells[1]).toEqual({ formula: 'HYPERLINK("http://example.invalid","x")' });
    expect(file.rows[2]?.cells[0]).toEqual({ text: '4313900253' });
  });

  it('refuses a zip bomb by its directory, before inflating anything', async () => {
    // 80 MiB of zeros deflate to about 80 KiB: a real, small bomb.
    const size = 80 * 1024 * 1024;
    const bomb = buildZip([{ name: 'xl/worksheets/sheet1.xml', content: Buffer.alloc(size) }]);
    expect(bomb.length).toBeLessThan(200_000);
    expect(zipUnpackedBytes(bomb)).toBe(size);
    expect(size).toBeGreaterThan(MAX_XLSX_UNPACKED_BYTES);
    expect((await rejection(bomb)).message).toContain(RegisterFileCodes.TOO_LARGE);
  });

  it('refuses a damaged XLSX with the reader’s reason', async () => {
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('x').addRow(['a']);
    const bytes = new Uint8Array(await workbook.xlsx.writeBuffer());
    const cut = bytes.subarray(0, Math.floor(bytes.length / 2));
    expect((await rejection(cut)).message).toContain(RegisterFileCodes.FORMAT);
  });
});
