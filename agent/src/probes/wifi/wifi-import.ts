import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import { parseIwLink, parseIwScan } from './iw-output.js';
import { parseNetshInterfaces, parseNetshNetworks } from './netsh-output.js';
import { parseNmcliWifiList } from './nmcli-output.js';
import { parseSystemProfilerAirport } from './system-profiler-output.js';
import type { WifiFormat, WifiLink, WifiNetwork, WifiObservation } from './wifi-model.js';

/**
 * Reading saved Wi-Fi output of any supported tool, with the format told
 * from the text itself, so IT staff can survey a room from a machine
 * without the agent and import the file later (`skolnet-agent wifi import`).
 */

const MAC = '[0-9a-f]{2}(?:[:-][0-9a-f]{2}){5}';
// A BSS line may carry a masked BSSID (`BSS xx:xx:xx:xx:3e:41(on wlan0)`) in a published scan.
const IW_HEAD = new RegExp(
  `^(BSS [0-9a-fx]{2}(?::[0-9a-fx]{2}){5}|Connected to ${MAC}|Not connected\\.)`,
  'im',
);
// Terse nmcli escapes the colons inside a BSSID, whatever field list was chosen.
const NMCLI_TERSE = /[0-9a-f]{2}(?:\\:[0-9a-f]{2}){5}/i;
const NMCLI_TABLE = new RegExp(`^[* ]\\s+${MAC}\\s+`, 'im');
// An indented "label : MAC" line; netsh's only unindented lines are headers.
const NETSH_MAC_LINE = new RegExp(`^\\s+\\S.*\\s+: ${MAC}\\s*$`, 'im');

/** The format of saved output, or undefined when it is none of the known ones. */
export function detectWifiFormat(text: string): WifiFormat | undefined {
  const body = text.replace(/^\uFEFF/, '');
  if (/^\s*\{/.test(body) && body.includes('SPAirPortDataType')) return 'system_profiler';
  if (IW_HEAD.test(body)) return 'iw';
  if (NMCLI_TERSE.test(body) || NMCLI_TABLE.test(body)) return 'nmcli';
  if (NETSH_MAC_LINE.test(body)) return 'netsh';
  return undefined;
}

/**
 * Marks the networks a link is connected to, by BSSID (or SSID and channel
 * when BSSIDs are hidden), and gives a link without security (iw's link
 * report has none) the security its network advertises.
 */
export function markConnected(networks: WifiNetwork[], links: readonly WifiLink[]): void {
  for (const n of networks) {
    if (!n.connected) n.connected = links.some((l) => same(l, n));
  }
  for (const l of links) {
    const n = networks.find((candidate) => candidate.connected && same(l, candidate));
    if (l.security === null && n) l.security = n.security;
  }
}

/** Whether a link and a scanned BSS are the same radio: by BSSID, else by SSID and channel. */
function same(l: WifiLink, n: WifiNetwork): boolean {
  return l.bssid && n.bssid ? l.bssid === n.bssid : l.ssid === n.ssid && l.channel === n.channel;
}

/**
 * Links for the networks a scan itself marks connected (iw's
 * `-- associated`, nmcli's `*`) that no link report covers, so that a saved
 * scan alone still says which network the machine was on, and the scan
 * summary's `connected` agrees with its networks.
 */
export function linksFromScan(networks: readonly WifiNetwork[], links: readonly WifiLink[]): WifiLink[] {
  return networks.filter((n) => n.connected && !links.some((l) => same(l, n))).map(linkFromNetwork);
}

/** A link for the network nmcli marks in use; nmcli's list has no interface or rates. */
export function linkFromNetwork(n: WifiNetwork): WifiLink {
  return {
    interface: null,
    ssid: n.ssid,
    bssid: n.bssid,
    channel: n.channel,
    band_ghz: n.band_ghz,
    rssi_dbm: n.rssi_dbm,
    rssi_estimated: n.rssi_estimated,
    signal_pct: n.signal_pct,
    noise_dbm: null,
    snr_db: null,
    tx_rate_mbps: null,
    rx_rate_mbps: null,
    security: n.security,
  };
}

/**
 * Parses saved output of one tool; several outputs of the same tool may be
 * concatenated (`netsh wlan show interfaces` followed by `netsh wlan show
 * networks mode=bssid`, or `iw link` followed by `iw scan`).
 *
 * @throws SkolnetError `SKOLNET_WIFI_FORMAT_UNKNOWN` when the format is not recognised
 */
export function parseSavedScan(text: string): WifiObservation {
  const body = text.replace(/^\uFEFF/, '');
  const format = detectWifiFormat(body);
  let observation: WifiObservation;
  switch (format) {
    case 'netsh': {
      const nets = parseNetshNetworks(body);
      const links = parseNetshInterfaces(body).flatMap((i) => (i.link ? [i.link] : []));
      observation = { format, links, networks: nets.networks, skipped: nets.skipped };
      break;
    }
    case 'iw': {
      const scan = parseIwScan(body);
      const link = parseIwLink(body);
      observation = { format, links: link ? [link] : [], networks: scan.networks, skipped: scan.skipped };
      break;
    }
    case 'nmcli': {
      const scan = parseNmcliWifiList(body);
      observation = { format, links: [], networks: scan.networks, skipped: scan.skipped };
      break;
    }
    case 'system_profiler': {
      const sp = parseSystemProfilerAirport(body);
      observation = { format, links: sp.links, networks: sp.networks, skipped: sp.skipped };
      break;
    }
    default:
      throw new SkolnetError(
        ErrorCodes.WIFI_FORMAT_UNKNOWN,
        'not a saved Wi-Fi scan: expected output of netsh wlan show networks mode=bssid (or show interfaces), iw dev IF scan (or link), nmcli device wifi list (the table, or -t with BSSID and SIGNAL among its fields) or system_profiler SPAirPortDataType -json',
      );
  }
  markConnected(observation.networks, observation.links);
  observation.links.push(...linksFromScan(observation.networks, observation.links));
  return observation;
}
