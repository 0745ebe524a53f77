import { deflateRawSync } from 'node:zlib';

/**
 * Hand-built zip files (PKWARE APPNOTE.TXT 4.3) for tests of what reads
 * uploads: zip bombs, directories that lie, parts that overlap. Every
 * archive built here is synthetic; a test that needs a real workbook uses
 * a recorded one.
 */

/** One part of a {@link buildZip} archive. */
export interface ZipPart {
  /** Path inside the zip. */
  name: string;
  /** The unpacked bytes; deflated unless `stored`. */
  content: Buffer;
  /** Store without compression (method 0). */
  stored?: boolean;
  /** The unpacked size the directory claims, when it should lie; default the true size. */
  declared_bytes?: number;
}

/** Options of {@link buildZip}. */
export interface BuildZipOptions {
  /**
   * Extra central-directory entries that all point at the first part's
   * data (named `<name>.<n>`): the overlapping-part bomb, whose parts each
   * look ordinary while one deflated stream is counted many times.
   */
  overlapping_copies?: number;
}

/** A zip archive of `parts`, deflated (method 8) unless a part says stored. */
export function buildZip(parts: ZipPart[], options: BuildZipOptions = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  let first: { packed: number; unpacked: number; method: number; offset: number } | undefined;
  for (const part of parts) {
    const name = Buffer.from(part.name);
    const method = part.stored ? 0 : 8;
    const data = part.stored ? part.content : deflateRawSync(part.content);
    const unpacked = part.declared_bytes ?? part.content.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(unpacked, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, data);
    centrals.push(centralEntry(name, method, data.length, unpacked, offset));
    first ??= { packed: data.length, unpacked, method, offset };
    offset += local.length + name.length + data.length;
  }
  for (let n = 1; first && n <= (options.overlapping_copies ?? 0); n += 1) {
    const name = Buffer.from(`${parts[0]?.name ?? 'part'}.${n}`);
    centrals.push(centralEntry(name, first.method, first.packed, first.unpacked, first.offset));
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(centrals.length, 8);
  end.writeUInt16LE(centrals.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A central-directory entry and its name (APPNOTE 4.3.12), as two buffers joined. */
function centralEntry(
  name: Buffer,
  method: number,
  packed: number,
  unpacked: number,
  offset: number,
): Buffer {
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(packed, 20);
  central.writeUInt32LE(unpacked, 24);
  central.writeUInt16LE(name.length, 28);
  central.writeUInt32LE(offset, 42);
  return Buffer.concat([central, name]);
}
