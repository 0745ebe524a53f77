import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import {
  bandFromFrequency,
  bandFromChannel,
  channelFromFrequency,
  classifySecurity,
  networkManagerQualityToDbm,
  normalizeMac,
  type WifiNetwork,
} from './wifi-model.js';

/**
 * Parser of NetworkManager's `nmcli device wifi list`, in the terse form
 * the probe runs and in the table form people save by hand.
 *
 * The probe runs {@link NMCLI_FIELDS} in terse mode: colon-separated, with
 * `\:` and `\\` escaping inside values, so SSIDs with colons survive.
 * nmcli gives the signal only as a percentage; `rssi_dbm` is derived from
 * it and marked estimated.
 */

/** Fields the probe asks nmcli for, in this order. */
export const NMCLI_FIELDS = 'IN-USE,BSSID,SSID,CHAN,FREQ,SIGNAL,SECURITY';

/** Arguments of the probe's nmcli scan listing. */
export const NMCLI_SCAN_ARGS = ['-t', '-f', NMCLI_FIELDS, 'device', 'wifi', 'list'] as const;

/** What {@link parseNmcliWifiList} found. */
export interface NmcliScan {
  networks: WifiNetwork[];
  /** Lines that looked like rows but could not be read. */
  skipped: number;
}

/** Splits one terse line at unescaped colons and unescapes the parts. */
export function splitTerse(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (c === '\\' && i + 1 < line.length) {
      current += line.charAt(i + 1);
      i += 1;
    } else if (c === ':') {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}

// Table rows: in-use mark, BSSID, SSID (may hold spaces), mode word,
// channel, rate with its unit, signal, bars, security (may hold spaces).
const TABLE_ROW =
  /^(\*|\s)\s+([0-9A-F]{2}(?::[0-9A-F]{2}){5})\s+(.*?)\s+(\S+)\s+(\d{1,3})\s+(\d+(?:\.\d+)?\s+\S+)\s+(\d{1,3})\s+(\S+)\s+(.*)$/i;

/** An escaped MAC as terse mode prints it: `AA\:BB\:CC\:DD\:EE\:FF`. */
const TERSE_MAC = /[0-9A-F]{2}(?:\\:[0-9A-F]{2}){5}/i;
/** Any MAC, escaped or not: a line without one is no row (a prompt, a note, a header). */
const ANY_MAC = /[0-9A-F]{2}(?:\\?:[0-9A-F]{2}){5}/i;

/**
 * Parses terse output (`nmcli -t … device wifi list`) or the default table
 * of `nmcli device wifi list` (nmcli 1.16 and later, whose table starts
 * with IN-USE and BSSID). `--` is nmcli's "none": a hidden SSID, an open
 * network. Lines without a MAC address (a shell prompt, a note, the table
 * header) are no rows and are passed over.
 *
 * Terse output has no header, so its columns are known only to whoever
 * chose `-f`. With `fields` (the probe passes its own {@link NMCLI_FIELDS})
 * they are read by name; without (a saved file), by what their values look
 * like ({@link inferTerseColumns}): nmcli's default list
 * `IN-USE,BSSID,SSID,MODE,CHAN,RATE,SIGNAL,BARS,SECURITY`, the probe's
 * list, and any other order or subset that includes BSSID and SIGNAL.
 *
 * @throws SkolnetError `SKOLNET_WIFI_FORMAT_UNKNOWN` when terse rows have no BSSID or SIGNAL column
 */
export function parseNmcliWifiList(text: string, fields?: string): NmcliScan {
  const out: NmcliScan = { networks: [], skipped: 0 };
  const terse: string[][] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (!ANY_MAC.test(raw)) continue;
    if (TERSE_MAC.test(raw)) {
      terse.push(splitTerse(raw));
      continue;
    }
    const row = tableRow(raw);
    if (row) out.networks.push(row);
    else out.skipped += 1;
  }
  if (terse.length === 0) return out;
  const width = mostCommonLength(terse);
  const columns = fields ? namedColumns(fields) : inferTerseColumns(terse.filter((r) => r.length === width));
  for (const parts of terse) {
    const row = parts.length === width ? terseRow(parts, columns) : null;
    if (row) out.networks.push(row);
    else out.skipped += 1;
  }
  return out;
}

/** Where each field sits in a terse row; -1 when the listing lacks it. */
export interface TerseColumns {
  inUse: number;
  bssid: number;
  ssid: number;
  chan: number;
  freq: number;
  signal: number;
  security: number;
}

function namedColumns(fields: string): TerseColumns {
  const names = fields.split(',').map((f) => f.trim().toUpperCase());
  const at = (name: string): number => names.indexOf(name);
  return {
    inUse: at('IN-USE'),
    bssid: at('BSSID'),
    ssid: at('SSID'),
    chan: at('CHAN'),
    freq: at('FREQ'),
    signal: at('SIGNAL'),
    security: at('SECURITY'),
  };
}

/** The field count most rows have; a row with another count is damaged. */
function mostCommonLength(rows: readonly string[][]): number {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? 0;
}

// Value shapes of the fields of nmcli(1) "device wifi list".
const SHAPE_MHZ = /^\d{4}(?:\.\d+)?\s*MHz$/i;
const SHAPE_RATE = /^\d+(?:\.\d+)?\s*[MG]bit\/s$/i;
// BARS: block characters in a UTF-8 locale, `*` and `_` or spaces otherwise.
const SHAPE_BARS = /^[▂▄▆█_* ]{2,}$/;
const SECURITY_WORD = '(?:WPA[123]?|WEP|OWE|OWE-TM|SAE|802\\.1X|TKIP|CCMP)';
const SHAPE_SECURITY = new RegExp(`^(?:--|${SECURITY_WORD}(?: ${SECURITY_WORD})*)?$`, 'i');
const SHAPE_INT = /^\d{1,3}$/;
// NAME of `-f all` (`AP[1]`), D-Bus paths, WPA/RSN flag lists: none is an SSID.
const SHAPE_NOT_SSID =
  /^(?:AP\[\d+\]|\/org\/freedesktop\/.*|\(none\)|(?:pair|group|psk|sae|802\.1X)\S*(?: \S+)*)$/i;

/**
 * Which column of terse rows holds which field, judged by the values of
 * every row: MACs are the BSSID, `2412 MHz` the frequency, `130 Mbit/s` the
 * rate, `▂▄▆_` the bars, `*` or blank the in-use mark, `WPA2 802.1X` or
 * empty the security (the last such column: nmcli lists SECURITY after
 * SSID). Of two integer columns, the one that matches the frequency's
 * channel is CHAN; else the one with a value above 100, or the only one
 * whose every value is a channel number (SIGNAL is 0–100; channels are
 * 1–14, 32–177 in steps of 4, and 6 GHz's 1–233); failing all, nmcli's
 * own order (CHAN before SIGNAL). The SSID is the first column left over.
 *
 * @throws SkolnetError `SKOLNET_WIFI_FORMAT_UNKNOWN` without a BSSID or SIGNAL column
 */
export function inferTerseColumns(rows: readonly string[][]): TerseColumns {
  const width = rows[0]?.length ?? 0;
  // "Every row" means most rows: a damaged row must not hide its column's
  // shape; terseRow then drops the row.
  const all = (i: number, test: (v: string) => boolean): boolean =>
    rows.filter((r) => test(r[i] ?? '')).length * 2 > rows.length;
  const some = (i: number, test: (v: string) => boolean): boolean => rows.some((r) => test(r[i] ?? ''));
  const free = new Set(Array.from({ length: width }, (_, i) => i));
  const take = (test: (i: number) => boolean): number => {
    const i = [...free].find(test) ?? -1;
    free.delete(i);
    return i;
  };
  const bssid = take((i) => all(i, (v) => normalizeMac(v) !== null));
  const freq = take((i) => all(i, (v) => SHAPE_MHZ.test(v)));
  take((i) => all(i, (v) => SHAPE_RATE.test(v)));
  take((i) => all(i, (v) => SHAPE_BARS.test(v)));
  const inUse = take((i) => all(i, (v) => v === '*' || v === ' ' || v === '') && some(i, (v) => v !== ''));
  const ints = [...free].filter((i) => all(i, (v) => SHAPE_INT.test(v)));
  const matchesFreq = (i: number): number =>
    freq < 0
      ? 0
      : rows.filter((r) => channelFromFrequency(Number.parseFloat(r[freq] ?? '')) === Number(r[i])).length;
  const allChannels = (i: number): boolean => all(i, (v) => bandFromChannel(Number(v)) !== null);
  let chan = -1;
  if (ints.length >= 2) {
    const [best, next] = [...ints].sort((a, b) => matchesFreq(b) - matchesFreq(a));
    if (best !== undefined && next !== undefined && matchesFreq(best) > matchesFreq(next)) chan = best;
    else if (ints.some((i) => some(i, (v) => Number(v) > 100)))
      chan = ints.find((i) => some(i, (v) => Number(v) > 100)) ?? -1;
    else if (ints.filter(allChannels).length === 1) chan = ints.find(allChannels) ?? -1;
    else chan = ints[0] ?? -1;
  }
  // One integer column beside a frequency is the signal (the channel comes from the frequency).
  const signal = ints.length >= 2 ? (ints.find((i) => i !== chan) ?? -1) : freq >= 0 ? (ints[0] ?? -1) : -1;
  free.delete(chan);
  free.delete(signal);
  const securityColumns = [...free].filter((i) => all(i, (v) => SHAPE_SECURITY.test(v.trim())));
  const security =
    securityColumns.filter((i) => some(i, (v) => v.trim() !== '' && v.trim() !== '--')).at(-1) ??
    securityColumns.at(-1) ??
    -1;
  free.delete(security);
  const ssid = take((i) => !all(i, (v) => SHAPE_NOT_SSID.test(v)));
  if (bssid < 0 || signal < 0) {
    throw new SkolnetError(
      ErrorCodes.WIFI_FORMAT_UNKNOWN,
      `nmcli terse output needs the BSSID and SIGNAL fields, but no column of these ${width}-field rows holds ${
        bssid < 0 ? 'MAC addresses' : 'signal percentages beside a channel or frequency'
      }: save it with "nmcli -t device wifi list" (nmcli's default fields), or with -f listing BSSID, CHAN or FREQ, and SIGNAL`,
    );
  }
  return { inUse, bssid, ssid, chan, freq, signal, security };
}

function terseRow(parts: readonly string[], c: TerseColumns): WifiNetwork | null {
  const at = (i: number): string | undefined => (i >= 0 ? parts[i] : undefined);
  const mac = normalizeMac(at(c.bssid) ?? '');
  const signal = at(c.signal) ?? '';
  const mhzText = /\d+/.exec(at(c.freq) ?? '')?.[0];
  const mhz = mhzText === undefined ? null : Number(mhzText);
  const chanText = at(c.chan);
  const channel =
    chanText === undefined ? (mhz === null ? null : channelFromFrequency(mhz)) : Number(chanText);
  if (!mac || !SHAPE_INT.test(signal) || channel === null || !Number.isInteger(channel)) return null;
  return network(
    at(c.inUse) === '*',
    mac,
    at(c.ssid) ?? '',
    channel,
    mhz,
    Number(signal),
    at(c.security) ?? '',
  );
}

function tableRow(line: string): WifiNetwork | null {
  const m = TABLE_ROW.exec(line);
  if (!m) return null;
  const [, inUse, bssid, ssid, , chan, , signal, , security] = m;
  const mac = normalizeMac(bssid ?? '');
  if (!mac) return null;
  return network(inUse === '*', mac, ssid ?? '', Number(chan), null, Number(signal), security ?? '');
}

function network(
  connected: boolean,
  bssid: string,
  rawSsid: string,
  channel: number,
  mhz: number | null,
  pct: number,
  rawSecurity: string,
): WifiNetwork {
  const ssid = rawSsid === '--' ? '' : rawSsid;
  const securityText = rawSecurity.trim() === '--' ? '' : rawSecurity;
  const { security, enterprise, tkip } = classifySecurity(securityText);
  const fromFreq = mhz === null ? null : bandFromFrequency(mhz);
  return {
    ssid,
    hidden: ssid === '',
    bssid,
    channel: mhz !== null && fromFreq !== null ? (channelFromFrequency(mhz) ?? channel) : channel,
    band_ghz: fromFreq ?? bandFromChannel(channel),
    rssi_dbm: networkManagerQualityToDbm(pct),
    rssi_estimated: true,
    signal_pct: pct,
    security,
    enterprise,
    tkip,
    connected,
  };
}
