/**
 * A gate in front of exceljs for uploaded workbooks. An XLSX is a zip
 * (ECMA-376 Part 2, Open Packaging Conventions), and exceljs hands it to
 * JSZip, which inflates every part into memory before anyone can count a
 * row: a zip bomb of a few hundred kilobytes claims gigabytes. This module
 * reads the zip's own central directory (PKWARE APPNOTE.TXT 6.3, sections
 * 4.3.12 and 4.3.16), refuses what an import never needs (too many parts,
 * too much unpacked data, a compression ratio no spreadsheet reaches,
 * overlapping or encrypted parts, ZIP64), then inflates each part once into
 * nothing but a byte counter, stopping at the size the directory declared,
 * so a directory that lies is caught with bounded memory too. Every XLSX
 * import (school register, pupil support, contracts) calls
 * {@link assertSafeXlsx} before exceljs sees the bytes.
 */
import { createInflateRaw } from 'node:zlib';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';

/** What an uploaded workbook may be; {@link XLSX_GUARD_LIMITS} holds the defaults. */
export interface XlsxGuardLimits {
  /** Most bytes all parts may unpack to together. */
  maxUnpackedBytes: number;
  /** Most parts (zip entries) the workbook may hold. */
  maxEntries: number;
  /** Highest unpacked/packed ratio of a part, and of the whole file, past the grace size. */
  maxRatio: number;
  /** A part (or the whole) that unpacks to no more than this many bytes is not held to the ratio. */
  ratioGraceBytes: number;
}

/**
 * Defaults for every import. Sources and reasons:
 * - `maxUnpackedBytes` 64 MiB: a school register export of 20,000 rows
 *   unpacks to well under 20 MiB (the register import's own limit, kept).
 * - `maxEntries` 1,000: an import workbook holds one part per sheet, style,
 *   theme, relationship and image, a few dozen at most (judgement, with a
 *   wide margin for workbooks saved with many sheets).
 * - `maxRatio` 100 with a 100 KiB grace: Apache POI's zip-bomb defaults
 *   (ZipSecureFile: minimum inflate ratio 0.01, checked past 100 KiB).
 *   Spreadsheet XML deflates by 5 to 30 times; 100 zeros deflate by
 *   about 1,000 times.
 */
export const XLSX_GUARD_LIMITS: Readonly<XlsxGuardLimits> = Object.freeze({
  maxUnpackedBytes: 64 * 1024 * 1024,
  maxEntries: 1_000,
  maxRatio: 100,
  ratioGraceBytes: 100 * 1024,
});

/** One part of a zip, as its central directory declares it. */
export interface ZipEntryInfo {
  /** Path of the part inside the zip (`xl/worksheets/sheet1.xml`). */
  name: string;
  /** Compression method: 0 stored, 8 deflate (APPNOTE 4.4.5). */
  method: number;
  /** General-purpose flags; bit 0 = encrypted (APPNOTE 4.4.4). */
  flags: number;
  /** Bytes of the part as stored in the zip. */
  packed_bytes: number;
  /** Bytes the part declares it unpacks to. */
  unpacked_bytes: number;
  /** Where the part's local header starts, in bytes from the start of the file. */
  local_header_offset: number;
}

// Signatures and fixed sizes (APPNOTE 4.3.7, 4.3.12, 4.3.16).
const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = 22;
const CENTRAL_BYTES = 46;
const LOCAL_BYTES = 30;
/** A zip comment is at most 65,535 bytes, so the end record lies within this much of the end. */
const MAX_COMMENT_BYTES = 0xffff;
/** The 16- and 32-bit values that mean "look in the ZIP64 record" (APPNOTE 4.4.1.4). */
const ZIP64_U16 = 0xffff;
const ZIP64_U32 = 0xffffffff;
const METHOD_STORED = 0;
const METHOD_DEFLATE = 8;
/** Bytes fed to the inflater at a time: keeps each step short on a shared event loop. */
const INFLATE_CHUNK_BYTES = 64 * 1024;

const tooLarge = (message: string): SkolnetError =>
  new SkolnetError(ErrorCodes.IMPORT_XLSX_TOO_LARGE, `the XLSX is refused: ${message}`);
const malformed = (message: string): SkolnetError =>
  new SkolnetError(ErrorCodes.IMPORT_XLSX_MALFORMED, `the XLSX is refused: ${message}`);

/**
 * The parts a zip's central directory declares, checked for structure only
 * (no size limits). Nothing is inflated.
 * @throws SkolnetError `SKOLNET_IMPORT_XLSX_MALFORMED` when there is no
 *   end record, the directory runs off the file, a part is not where it
 *   says, or the zip is split or ZIP64; `SKOLNET_IMPORT_XLSX_TOO_LARGE`
 *   when it declares more than `maxEntries` parts (read before the walk).
 */
export function readZipDirectory(
  bytes: Uint8Array,
  maxEntries: number = XLSX_GUARD_LIMITS.maxEntries,
): ZipEntryInfo[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = findEndRecord(view);
  if (eocd === undefined) {
    throw new SkolnetError(
      ErrorCodes.IMPORT_XLSX_MALFORMED,
      'the file is not an XLSX workbook: it is not a zip (no end of central directory record)',
    );
  }
  const disk = view.getUint16(eocd + 4, true);
  const directoryDisk = view.getUint16(eocd + 6, true);
  const entriesHere = view.getUint16(eocd + 8, true);
  const entries = view.getUint16(eocd + 10, true);
  const directoryBytes = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (entries === ZIP64_U16 || directoryOffset === ZIP64_U32 || directoryBytes === ZIP64_U32) {
    // ZIP64 is for parts over 4 GiB or 65,535 parts; no import is either.
    throw tooLarge('it is a ZIP64 archive, made for sizes no import reaches');
  }
  if (disk !== 0 || directoryDisk !== 0 || entriesHere !== entries) {
    throw malformed('it is a split (multi-disk) zip');
  }
  if (entries > maxEntries)
    throw tooLarge(`it has ${entries} parts; a workbook for import has at most ${maxEntries}`);
  if (directoryOffset + directoryBytes > eocd)
    throw malformed('its central directory runs past its end record');

  const parts: ZipEntryInfo[] = [];
  let at = directoryOffset;
  for (let i = 0; i < entries; i += 1) {
    if (at + CENTRAL_BYTES > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE) {
      throw malformed(`its central directory is damaged at part ${i + 1} of ${entries}`);
    }
    const nameBytes = view.getUint16(at + 28, true);
    const extraBytes = view.getUint16(at + 30, true);
    const commentBytes = view.getUint16(at + 32, true);
    const next = at + CENTRAL_BYTES + nameBytes + extraBytes + commentBytes;
    if (next > eocd) throw malformed(`its central directory is damaged at part ${i + 1} of ${entries}`);
    const part: ZipEntryInfo = {
      name: Buffer.from(bytes.buffer, bytes.byteOffset + at + CENTRAL_BYTES, nameBytes).toString('utf8'),
      flags: view.getUint16(at + 8, true),
      method: view.getUint16(at + 10, true),
      packed_bytes: view.getUint32(at + 20, true),
      unpacked_bytes: view.getUint32(at + 24, true),
      local_header_offset: view.getUint32(at + 42, true),
    };
    if (
      part.packed_bytes === ZIP64_U32 ||
      part.unpacked_bytes === ZIP64_U32 ||
      part.local_header_offset === ZIP64_U32
    ) {
      throw tooLarge(`part ${part.name} uses ZIP64 sizes, made for parts over 4 GiB`);
    }
    parts.push(part);
    at = next;
  }
  return parts;
}

/**
 * Refuses an uploaded XLSX that is unsafe to hand to exceljs, before it
 * does: too many parts, more unpacked bytes than `maxUnpackedBytes`, a
 * part or the whole with a compression ratio over `maxRatio`, parts that
 * overlap (one deflated stream counted many times) or are encrypted, or a
 * part that inflates past the size the directory declared. Inflates each
 * part once into a counter; memory stays at one chunk.
 * @throws SkolnetError `SKOLNET_IMPORT_XLSX_TOO_LARGE` (HTTP 413) or
 *   `SKOLNET_IMPORT_XLSX_MALFORMED` (HTTP 400), with a message that says which limit.
 */
export async function assertSafeXlsx(
  bytes: Uint8Array,
  limits: Readonly<XlsxGuardLimits> = XLSX_GUARD_LIMITS,
): Promise<void> {
  const parts = readZipDirectory(bytes, limits.maxEntries);
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;
  let total = 0;
  for (const part of parts) {
    total += part.unpacked_bytes;
    if (total > limits.maxUnpackedBytes) {
      throw tooLarge(
        `its parts unpack to more than ${mib(limits.maxUnpackedBytes)}; a workbook for import is far smaller`,
      );
    }
    const ratio = part.unpacked_bytes / Math.max(1, part.packed_bytes);
    if (part.unpacked_bytes > limits.ratioGraceBytes && ratio > limits.maxRatio) {
      throw tooLarge(
        `part ${part.name} unpacks ${Math.round(ratio)} times its packed size (at most ${limits.maxRatio}): a zip bomb, not a spreadsheet`,
      );
    }
    if ((part.flags & 1) !== 0) throw malformed(`part ${part.name} is encrypted`);
    if (part.method !== METHOD_STORED && part.method !== METHOD_DEFLATE) {
      throw malformed(`part ${part.name} uses compression method ${part.method}; XLSX uses deflate`);
    }
    if (part.method === METHOD_STORED && part.packed_bytes !== part.unpacked_bytes) {
      throw malformed(`stored part ${part.name} declares two sizes`);
    }
  }
  // The whole file too: many parts each under the ratio can still add up.
  if (total > limits.ratioGraceBytes && total / Math.max(1, bytes.length) > limits.maxRatio) {
    throw tooLarge(
      `it unpacks ${Math.round(total / bytes.length)} times its size (at most ${limits.maxRatio}): a zip bomb, not a spreadsheet`,
    );
  }
  const spans = dataSpans(bytes, parts);
  for (let i = 0; i < spans.length; i += 1) {
    const span = spans[i] as DataSpan;
    const nextStart = spans[i + 1]?.header ?? Number.POSITIVE_INFINITY;
    if (span.end > nextStart) {
      // Overlapping parts share one deflated stream: the bomb that stays under every per-part ratio.
      throw malformed(`part ${span.part.name} overlaps the next part`);
    }
  }
  for (const span of spans) {
    if (span.part.method === METHOD_DEFLATE)
      await checkInflatedSize(bytes.subarray(span.start, span.end), span.part);
  }
}

/** Where a part's stored bytes lie in the file. */
interface DataSpan {
  part: ZipEntryInfo;
  /** Offset of the local header. */
  header: number;
  /** Offset of the first stored byte. */
  start: number;
  /** Offset just past the last stored byte. */
  end: number;
}

/** Every part's data span, by file position; checks each local header. */
function dataSpans(bytes: Uint8Array, parts: ZipEntryInfo[]): DataSpan[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const spans = parts.map((part): DataSpan => {
    const header = part.local_header_offset;
    if (header + LOCAL_BYTES > bytes.length || view.getUint32(header, true) !== LOCAL_SIGNATURE) {
      throw malformed(`part ${part.name} is not where the central directory says`);
    }
    // The local header's own name and extra lengths place the data (APPNOTE 4.3.7).
    const start =
      header + LOCAL_BYTES + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
    const end = start + part.packed_bytes;
    if (end > bytes.length) throw malformed(`part ${part.name} runs past the end of the file`);
    return { part, header, start, end };
  });
  return spans.sort((a, b) => a.header - b.header);
}

/** The end record's offset: the last signature whose comment ends exactly at the end of the file. */
function findEndRecord(view: DataView): number | undefined {
  const lowest = Math.max(0, view.byteLength - EOCD_BYTES - MAX_COMMENT_BYTES);
  for (let at = view.byteLength - EOCD_BYTES; at >= lowest; at -= 1) {
    if (view.getUint32(at, true) !== EOCD_SIGNATURE) continue;
    // A signature inside the comment or the data is not the record.
    if (at + EOCD_BYTES + view.getUint16(at + 20, true) === view.byteLength) return at;
  }
  return undefined;
}

/**
 * Inflates one deflated part into a counter, stopping as soon as it passes
 * the size its directory entry declared.
 */
async function checkInflatedSize(packed: Uint8Array, part: ZipEntryInfo): Promise<void> {
  const inflater = createInflateRaw();
  let produced = 0;
  let overran = false;
  const done = new Promise<void>((resolve, reject) => {
    inflater.on('data', (chunk: Buffer) => {
      produced += chunk.length;
      if (produced > part.unpacked_bytes && !overran) {
        overran = true;
        inflater.destroy();
        resolve();
      }
    });
    inflater.on('end', resolve);
    inflater.on('close', resolve);
    inflater.on('error', reject);
  });
  for (let at = 0; at < packed.length && !overran; at += INFLATE_CHUNK_BYTES) {
    const chunk = packed.subarray(at, at + INFLATE_CHUNK_BYTES);
    // Wait for the inflater to drain before feeding more: memory stays at one chunk.
    if (!inflater.write(chunk)) {
      // A destroyed inflater never drains: its close ends the wait as well.
      await new Promise<void>((resolve) => {
        inflater.once('drain', resolve);
        inflater.once('close', resolve);
      });
    }
  }
  if (!overran) inflater.end();
  try {
    await done;
  } catch (err) {
    throw new SkolnetError(
      ErrorCodes.IMPORT_XLSX_MALFORMED,
      `the XLSX is refused: part ${part.name} does not inflate`,
      {
        cause: err,
      },
    );
  }
  if (overran) {
    throw tooLarge(`part ${part.name} inflates past the ${part.unpacked_bytes} bytes its directory declares`);
  }
  if (produced !== part.unpacked_bytes) {
    throw malformed(
      `part ${part.name} inflates to ${produced} bytes, not the ${part.unpacked_bytes} declared`,
    );
  }
}
