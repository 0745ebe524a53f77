import type { Fields, Tags } from '@skolnet/shared/core';
import { looksPersonal, type WifiFormat, type WifiLink, type WifiNetwork } from './wifi-model.js';

/** Measurement of a connected (or disconnected) interface: one per Wi-Fi interface. */
export const WIFI_LINK_MEASUREMENT = 'wifi_link';
/** Measurement of one BSS seen in a scan. */
export const WIFI_NETWORK_MEASUREMENT = 'wifi_network';
/** Measurement summarising one scan: whether it ran, how many networks it saw. */
export const WIFI_SCAN_MEASUREMENT = 'wifi_scan';

/**
 * How a scan went. `needs_privileges`: the platform would scan only for an
 * administrator (iw without CAP_NET_ADMIN); `no_interface`: no Wi-Fi
 * interface; `unavailable`: no tool to ask, or the platform refused
 * (Windows 11 without location permission); `error`: anything else.
 */
export type WifiScanResult = 'success' | 'needs_privileges' | 'no_interface' | 'unavailable' | 'error';

/** A measurement without its time: all of one sample share the same `at`. */
export interface WifiMeasurement {
  measurement: string;
  fields: Fields;
  tags: Tags;
}

/** Everything one sample produced, before it becomes measurements. */
export interface WifiSample {
  source: WifiFormat | 'none';
  result: WifiScanResult;
  /** One line saying why, when `result` is not `success`. */
  error?: string;
  links: readonly WifiLink[];
  /** Interfaces found that are not connected. */
  disconnected: readonly string[];
  networks: readonly WifiNetwork[];
  /** Tags added to every measurement (`room`, `room_use`). */
  tags?: Tags;
}

/** Copies the entries of `values` that are set: result fields have no null. */
function defined(values: Record<string, number | string | boolean | null>): Fields {
  const out: Fields = {};
  for (const [k, v] of Object.entries(values)) if (v !== null) out[k] = v;
  return out;
}

/**
 * Turns one sample into results. Personal networks (phone hotspots,
 * Wi-Fi Direct devices, see {@link looksPersonal}) keep their figures but
 * lose their name and BSSID, which belong to a person's device; interface
 * MACs are never part of a sample to begin with.
 */
export function sampleMeasurements(sample: WifiSample): WifiMeasurement[] {
  const base: Tags = { ...(sample.tags ?? {}) };
  const out: WifiMeasurement[] = [];
  for (const link of sample.links) {
    const personal = looksPersonal(link.ssid);
    const tags: Tags = { ...base };
    if (link.interface) tags.interface = link.interface;
    if (!personal && link.ssid) tags.ssid = link.ssid;
    if (!personal && link.bssid) tags.bssid = link.bssid;
    out.push({
      measurement: WIFI_LINK_MEASUREMENT,
      tags,
      fields: defined({
        result: 'connected',
        channel: link.channel,
        band_ghz: link.band_ghz,
        rssi_dbm: link.rssi_dbm,
        rssi_estimated: link.rssi_dbm === null ? null : link.rssi_estimated,
        signal_pct: link.signal_pct,
        noise_dbm: link.noise_dbm,
        snr_db: link.snr_db,
        tx_rate_mbps: link.tx_rate_mbps,
        rx_rate_mbps: link.rx_rate_mbps,
        security: link.security,
        personal_hotspot: personal ? true : null,
        source: sample.source,
      }),
    });
  }
  for (const name of sample.disconnected) {
    out.push({
      measurement: WIFI_LINK_MEASUREMENT,
      tags: { ...base, interface: name },
      fields: { result: 'disconnected', source: sample.source },
    });
  }
  for (const n of sample.networks) {
    const personal = !n.hidden && looksPersonal(n.ssid);
    const tags: Tags = { ...base };
    if (!personal && !n.hidden) tags.ssid = n.ssid;
    if (!personal && n.bssid) tags.bssid = n.bssid;
    out.push({
      measurement: WIFI_NETWORK_MEASUREMENT,
      tags,
      fields: defined({
        channel: n.channel,
        band_ghz: n.band_ghz,
        rssi_dbm: n.rssi_dbm,
        rssi_estimated: n.rssi_dbm === null ? null : n.rssi_estimated,
        signal_pct: n.signal_pct,
        security: n.security,
        enterprise: n.enterprise,
        tkip: n.tkip,
        hidden: n.hidden,
        connected: n.connected,
        personal_hotspot: personal ? true : null,
        source: sample.source,
      }),
    });
  }
  // The summary counts what the results show: a personal hotspot's BSSID is
  // not reported, so it is counted apart instead of among the BSSIDs.
  const isPersonal = (n: WifiNetwork): boolean => !n.hidden && looksPersonal(n.ssid);
  const bssids = new Set(sample.networks.flatMap((n) => (n.bssid && !isPersonal(n) ? [n.bssid] : [])));
  const personalHotspots = sample.networks.filter(isPersonal).length;
  out.push({
    measurement: WIFI_SCAN_MEASUREMENT,
    tags: base,
    fields: defined({
      result: sample.result,
      networks: new Set(sample.networks.filter((n) => !n.hidden).map((n) => n.ssid)).size,
      hidden_networks: sample.networks.filter((n) => n.hidden).length,
      bssids: bssids.size,
      personal_hotspots: personalHotspots,
      connected: sample.links.length > 0,
      error: sample.error ?? null,
      source: sample.source,
    }),
  });
  return out;
}
