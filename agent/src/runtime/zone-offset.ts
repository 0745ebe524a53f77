import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TzifZone } from './tzif-zone.js';

/**
 * Where the compiled IANA time zone database lives on Linux and macOS
 * (tzfile(5)). `TZDIR` overrides it, as it does for the C library.
 */
export const DEFAULT_ZONEINFO_DIR = '/usr/share/zoneinfo';

/**
 * How long a zone read from its file is trusted, in ms. The agent runs for
 * months; a tzdata update (a country ends daylight saving time) then takes
 * effect within a day instead of at the next restart.
 */
const ZONE_RELOAD_MS = 24 * 3600 * 1000;

/**
 * What a zone name must look like before it becomes part of a file path:
 * IANA names are letters, digits, `_`, `+`, `-` in `/`-separated parts. No
 * dots, so no `..`, and no leading `/`: a pushed timetable cannot point the
 * agent at another file.
 */
const ZONE_NAME = /^[A-Za-z0-9_+-]+(?:\/[A-Za-z0-9_+-]+)*$/;

/** Where an offset comes from: a zone's TZif file, or Intl where none exists (Windows). */
interface OffsetSource {
  offsetAt(ms: number): number;
  /** When it was read, by the monotonic clock, in ms; undefined for Intl (built into the runtime). */
  loadedAt?: number;
}

/** Zones found so far, by directory, fallback and name; unknown names are not kept. */
const sources = new Map<string, OffsetSource>();

/** The zone's TZif file, or undefined when there is none or it cannot be read. */
function fromZoneinfo(timeZone: string, dir: string): OffsetSource | undefined {
  if (!ZONE_NAME.test(timeZone)) return undefined;
  try {
    const zone = TzifZone.parse(readFileSync(join(dir, timeZone)));
    return { offsetAt: (ms) => zone.offsetAt(ms), loadedAt: performance.now() };
  } catch {
    return undefined;
  }
}

/**
 * The offset through `Intl`, for hosts without a zoneinfo directory (Windows)
 * or a name only ICU knows (a differently cased alias). Costs the ICU data
 * (about 8 MB resident) from its first use, so it is the fallback only.
 */
function fromIntl(timeZone: string): OffsetSource | undefined {
  let format: Intl.DateTimeFormat;
  try {
    // en-US with h23 gives plain numbers; the locale does not matter for the fields.
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  return {
    offsetAt(ms) {
      const p: Record<string, string> = {};
      for (const part of format.formatToParts(ms)) p[part.type] = part.value;
      const wall = Date.UTC(
        Number(p.year),
        Number(p.month) - 1,
        Number(p.day),
        Number(p.hour),
        Number(p.minute),
        Number(p.second),
      );
      // Years before 100 would be taken as 19xx by Date.UTC; no timetable reaches them.
      return wall - Math.floor(ms / 1000) * 1000;
    },
  };
}

/** Options of {@link zoneOffset}; tests point it elsewhere. */
export interface ZoneOffsetOptions {
  /** Directory of TZif files. Default: `$TZDIR`, else {@link DEFAULT_ZONEINFO_DIR}. */
  zoneinfoDir?: string;
  /** Allow the Intl fallback (default true); tests turn it off to exercise the TZif path alone. */
  intl?: boolean;
}

function source(timeZone: string, options: ZoneOffsetOptions): OffsetSource | undefined {
  const dir = options.zoneinfoDir ?? process.env.TZDIR ?? DEFAULT_ZONEINFO_DIR;
  const intl = options.intl ?? true;
  const key = `${dir}\0${intl}\0${timeZone}`;
  let s = sources.get(key);
  if (s === undefined || (s.loadedAt !== undefined && performance.now() - s.loadedAt > ZONE_RELOAD_MS)) {
    s = fromZoneinfo(timeZone, dir) ?? (intl ? fromIntl(timeZone) : undefined);
    if (s) sources.set(key, s);
    else sources.delete(key);
  }
  return s;
}

/**
 * Offset of `timeZone` (an IANA name) from UTC at instant `ms`, in ms
 * (Riga: +2 h in winter, +3 h in summer), from the system's TZif file where
 * there is one, else through Intl. Undefined when the zone is unknown.
 */
export function zoneOffset(
  timeZone: string,
  ms: number,
  options: ZoneOffsetOptions = {},
): number | undefined {
  return source(timeZone, options)?.offsetAt(ms);
}
