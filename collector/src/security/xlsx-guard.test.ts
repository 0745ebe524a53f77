import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError, type ErrorCode } from '@skolnet/shared';
import { buildZip } from '../../../test/support/zip.js';
import { readRegisterFile } from '../schools/register-file.js';
import { readContractWorkbook } from '../services/contract-xlsx.js';
import { readImportFile } from '../services/support-import-service.js';
import { XLSX_GUARD_LIMITS, assertSafeXlsx, readZipDirectory } from './xlsx-guard.js';

/** Recorded: written by LibreOffice 5.1.6.2 on Linux (testcases/README.md). */
const libreOffice = readFileSync(new URL('./testcases/libreoffice-5.1-date.xlsx', import.meta.url));

const MiB = 1024 * 1024;
const limits = XLSX_GUARD_LIMITS;

/** The code a promise rejects with (fails when it resolves or throws something else). */
async function codeOf(work: Promise<unknown>): Promise<ErrorCode> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isSkolnetError(err)) throw new Error(`expected a SkolnetError, got ${String(err)}`);
  return err.code;
}

/** Synthetic: one sheet of zeros; `unpacked` bytes deflate to about a thousandth. */
const zerosBomb = (unpacked: number): Buffer =>
  buildZip([{ name: 'xl/worksheets/sheet1.xml', content: Buffer.alloc(unpacked) }]);

describe('assertSafeXlsx', () => {
  it('passes a real workbook, which exceljs then reads', async () => {
    expect(readZipDirectory(libreOffice).map((p) => p.name)).toContain('xl/worksheets/sheet1.xml');
    await assertSafeXlsx(libreOffice);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(libreOffice as unknown as ArrayBuffer);
    expect(book.worksheets[0]?.getCell('A1').value).toBe('Date');
  });

  it('passes a large workbook as a spreadsheet program writes it', async () => {
    // A register-sized sheet: text that repeats (municipalities) and numbers that do not.
    const book = new ExcelJS.Workbook();
    const sheet = book.addWorksheet('Skolas');
    sheet.addRow(['Reģ. nr.', 'Nosaukums', 'Novads', 'Adrese', 'Platums', 'Garums', 'Skolēni']);
    for (let i = 0; i < 3_000; i += 1) {
      sheet.addRow([
        String(4313900000 + i),
        `Skola ${i}`,
        i % 2 ? 'Cēsu novads' : 'Rīga',
        `Iela ${i % 300}`,
        56 + (i % 997) / 1000,
        24 + (i % 991) / 1000,
        i % 900,
      ]);
    }
    const bytes = new Uint8Array(await book.xlsx.writeBuffer());
    const sheetPart = readZipDirectory(bytes).find((p) => p.name === 'xl/worksheets/sheet1.xml');
    // Past the grace size, so the ratio is held against it, and well under the limit.
    expect(sheetPart?.unpacked_bytes).toBeGreaterThan(limits.ratioGraceBytes);
    expect((sheetPart?.unpacked_bytes ?? 0) / (sheetPart?.packed_bytes ?? 1)).toBeLessThan(
      limits.maxRatio / 4,
    );
    await assertSafeXlsx(bytes);
  });

  it('refuses a zip bomb by the unpacked size its directory declares', async () => {
    const bomb = zerosBomb(limits.maxUnpackedBytes + MiB);
    expect(bomb.length).toBeLessThan(limits.maxUnpackedBytes / limits.maxRatio);
    expect(await codeOf(assertSafeXlsx(bomb))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('refuses a part whose compression ratio no spreadsheet reaches, under the size limit', async () => {
    const bomb = zerosBomb(8 * MiB);
    expect(8 * MiB).toBeLessThan(limits.maxUnpackedBytes);
    await expect(assertSafeXlsx(bomb)).rejects.toThrow(/unpacks \d+ times its packed size/);
    expect(await codeOf(assertSafeXlsx(bomb))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('refuses a directory that understates a part, with memory bounded by the declared size', async () => {
    // Declares 1,000 bytes (ratio under the limit); inflates to 32 MiB.
    const liar = buildZip([
      { name: 'xl/sharedStrings.xml', content: Buffer.alloc(32 * MiB), declared_bytes: 1_000 },
    ]);
    await expect(assertSafeXlsx(liar)).rejects.toThrow(/inflates past the 1000 bytes/);
    expect(await codeOf(assertSafeXlsx(liar))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('refuses a directory that overstates a part', async () => {
    const liar = buildZip([
      { name: 'xl/workbook.xml', content: Buffer.from('<workbook/>'), declared_bytes: 5_000 },
    ]);
    expect(await codeOf(assertSafeXlsx(liar))).toBe(ErrorCodes.IMPORT_XLSX_MALFORMED);
  });

  it('refuses parts that overlap, each ordinary on its own', async () => {
    // 90 KiB that does not compress, counted 60 times: every ratio is near 1.
    const bomb = buildZip([{ name: 'xl/worksheets/sheet1.xml', content: randomBytes(90 * 1024) }], {
      overlapping_copies: 59,
    });
    expect(readZipDirectory(bomb)).toHaveLength(60);
    await expect(assertSafeXlsx(bomb)).rejects.toThrow(/overlaps/);
    expect(await codeOf(assertSafeXlsx(bomb))).toBe(ErrorCodes.IMPORT_XLSX_MALFORMED);
  });

  it('refuses more parts than a workbook for import holds, before walking them', async () => {
    const parts = Array.from({ length: limits.maxEntries + 1 }, (_, i) => ({
      name: `xl/media/p${i}.bin`,
      content: Buffer.from([i % 256]),
      stored: true,
    }));
    expect(await codeOf(assertSafeXlsx(buildZip(parts)))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('refuses what is not a zip, a cut zip and an encrypted part as malformed', async () => {
    expect(await codeOf(assertSafeXlsx(Buffer.from('Reģ. nr.;Nosaukums\n')))).toBe(
      ErrorCodes.IMPORT_XLSX_MALFORMED,
    );
    expect(await codeOf(assertSafeXlsx(libreOffice.subarray(0, libreOffice.length - 30)))).toBe(
      ErrorCodes.IMPORT_XLSX_MALFORMED,
    );
    const encrypted = Buffer.from(libreOffice);
    const [first] = readZipDirectory(encrypted);
    const directoryAt = encrypted.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    encrypted.writeUInt16LE((first?.flags ?? 0) | 1, directoryAt + 8);
    await expect(assertSafeXlsx(encrypted)).rejects.toThrow(/encrypted/);
  });
});

describe('every XLSX import goes through the guard before exceljs', () => {
  // Under the register's own 64 MiB directory check, over the ratio: only the guard refuses it.
  const bomb = zerosBomb(8 * MiB);

  it('the school register', async () => {
    expect(await codeOf(readRegisterFile(bomb, 'register.xlsx'))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('pupil-support records', async () => {
    expect(await codeOf(readImportFile(bomb, 'xlsx'))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('contracts', async () => {
    expect(await codeOf(readContractWorkbook(bomb))).toBe(ErrorCodes.IMPORT_XLSX_TOO_LARGE);
  });

  it('and each still reads the real workbook', async () => {
    expect((await readContractWorkbook(libreOffice))[0]).toEqual(['Date']);
    expect((await readImportFile(libreOffice, 'xlsx'))[0]).toEqual(['Date']);
    expect((await readRegisterFile(libreOffice, 'register.xlsx')).header).toEqual(['Date']);
  });
});
