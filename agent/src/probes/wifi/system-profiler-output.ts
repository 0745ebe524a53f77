import {
  bandFromChannel,
  classifySecurity,
  emptyLink,
  normalizeMac,
  parseBandLabel,
  type WifiLink,
  type WifiNetwork,
} from './wifi-model.js';

/**
 * Parser of macOS `system_profiler SPAirPortDataType -json`. Its keys are
 * stable identifiers (`spairport_…`), not translated labels, so the JSON
 * reads the same in every display language. Channels read
 * `"36 (5GHz, 80MHz)"`, signals `"-52 dBm / -92 dBm"` (signal / noise).
 * Since macOS 14 it omits BSSIDs, and without location permission it
 * shows SSIDs as `<redacted>`; both come out as null / hidden.
 */

/** What {@link parseSystemProfilerAirport} found. */
export interface SystemProfilerWifi {
  /** Wi-Fi interface names (`en0`). */
  interfaces: string[];
  /** Those of {@link interfaces} whose Wi-Fi is turned off (`spairport_status_off`). */
  off: string[];
  links: WifiLink[];
  networks: WifiNetwork[];
  /** Network entries dropped: no channel. */
  skipped: number;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);

/** `-52 dBm / -92 dBm` → signal and noise. */
function signalNoise(v: unknown): { rssi: number | null; noise: number | null } {
  const m = /(-?\d+)\s*dBm(?:\s*\/\s*(-?\d+)\s*dBm)?/.exec(str(v));
  return { rssi: m?.[1] ? Number(m[1]) : null, noise: m?.[2] ? Number(m[2]) : null };
}

/**
 * `"36 (5GHz, 80MHz)"` since macOS 13; macOS 12 and older print a bare
 * number (`149`, as a JSON number) or the channel with its secondary
 * channel offset (`"1,+1"`), so the band then comes from the channel number.
 */
function channelOf(v: unknown): { channel: number | null; band: number | null } {
  const text = str(v);
  const m = /^(\d+)/.exec(text.trim());
  const channel = m?.[1] ? Number(m[1]) : null;
  return { channel, band: parseBandLabel(text) ?? (channel === null ? null : bandFromChannel(channel)) };
}

function ssidOf(entry: Json): string {
  const name = str(entry['_name']);
  return name === '<redacted>' ? '' : name;
}

/**
 * Parses the JSON; throws a SyntaxError when `text` is not JSON, returns
 * empty lists when it is JSON without Wi-Fi interfaces. The interface's
 * own MAC (`spairport_wireless_mac_address`) is never read.
 */
export function parseSystemProfilerAirport(text: string): SystemProfilerWifi {
  const root: unknown = JSON.parse(text);
  const out: SystemProfilerWifi = { interfaces: [], off: [], links: [], networks: [], skipped: 0 };
  const sections = objects(isObject(root) ? root['SPAirPortDataType'] : undefined);
  for (const section of sections) {
    for (const iface of objects(section['spairport_airport_interfaces'])) {
      const name = str(iface['_name']);
      // Only Wi-Fi cards carry these keys; the AWDL interface and others do not.
      if (!('spairport_status_information' in iface) && !('spairport_card_type' in iface)) continue;
      out.interfaces.push(name);
      if (iface['spairport_status_information'] === 'spairport_status_off') out.off.push(name);
      const current = iface['spairport_current_network_information'];
      let connectedKey: string | null = null;
      if (isObject(current)) {
        const link = emptyLink();
        link.interface = name || null;
        link.ssid = ssidOf(current);
        link.bssid = normalizeMac(str(current['spairport_network_bssid']));
        const { channel, band } = channelOf(current['spairport_network_channel']);
        link.channel = channel;
        link.band_ghz = band;
        const { rssi, noise } = signalNoise(current['spairport_signal_noise']);
        link.rssi_dbm = rssi;
        link.noise_dbm = noise;
        if (rssi !== null && noise !== null) link.snr_db = rssi - noise;
        const rate = Number(current['spairport_network_rate']);
        if (Number.isFinite(rate) && rate > 0) link.tx_rate_mbps = rate;
        link.security = classifySecurity(str(current['spairport_security_mode'])).security;
        out.links.push(link);
        connectedKey = `${link.ssid}|${link.channel ?? ''}`;
        const seen = toNetwork(current, true);
        if (seen) out.networks.push(seen);
      }
      for (const other of objects(iface['spairport_airport_other_local_wireless_networks'])) {
        const seen = toNetwork(other, false);
        if (seen && `${seen.ssid}|${seen.channel ?? ''}` !== connectedKey) out.networks.push(seen);
        else if (!seen) out.skipped += 1;
      }
    }
  }
  return out;
}

/**
 * A network entry; null when it has no channel (damaged). macOS 15 lists
 * neighbours without `spairport_signal_noise`: they are kept, their
 * signal unknown, since they still say which SSIDs and channels are in use.
 */
function toNetwork(entry: Json, connected: boolean): WifiNetwork | null {
  const { channel, band } = channelOf(entry['spairport_network_channel']);
  const { rssi } = signalNoise(entry['spairport_signal_noise']);
  if (channel === null) return null;
  const ssid = ssidOf(entry);
  const { security, enterprise, tkip } = classifySecurity(str(entry['spairport_security_mode']));
  return {
    ssid,
    hidden: ssid === '',
    bssid: normalizeMac(str(entry['spairport_network_bssid'])),
    channel,
    band_ghz: band,
    rssi_dbm: rssi,
    rssi_estimated: false,
    signal_pct: null,
    security,
    enterprise,
    tkip,
    connected,
  };
}
