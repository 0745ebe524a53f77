import { readFile } from 'node:fs/promises';
import type { Measurement } from '@skolnet/shared/core';
import { ErrorCodes, SkolnetError, describeError, isSkolnetError } from '@skolnet/shared/core';
import { parseSavedScan } from '../probes/wifi/wifi-import.js';
import { WIFI_SCAN_MEASUREMENT, sampleMeasurements } from '../probes/wifi/wifi-measurements.js';
import { MeasurementAccumulator } from '../runtime/measurement-accumulator.js';
import type { CommandContext } from './command-context.js';
import { EXIT_OK } from './command-context.js';
import { checkRoom, deliverResults } from './survey-command.js';

/** Options of `skolnet-agent wifi import FILE`. */
export interface WifiImportOptions {
  room: string;
  roomUse?: string;
  json?: boolean;
  state?: string;
}

/**
 * Decodes a saved file. PowerShell 5's `>` writes UTF-16LE with a byte
 * order mark, which is how `netsh … > scan.txt` lands on most Windows
 * machines; everything else is read as UTF-8.
 */
export function decodeSavedText(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * `skolnet-agent wifi import FILE --room NAME`: reads a scan saved on a
 * machine without the agent (netsh, iw, nmcli or system_profiler output,
 * format detected) and turns it into the same room-tagged results the
 * `wifi` probe produces, stored like `survey` results.
 */
export async function runWifiImportCommand(
  file: string,
  options: WifiImportOptions,
  ctx: CommandContext,
): Promise<number> {
  const roomUse = options.roomUse ?? 'teaching';
  checkRoom(options.room, roomUse);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `cannot read ${file}: ${describeError(err)}`, {
      cause: err,
    });
  }
  let observation;
  try {
    observation = parseSavedScan(decodeSavedText(bytes));
  } catch (err) {
    if (isSkolnetError(err, ErrorCodes.WIFI_FORMAT_UNKNOWN))
      throw new SkolnetError(ErrorCodes.CLI_BAD_ARGUMENT, `${file}: ${err.message} (${err.code})`, {
        cause: err,
      });
    throw err;
  }
  const damaged = observation.skipped > 0 ? `, ${observation.skipped} damaged entries skipped` : '';
  // A file that yields nothing is not a survey of an empty room: storing a
  // "success" with no network would count the room as not covered.
  if (observation.networks.length === 0 && observation.links.length === 0) {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `${file}: ${observation.format} output, but no network and no connection could be read from it${damaged} (Wi-Fi off, or the scan saved before it finished?): nothing imported`,
    );
  }
  ctx.io.stderr(
    `${file}: ${observation.format} output, ${observation.networks.length} BSSIDs, ${observation.links.length} connections${damaged}\n`,
  );
  const at = ctx.now();
  const acc = new MeasurementAccumulator('wifi', ctx.now);
  const produced = sampleMeasurements({
    source: observation.format,
    result: 'success',
    links: observation.links,
    disconnected: [],
    networks: observation.networks,
    tags: { room: options.room, room_use: roomUse },
  });
  for (const m of produced) {
    const fields = m.measurement === WIFI_SCAN_MEASUREMENT ? { ...m.fields, imported: true } : m.fields;
    acc.add(m.measurement, fields, m.tags, at);
  }
  for (const err of acc.errors) ctx.io.stderr(`skipped: ${describeError(err)}\n`);
  const measurements: Measurement[] = [...acc.measurements];
  deliverResults(measurements, options, ctx);
  return EXIT_OK;
}
