import {
  bandFromChannel,
  classifySecurity,
  emptyLink,
  normalizeMac,
  parseBandLabel,
  parseDecimal,
  windowsQualityToDbm,
  type WifiLink,
  type WifiNetwork,
} from './wifi-model.js';

/**
 * Parsers of `netsh wlan show interfaces` and `netsh wlan show networks
 * mode=bssid`. netsh prints its labels in the Windows display language
 * (school PCs in Latvia run Latvian Windows) and systeminformation only
 * knows a few English, German and French labels, so these parsers never
 * read a label. They go by structure, which is the same in every language:
 *
 * - every data line is `label<spaces>: value`, indented by spaces;
 * - blocks are separated by blank lines or by a line at a lower indent;
 * - the order of lines in a block is fixed by netsh, not by the language;
 * - values have recognisable shapes: MAC addresses, GUIDs, `92%`,
 *   `802.11ax`, `5 GHz`, plain integers.
 */

/** One line of netsh output. */
interface Line {
  indent: number;
  /** Set for `label : value` lines. */
  label?: string;
  value?: string;
  text: string;
}

// The label never contains ": "; the value may (an SSID "A : B"), so the
// label match is lazy. Most labels are padded to a column ("Channel   :"),
// but Windows 11 24H2 prints some with none ("Canal: 11" in Spanish,
// "Nome interfaccia: Wi-Fi" in Italian), so the space is optional; a
// colon inside a value is never followed by a space (MACs, times).
const KV = /^(\s*)(\S.*?)\s*:(?:\s+(.*))?$/;
// A GUID, also with its digits masked (`xxxxxxxx-xxxx-…`) as people do before publishing.
const GUID = /^\{?[0-9a-fx*]{8}-[0-9a-fx*]{4}-[0-9a-fx*]{4}-[0-9a-fx*]{4}-[0-9a-fx*]{12}\}?$/i;
// A MAC whose digits were masked (`xx:xx:xx:xx:xx:xx`): a BSSID is there, its value is not.
const MASKED_MAC = /^(?=.*x)[0-9a-fx*]{2}([:-])[0-9a-fx*]{2}(\1[0-9a-fx*]{2}){4}$/i;
const PLAIN_NUMBER = /^\d+$/;

/** A MAC line's address, normalised (null when masked); null when the value is no MAC at all. */
function macValue(value: string): { bssid: string | null } | null {
  const mac = normalizeMac(value);
  if (mac) return { bssid: mac };
  return MASKED_MAC.test(value.trim()) ? { bssid: null } : null;
}
const PERCENT = /^(\d{1,3})\s*%$/;
const RADIO_TYPE = /^802\.11/;
const BAND_VALUE = /^\d+(?:[.,]\d+)?\s*GHz$/i;
const RSSI_VALUE = /^-\d{1,3}$/;
/** A header label ends with a running number: `SSID 3`, `BSSID 1`, in every language. */
const NUMBERED_LABEL = /\S\s+\d+$/;

function lines(text: string): Line[] {
  return text.split(/\r?\n/).map((raw) => {
    const textLine = raw.replace(/\s+$/, '');
    const indent = /^\s*/.exec(raw)?.[0].length ?? 0;
    const m = KV.exec(textLine);
    if (!m) return { indent, text: textLine };
    return { indent, label: m[2] ?? '', value: (m[3] ?? '').trim(), text: textLine };
  });
}

/** An interface found in `netsh wlan show interfaces`, connected (`link`) or not. */
export interface NetshInterface {
  name: string;
  /** The connected network, or null when the interface is not connected. */
  link: WifiLink | null;
}

/**
 * Parses `netsh wlan show interfaces`. An interface block is a run of
 * indented `label : value` lines holding a GUID. Its first MAC is the
 * adapter's own address, which is never reported (a client device
 * address); a second MAC is the access point's BSSID and means the
 * interface is connected. The line before the BSSID holds the SSID; after
 * it, the plain numbers are, in netsh's fixed order, the channel, the
 * receive rate and the transmit rate (Windows 10 and 11 both); the first
 * two words after the radio type are the authentication and the cipher.
 */
export function parseNetshInterfaces(text: string): NetshInterface[] {
  const blocks: Line[][] = [];
  let block: Line[] = [];
  for (const line of lines(text)) {
    if (line.label !== undefined && line.indent > 0) {
      block.push(line);
      continue;
    }
    if (block.length > 0) blocks.push(block);
    block = [];
  }
  if (block.length > 0) blocks.push(block);

  const found: NetshInterface[] = [];
  for (const b of blocks) {
    if (!b.some((l) => GUID.test(l.value ?? ''))) continue;
    const macIndexes = b.flatMap((l, i) => (macValue(l.value ?? '') ? [i] : []));
    const name = b[0]?.value ?? '';
    const bssidIndex = macIndexes[1];
    if (bssidIndex === undefined) {
      found.push({ name, link: null });
      continue;
    }
    const link = emptyLink();
    link.interface = name || null;
    // A masked BSSID still says the interface is connected.
    link.bssid = normalizeMac(b[bssidIndex]?.value ?? '');
    link.ssid = b[bssidIndex - 1]?.value ?? '';
    const after = b.slice(bssidIndex + 1);
    const numbers: number[] = [];
    let radioAt = -1;
    after.forEach((l, i) => {
      const v = l.value ?? '';
      const pct = PERCENT.exec(v);
      if (pct?.[1]) link.signal_pct = Number(pct[1]);
      else if (RSSI_VALUE.test(v)) link.rssi_dbm = Number(v);
      else if (BAND_VALUE.test(v)) link.band_ghz = parseBandLabel(v);
      else if (RADIO_TYPE.test(v)) radioAt = i;
      else {
        const n = parseDecimal(v);
        if (n !== null && n >= 0) numbers.push(n);
      }
    });
    const [channel, rx, tx] = numbers;
    if (channel !== undefined && Number.isInteger(channel)) link.channel = channel;
    if (rx !== undefined) link.rx_rate_mbps = rx;
    if (tx !== undefined) link.tx_rate_mbps = tx;
    if (radioAt >= 0) {
      const words = after.slice(radioAt + 1).map((l) => l.value ?? '');
      link.security = classifySecurity(words[0] ?? '', words[1] ?? '').security;
    }
    if (link.band_ghz === null && link.channel !== null) link.band_ghz = bandFromChannel(link.channel);
    if (link.rssi_dbm === null && link.signal_pct !== null) {
      link.rssi_dbm = windowsQualityToDbm(link.signal_pct);
      link.rssi_estimated = true;
    }
    found.push({ name, link });
  }
  return found;
}

/** What {@link parseNetshNetworks} found. */
export interface NetshNetworks {
  /** Interface names of the `Interface name : …` lines, in order. */
  interfaces: string[];
  networks: WifiNetwork[];
  /** BSS entries dropped: a BSSID line without a MAC, or a BSS without a signal. */
  skipped: number;
}

interface PendingBss {
  /** Null when the saved file masked it. */
  bssid: string | null;
  attrs: string[];
}

/**
 * Parses `netsh wlan show networks mode=bssid`. Unindented lines are
 * either the interface line or a numbered network header (`SSID 2 : name`,
 * an empty name for a hidden network). Under a header, the indented lines
 * before the first MAC are network type, authentication and encryption, in
 * that order; each MAC line starts a BSS whose deeper-indented lines give
 * the signal (`92%`), radio type, band (`5 GHz`, Windows 11) and channel
 * (the first plain integer). The signal is a Windows quality percentage,
 * so `rssi_dbm` is derived from it and marked estimated.
 */
export function parseNetshNetworks(text: string): NetshNetworks {
  const out: NetshNetworks = { interfaces: [], networks: [], skipped: 0 };
  let group: { ssid: string; attrs: string[]; bssIndent: number | null } | null = null;
  let bss: PendingBss | null = null;

  const flush = (): void => {
    if (!group || !bss) return;
    const network = toNetwork(group.ssid, group.attrs, bss);
    if (network) out.networks.push(network);
    else out.skipped += 1;
    bss = null;
  };

  for (const line of lines(text)) {
    if (line.label === undefined) continue;
    const value = line.value ?? '';
    if (line.indent === 0) {
      if (NUMBERED_LABEL.test(line.label)) {
        flush();
        group = { ssid: value, attrs: [], bssIndent: null };
      } else if (value !== '' && !PLAIN_NUMBER.test(value)) {
        flush();
        group = null;
        out.interfaces.push(value);
      }
      // Anything else unindented is an attribute line that lost its
      // indentation on the way (seen in a Spanish capture: "mscs QoS
      // admitidos: 0"), or a sentence such as "There are 3 networks…".
      continue;
    }
    if (!group) continue;
    const mac = macValue(value);
    if (mac) {
      flush();
      bss = { bssid: mac.bssid, attrs: [] };
      group.bssIndent = line.indent;
      continue;
    }
    if (group.bssIndent === null) {
      group.attrs.push(value);
    } else if (line.indent > group.bssIndent) {
      // Attributes of a BSS whose MAC line was unreadable are dropped with it.
      bss?.attrs.push(value);
    } else if (NUMBERED_LABEL.test(line.label)) {
      // A numbered line at BSSID level without a MAC: a damaged BSSID line.
      flush();
      out.skipped += 1;
    } else if (bss) {
      // A BSS attribute that lost some indentation ("Velocidades básicas" in the same capture).
      bss.attrs.push(value);
    }
  }
  flush();
  return out;
}

function toNetwork(ssid: string, groupAttrs: readonly string[], bss: PendingBss): WifiNetwork | null {
  let signalPct: number | null = null;
  let band: number | null = null;
  let channel: number | null = null;
  for (const v of bss.attrs) {
    const pct = PERCENT.exec(v);
    if (pct?.[1] && signalPct === null) signalPct = Number(pct[1]);
    else if (BAND_VALUE.test(v)) band = parseBandLabel(v);
    else if (channel === null && /^\d{1,3}$/.test(v)) channel = Number(v);
  }
  if (signalPct === null) return null;
  const { security, enterprise, tkip } = classifySecurity(groupAttrs[1] ?? '', groupAttrs[2] ?? '');
  return {
    ssid,
    hidden: ssid === '',
    bssid: bss.bssid,
    channel,
    band_ghz: band ?? (channel === null ? null : bandFromChannel(channel)),
    rssi_dbm: windowsQualityToDbm(signalPct),
    rssi_estimated: true,
    signal_pct: signalPct,
    security,
    enterprise,
    tkip,
    connected: false,
  };
}
