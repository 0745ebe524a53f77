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

/**
 * Parses terse output of {@link NMCLI_FIELDS} or the default table of
 * `nmcli device wifi list` (nmcli 1.16 and later, whose table starts with
 * IN-USE and BSSID). `--` is nmcli's "none": a hidden SSID, an open network.
 */
export function parseNmcliWifiList(text: string): NmcliScan {
  const out: NmcliScan = { networks: [], skipped: 0 };
  for (const raw of text.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const row = raw.includes('\\:') ? terseRow(raw) : tableRow(raw);
    if (row === 'header') continue;
    if (row) out.networks.push(row);
    else out.skipped += 1;
  }
  return out;
}

function terseRow(line: string): WifiNetwork | null {
  const [inUse, bssid, ssid, chan, freq, signal, security] = splitTerse(line);
  if (security === undefined) return null;
  const mac = normalizeMac(bssid ?? '');
  const channel = Number(chan);
  const mhz = Number(/\d+/.exec(freq ?? '')?.[0]);
  const pct = Number(signal);
  if (!mac || !Number.isInteger(channel) || !Number.isFinite(pct) || signal === '') return null;
  return network(inUse === '*', mac, ssid ?? '', channel, Number.isFinite(mhz) ? mhz : null, pct, security);
}

function tableRow(line: string): WifiNetwork | 'header' | null {
  const m = TABLE_ROW.exec(line);
  if (!m) return /BSSID/.test(line) && !/[0-9A-F]{2}:[0-9A-F]{2}/i.test(line) ? 'header' : null;
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
