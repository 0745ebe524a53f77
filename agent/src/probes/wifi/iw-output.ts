import {
  bandFromFrequency,
  channelFromFrequency,
  classifySecurity,
  emptyLink,
  normalizeMac,
  parseDecimal,
  type WifiLink,
  type WifiNetwork,
} from './wifi-model.js';

/**
 * Parsers of iw (Linux nl80211): `iw dev`, `iw dev IF link` and
 * `iw dev IF scan`. iw's output is English only and meant for people, but
 * its layout (one BSS per unindented `BSS` line, tab-indented attributes)
 * has been stable across iw 3.x to 6.x. Channels and bands are derived
 * from the centre frequency, which iw always prints (`freq: 5180` or, from
 * iw 5.16, `freq: 5180.0`), so 6 GHz is told apart from 5 GHz reliably.
 */

/** A wireless interface from `iw dev`. */
export interface IwInterface {
  name: string;
  /** `managed` for a client; `AP`, `monitor`, `P2P-device`… otherwise. */
  type: string;
}

/** Parses `iw dev`: the interfaces that are net devices, with their type. */
export function parseIwDev(text: string): IwInterface[] {
  const out: IwInterface[] = [];
  let current: IwInterface | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    const iface = /^Interface\s+(\S+)$/.exec(line);
    if (iface?.[1]) {
      current = { name: iface[1], type: '' };
      out.push(current);
      continue;
    }
    // "Unnamed/non-netdev interface" and "phy#0" end the previous interface.
    if (/^(phy#\d+|Unnamed)/.test(line)) current = null;
    const type = /^type\s+(\S+)$/.exec(line);
    if (type?.[1] && current) current.type = type[1];
  }
  return out;
}

/**
 * iw prints bytes outside printable ASCII in SSIDs as `\xNN`; the SSID is
 * really a byte string, usually UTF-8 ("Skolā" is `Skol\xc4\x81`).
 */
export function unescapeIwSsid(text: string): string {
  if (!text.includes('\\x')) return text;
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const hex = /^\\x([0-9a-f]{2})/i.exec(text.slice(i));
    if (hex?.[1]) {
      bytes.push(parseInt(hex[1], 16));
      i += 3;
    } else {
      bytes.push(...Buffer.from(text.charAt(i), 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** A hidden network's SSID is empty or all NUL bytes. */
function hiddenSsid(ssid: string): boolean {
  return ssid === '' || /^\0+$/.test(ssid);
}

/** Parses `iw dev IF link`; null for `Not connected.` or anything without a `Connected to` line. */
export function parseIwLink(text: string, iface: string | null = null): WifiLink | null {
  const head = /^Connected to ([0-9a-f:]{17})(?:\s+\(on (\S+)\))?/im.exec(text);
  if (!head?.[1]) return null;
  const link = emptyLink();
  link.bssid = normalizeMac(head[1]);
  link.interface = head[2] ?? iface;
  // Only the indented lines under "Connected to" belong to the link; a
  // saved file may go on with scan output, whose BSS lines are unindented.
  const below = text.slice(head.index).split(/\r?\n/).slice(1);
  const end = below.findIndex((l) => /^\S/.test(l));
  for (const raw of end < 0 ? below : below.slice(0, end)) {
    const line = raw.trim();
    let m: RegExpExecArray | null;
    if ((m = /^SSID: (.*)$/.exec(line))) link.ssid = unescapeIwSsid(m[1] ?? '');
    else if ((m = /^freq: (\d+(?:\.\d+)?)/.exec(line))) {
      const mhz = Number(m[1]);
      link.channel = channelFromFrequency(mhz);
      link.band_ghz = bandFromFrequency(mhz);
    } else if ((m = /^signal: (-?\d+(?:\.\d+)?) dBm/.exec(line))) link.rssi_dbm = Number(m[1]);
    else if ((m = /^tx bitrate: (\d+(?:\.\d+)?) MBit\/s/.exec(line))) link.tx_rate_mbps = Number(m[1]);
    else if ((m = /^rx bitrate: (\d+(?:\.\d+)?) MBit\/s/.exec(line))) link.rx_rate_mbps = Number(m[1]);
  }
  return link;
}

/** What {@link parseIwScan} found. */
export interface IwScan {
  networks: WifiNetwork[];
  /** BSS blocks dropped: a damaged BSS line, no frequency or no signal. */
  skipped: number;
}

interface BssBlock {
  /** Null when the saved file masked it (`xx:xx:xx:xx:3e:41`); `''` for a damaged header. */
  bssid: string | null;
  associated: boolean;
  lines: string[];
}

/**
 * Parses `iw dev IF scan` (or `scan dump`). Each BSS starts with an
 * unindented `BSS aa:bb:…(on wlan0)` line, `-- associated` when connected;
 * a BSSID masked with `x` digits is kept as null.
 * Security comes from the RSN and WPA elements: SAE is WPA3, PSK or 802.1X
 * under RSN is WPA2, a WPA element is WPA1, `Privacy` without either is
 * WEP, and nothing is open (OWE under RSN is Enhanced Open).
 */
export function parseIwScan(text: string): IwScan {
  const blocks: BssBlock[] = [];
  for (const raw of text.split(/\r?\n/)) {
    if (/^BSS\s/.test(raw)) {
      // A damaged header starts a block too (with no BSSID), so its lines
      // are dropped with it instead of landing in the previous BSS.
      // People mask BSSIDs before publishing a scan; such a BSS is kept without one.
      const head =
        /^BSS ([0-9a-fx]{2}(?::[0-9a-fx]{2}){5})(?![0-9a-f:])\s*(?:\(on \S+\))?\s*(-- associated)?/i.exec(
          raw,
        );
      const bssid = head?.[1] ? (normalizeMac(head[1]) ?? null) : '';
      blocks.push({ bssid, associated: Boolean(head?.[2]), lines: [] });
      continue;
    }
    blocks.at(-1)?.lines.push(raw);
  }
  const out: IwScan = { networks: [], skipped: 0 };
  for (const b of blocks) {
    const network = toNetwork(b);
    if (network) out.networks.push(network);
    else out.skipped += 1;
  }
  return out;
}

/** Width of a line's indentation in columns, a tab counting as 8 (the terminal's tab stop). */
function indentWidth(line: string): number {
  let width = 0;
  for (const c of line) {
    if (c === '\t') width += 8 - (width % 8);
    else if (c === ' ') width += 1;
    else break;
  }
  return width;
}

function toNetwork(b: BssBlock): WifiNetwork | null {
  if (b.bssid === '') return null;
  let mhz: number | null = null;
  let rssi: number | null = null;
  let ssid = '';
  let privacy = false;
  let section = '';
  const rsn: string[] = [];
  const wpa: string[] = [];
  // Element headers are the block's shallowest lines, their details deeper.
  // iw indents with one and two tabs, but output copied from a terminal
  // often arrives with the tabs turned into spaces (4 and 9 columns in a
  // capture from CentOS 7), so depth is measured, not matched on tabs.
  const headerIndent = Math.min(
    ...b.lines.filter((l) => l.trim() !== '').map(indentWidth),
    Number.POSITIVE_INFINITY,
  );
  for (const raw of b.lines) {
    const line = raw.trim();
    if (line === '') continue;
    const header = indentWidth(raw) === headerIndent && !line.startsWith('*');
    if (header) section = line.split(':')[0] ?? '';
    let m: RegExpExecArray | null;
    if (header && (m = /^freq: (\d+(?:\.\d+)?)/.exec(line))) mhz = Number(m[1]);
    else if (header && (m = /^signal: (-?\d+(?:\.\d+)?) dBm/.exec(line))) rssi = parseDecimal(m[1] ?? '');
    else if (header && (m = /^SSID: ?(.*)$/.exec(line))) ssid = unescapeIwSsid(m[1] ?? '');
    else if (header && /^capability:/.test(line)) privacy = /\bPrivacy\b/.test(line);
    if (section === 'RSN') rsn.push(line);
    else if (section === 'WPA') wpa.push(line);
  }
  if (mhz === null || rssi === null) return null;
  const rsnText = rsn.join(' ');
  const wpaText = wpa.join(' ');
  let auth = '';
  if (wpaText) auth = 'WPA';
  else if (/\bSAE\b/.test(rsnText) && !/\bPSK\b|IEEE 802\.1X/.test(rsnText)) auth = 'WPA3';
  else if (/\bOWE\b/.test(rsnText)) auth = 'OWE';
  else if (rsnText) auth = 'WPA2';
  if (/IEEE 802\.1X/.test(`${rsnText} ${wpaText}`)) auth += ' 802.1X';
  const cipher = `${rsnText} ${wpaText}`.includes('TKIP') ? 'TKIP' : !auth && privacy ? 'WEP' : '';
  const { security, enterprise, tkip } = classifySecurity(auth, cipher);
  const hidden = hiddenSsid(ssid);
  return {
    ssid: hidden ? '' : ssid,
    hidden,
    bssid: b.bssid,
    channel: channelFromFrequency(mhz),
    band_ghz: bandFromFrequency(mhz),
    rssi_dbm: rssi,
    rssi_estimated: false,
    signal_pct: null,
    security,
    enterprise,
    tkip,
    connected: b.associated,
  };
}
