import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { missingComponent } from '../../../test/support/real-component.js';
import { TzifZone, parsePosixTz, posixOffsetAt } from './tzif-zone.js';
import { DEFAULT_ZONEINFO_DIR, zoneOffset } from './zone-offset.js';

const HOUR_S = 3600;
const s = (iso: string): number => Date.parse(iso) / 1000;

/**
 * The offset, in ms, through Intl (the agent's own fallback, reached with a
 * directory that holds no TZif files): the reference the TZif path must
 * agree with. The fallback itself is checked against known offsets below.
 */
const noZoneinfo = mkdtempSync(join(tmpdir(), 'skolnet-no-zoneinfo-'));
afterAll(() => rmSync(noZoneinfo, { recursive: true, force: true }));
function intlOffset(timeZone: string, ms: number): number {
  const offset = zoneOffset(timeZone, ms, { zoneinfoDir: noZoneinfo });
  if (offset === undefined) throw new Error(`Intl does not know ${timeZone}`);
  return offset;
}

/**
 * A TZif file built by hand: `transitions` as [instant in s, type index],
 * `types` as [offset in s, is DST]; version 1 carries 32-bit data only,
 * version 2 carries both blocks and `footer`.
 */
function tzif(
  version: 1 | 2,
  transitions: [number, number][],
  types: [number, boolean][],
  footer = '',
  leapSeconds = 0,
): Uint8Array {
  const chars = [...'LMT\0'].map((c) => c.charCodeAt(0));
  const header = (): number[] => {
    const out = [...'TZif'].map((c) => c.charCodeAt(0));
    out.push(version === 1 ? 0 : 0x32, ...new Array<number>(15).fill(0));
    for (const n of [0, 0, leapSeconds, transitions.length, types.length, chars.length]) {
      out.push((n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255);
    }
    return out;
  };
  const int = (n: number, size: 4 | 8): number[] => {
    const b = new DataView(new ArrayBuffer(size));
    if (size === 4) b.setInt32(0, n);
    else b.setBigInt64(0, BigInt(n));
    return [...new Uint8Array(b.buffer)];
  };
  const block = (size: 4 | 8): number[] => [
    ...transitions.flatMap(([t]) => int(t, size)),
    ...transitions.map(([, type]) => type),
    ...types.flatMap(([off, dst]) => [...int(off, 4), dst ? 1 : 0, 0]),
    ...chars,
    ...new Array<number>(leapSeconds * (size + 4)).fill(0),
  ];
  const bytes = [...header(), ...block(4)];
  if (version === 2)
    bytes.push(...header(), ...block(8), 0x0a, ...[...footer].map((c) => c.charCodeAt(0)), 0x0a);
  return Uint8Array.from(bytes);
}

describe('POSIX TZ footer rules', () => {
  it('reads standard time alone, with minutes, quoted names and either sign', () => {
    expect(parsePosixTz('UTC0')).toEqual({ stdOffsetS: 0 });
    expect(parsePosixTz('<+0530>-5:30')).toEqual({ stdOffsetS: 5.5 * HOUR_S });
    expect(parsePosixTz('<-03>3')).toEqual({ stdOffsetS: -3 * HOUR_S });
    expect(parsePosixTz('EST+5')).toEqual({ stdOffsetS: -5 * HOUR_S });
  });

  it('places the EU changes on the last Sundays of March and October', () => {
    const riga = parsePosixTz('EET-2EEST,M3.5.0/3,M10.5.0/4');
    // 2026-03-29 01:00 UTC (03:00 EET) and 2026-10-25 01:00 UTC (04:00 EEST).
    expect(posixOffsetAt(riga, s('2026-03-29T00:59:59Z'))).toBe(2 * HOUR_S);
    expect(posixOffsetAt(riga, s('2026-03-29T01:00:00Z'))).toBe(3 * HOUR_S);
    expect(posixOffsetAt(riga, s('2026-10-25T00:59:59Z'))).toBe(3 * HOUR_S);
    expect(posixOffsetAt(riga, s('2026-10-25T01:00:00Z'))).toBe(2 * HOUR_S);
    // A year whose last Sunday of March is the 31st.
    expect(posixOffsetAt(riga, s('2024-03-31T00:59:59Z'))).toBe(2 * HOUR_S);
    expect(posixOffsetAt(riga, s('2024-03-31T01:00:00Z'))).toBe(3 * HOUR_S);
  });

  it('handles daylight time across New Year (southern hemisphere)', () => {
    const sydney = parsePosixTz('AEST-10AEDT,M10.1.0,M4.1.0/3');
    expect(posixOffsetAt(sydney, s('2026-01-15T00:00:00Z'))).toBe(11 * HOUR_S);
    expect(posixOffsetAt(sydney, s('2026-07-15T00:00:00Z'))).toBe(10 * HOUR_S);
    // Ends 2026-04-05 03:00 AEDT = 2026-04-04 16:00 UTC; starts 2026-10-04 02:00 AEST = 2026-10-03 16:00 UTC.
    expect(posixOffsetAt(sydney, s('2026-04-04T15:59:59Z'))).toBe(11 * HOUR_S);
    expect(posixOffsetAt(sydney, s('2026-04-04T16:00:00Z'))).toBe(10 * HOUR_S);
    expect(posixOffsetAt(sydney, s('2026-10-03T15:59:59Z'))).toBe(10 * HOUR_S);
    expect(posixOffsetAt(sydney, s('2026-10-03T16:00:00Z'))).toBe(11 * HOUR_S);
  });

  it('handles negative daylight saving time, negative rule times and all-year daylight time', () => {
    // Dublin: IST (+1) is standard, GMT in winter is the "daylight" part.
    const dublin = parsePosixTz('IST-1GMT0,M10.5.0,M3.5.0/1');
    expect(posixOffsetAt(dublin, s('2026-01-15T12:00:00Z'))).toBe(0);
    expect(posixOffsetAt(dublin, s('2026-07-15T12:00:00Z'))).toBe(HOUR_S);
    // Nuuk: changes at -02:00 and -01:00 local time (RFC 8536 3.3.1).
    const nuuk = parsePosixTz('<-02>2<-01>,M3.5.0/-1,M10.5.0/0');
    expect(posixOffsetAt(nuuk, s('2026-03-28T23:59:59Z'))).toBe(-2 * HOUR_S);
    expect(posixOffsetAt(nuuk, s('2026-03-29T01:00:00Z'))).toBe(-HOUR_S);
    // Daylight time all year: starts 1 January 00:00, ends 31 December 25:00.
    const always = parsePosixTz('EST5EDT,0/0,J365/25');
    for (const iso of [
      '2026-01-01T05:00:00Z',
      '2026-06-01T00:00:00Z',
      '2026-12-31T23:00:00Z',
      '2028-02-29T12:00:00Z',
    ]) {
      expect(posixOffsetAt(always, s(iso))).toBe(-4 * HOUR_S);
    }
  });

  it('counts Julian days with and without 29 February', () => {
    // J60 is 1 March in every year; 59 (zero-based) is 29 February in a leap year.
    const j = parsePosixTz('AAA0BBB,J60/0,J300/0');
    expect(posixOffsetAt(j, s('2028-02-29T23:59:59Z'))).toBe(0);
    expect(posixOffsetAt(j, s('2028-03-01T00:00:00Z'))).toBe(HOUR_S);
    const zero = parsePosixTz('AAA0BBB,59/0,300/0');
    expect(posixOffsetAt(zero, s('2028-02-28T23:59:59Z'))).toBe(0);
    expect(posixOffsetAt(zero, s('2028-02-29T00:00:00Z'))).toBe(HOUR_S);
  });

  it('rejects what it cannot read', () => {
    for (const bad of [
      '',
      'E-2',
      'EET-2EEST',
      'EET-2EEST,M3.5.0',
      'EET-2EEST,M13.1.0,M10.5.0',
      'EET-2EEST,M3.5.0,M10.5.0x',
      'EET',
    ]) {
      expect(() => parsePosixTz(bad), bad).toThrow(/POSIX TZ string/);
    }
  });
});

describe('TZif files built by hand', () => {
  it('uses type 0 before the first transition, the table between, and the footer after the last', () => {
    const zone = TzifZone.parse(
      tzif(
        2,
        [
          [s('2000-01-01T00:00:00Z'), 1],
          [s('2001-01-01T00:00:00Z'), 2],
        ],
        [
          [1800, false],
          [HOUR_S, false],
          [2 * HOUR_S, false],
        ],
        'EET-2EEST,M3.5.0/3,M10.5.0/4',
      ),
    );
    expect(zone.offsetAt(Date.parse('1999-12-31T23:59:59Z'))).toBe(1800_000);
    expect(zone.offsetAt(Date.parse('2000-01-01T00:00:00Z'))).toBe(3600_000);
    expect(zone.offsetAt(Date.parse('2000-12-31T23:59:59.999Z'))).toBe(3600_000);
    expect(zone.offsetAt(Date.parse('2001-01-01T00:00:00Z'))).toBe(7200_000);
    expect(zone.offsetAt(Date.parse('2030-07-01T00:00:00Z'))).toBe(10_800_000);
  });

  it('uses the footer alone when there is no transition (a slim file)', () => {
    const zone = TzifZone.parse(tzif(2, [], [[2 * HOUR_S, false]], 'EET-2EEST,M3.5.0/3,M10.5.0/4'));
    expect(zone.offsetAt(Date.parse('2026-01-01T00:00:00Z'))).toBe(7200_000);
    expect(zone.offsetAt(Date.parse('2026-07-01T00:00:00Z'))).toBe(10_800_000);
  });

  it('keeps the last type after the last transition without a footer, and reads version 1', () => {
    for (const version of [1, 2] as const) {
      const zone = TzifZone.parse(
        tzif(
          version,
          [[s('2000-01-01T00:00:00Z'), 1]],
          [
            [0, false],
            [-5 * HOUR_S, false],
          ],
        ),
      );
      expect(zone.offsetAt(Date.parse('1990-01-01T00:00:00Z'))).toBe(0);
      expect(zone.offsetAt(Date.parse('2090-01-01T00:00:00Z'))).toBe(-5 * 3600_000);
    }
  });

  it('rejects what is not a TZif file it can read', () => {
    expect(() => TzifZone.parse(new TextEncoder().encode('# tzdata zone.tab\n'))).toThrow(/not a TZif/);
    const good = tzif(2, [[0, 0]], [[0, false]], 'UTC0');
    expect(() => TzifZone.parse(good.subarray(0, good.length - 20))).toThrow(/truncated|not a TZif|footer/);
    expect(() => TzifZone.parse(tzif(2, [[0, 0]], [[0, false]], 'UTC0', 1))).toThrow(/leap seconds/);
    expect(() => TzifZone.parse(tzif(2, [[0, 3]], [[0, false]], 'UTC0'))).toThrow(/no type/);
  });
});

const skipZoneinfo = missingComponent(
  'the system time zone database',
  existsSync(join(DEFAULT_ZONEINFO_DIR, 'Europe/Riga')),
  `no TZif files in ${DEFAULT_ZONEINFO_DIR}; install tzdata`,
);

/**
 * Zones that test what a DST rule can do: EU rules (Riga, the default),
 * North America, the southern hemisphere, half- and quarter-hour offsets,
 * negative DST (Dublin), zones that dropped DST (São Paulo, Tehran), and
 * one without it. Chosen where the host's tzdata and Node's ICU agree
 * over the years compared.
 */
const ZONES = [
  'Europe/Riga',
  'Europe/London',
  'Europe/Dublin',
  'America/New_York',
  'America/St_Johns',
  'America/Sao_Paulo',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'Asia/Tehran',
  'Asia/Kolkata',
  'UTC',
];

describe.skipIf(skipZoneinfo !== undefined)('TZif offsets agree with Intl', () => {
  /** Every 11 h 7 min over 1995-2045: each hour of the day and each weekday comes round, across the last explicit transitions into the footer's years. */
  const STEP_MS = (11 * 60 + 7) * 60_000;
  const FROM = Date.parse('1995-01-01T00:00:00Z');
  const TO = Date.parse('2045-12-31T00:00:00Z');

  it.each(ZONES)('%s: at every sampled instant and on both sides of every change', (zone) => {
    const tz = (ms: number): number | undefined => zoneOffset(zone, ms, { intl: false });
    let prevMs = FROM;
    let prev = intlOffset(zone, FROM);
    let changes = 0;
    for (let ms = FROM; ms <= TO; ms += STEP_MS) {
      const expected = intlOffset(zone, ms);
      expect(tz(ms), `${zone} at ${new Date(ms).toISOString()}`).toBe(expected);
      if (expected !== prev) {
        // Narrow the change down to the second with Intl, then compare on both sides of it.
        let lo = prevMs;
        let hi = ms;
        while (hi - lo > 1000) {
          const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
          if (intlOffset(zone, mid) === prev) lo = mid;
          else hi = mid;
        }
        expect(tz(lo), `${zone} just before ${new Date(hi).toISOString()}`).toBe(prev);
        expect(tz(hi), `${zone} at ${new Date(hi).toISOString()}`).toBe(expected);
        changes += 1;
      }
      prev = expected;
      prevMs = ms;
    }
    // Two a year, but Latvia kept winter time all through 2000.
    if (zone === 'Europe/Riga') expect(changes).toBe(2 * 51 - 2);
  });

  it('knows the zone names the time zone database has, and refuses paths', () => {
    expect(zoneOffset('Europe/Riga', 0, { intl: false })).toBe(3 * 3600_000);
    expect(zoneOffset('Europe/Nowhere', 0, { intl: false })).toBeUndefined();
    expect(zoneOffset('../zoneinfo/Europe/Riga', 0, { intl: false })).toBeUndefined();
    expect(zoneOffset('/usr/share/zoneinfo/Europe/Riga', 0, { intl: false })).toBeUndefined();
    expect(zoneOffset('zone.tab', 0, { intl: false })).toBeUndefined();
    expect(zoneOffset('Europe', 0, { intl: false })).toBeUndefined();
  });

  it('reads a real file of the host', () => {
    const zone = TzifZone.parse(readFileSync(join(DEFAULT_ZONEINFO_DIR, 'Europe/Riga')));
    expect(zone.offsetAt(Date.parse('2026-01-15T12:00:00Z'))).toBe(7200_000);
  });
});

describe('the Intl fallback where there is no time zone database (Windows)', () => {
  it('gives the offsets of Riga across its change to summer time', () => {
    for (const [iso, offset] of [
      ['2026-01-15T12:00:00Z', 7200_000],
      ['2026-03-29T00:59:59Z', 7200_000],
      ['2026-03-29T01:00:00Z', 10800_000],
      ['2026-07-15T12:00:00Z', 10800_000],
    ] as const) {
      expect(zoneOffset('Europe/Riga', Date.parse(iso), { zoneinfoDir: noZoneinfo })).toBe(offset);
    }
    expect(zoneOffset('Europe/Nowhere', 0, { zoneinfoDir: noZoneinfo })).toBeUndefined();
  });

  it('knows no zone with neither', () => {
    expect(zoneOffset('Europe/Riga', 0, { zoneinfoDir: noZoneinfo, intl: false })).toBeUndefined();
  });
});
