/**
 * The platform-neutral shape every Wi-Fi parser produces, and the small
 * radio facts (bands, channels, security families, signal conversions)
 * the parsers share. Field names follow the result naming rule, so a
 * parsed value becomes a result field without renaming.
 */

/** Where a scan or link came from. */
export type WifiFormat = 'netsh' | 'iw' | 'nmcli' | 'system_profiler';

/**
 * Security family of a network, the weakest mode it accepts: a WPA/WPA2
 * mixed network is `wpa` (a client may still join with WPA and TKIP), a
 * WPA2/WPA3 transition network is `wpa2`. `owe` is Enhanced Open
 * (encrypted, unauthenticated).
 */
export type WifiSecurity = 'open' | 'owe' | 'wep' | 'wpa' | 'wpa2' | 'wpa3' | 'unknown';

/** The network an interface is connected to. */
export interface WifiLink {
  /** Interface name (`wlan0`, `Wi-Fi`, `en0`), when the output names it. */
  interface: string | null;
  ssid: string;
  /** The access point's BSSID (lower-case `aa:bb:cc:dd:ee:ff`); null when the platform hides it. */
  bssid: string | null;
  channel: number | null;
  band_ghz: number | null;
  /** Received signal strength in dBm. */
  rssi_dbm: number | null;
  /** True when `rssi_dbm` was derived from a quality percentage, not read from the driver. */
  rssi_estimated: boolean;
  /** Signal quality as the platform printed it, 0–100 %, when it prints one. */
  signal_pct: number | null;
  noise_dbm: number | null;
  /** `rssi_dbm - noise_dbm`, in dB, when both are known. */
  snr_db: number | null;
  tx_rate_mbps: number | null;
  rx_rate_mbps: number | null;
  security: WifiSecurity | null;
}

/** One BSS (one radio advertising one SSID) seen in a scan. */
export interface WifiNetwork {
  /** The network name; `''` when hidden. */
  ssid: string;
  hidden: boolean;
  /** Lower-case `aa:bb:cc:dd:ee:ff`; null when the platform hides it (recent macOS). */
  bssid: string | null;
  channel: number | null;
  band_ghz: number | null;
  rssi_dbm: number | null;
  /** True when `rssi_dbm` was derived from a quality percentage. */
  rssi_estimated: boolean;
  signal_pct: number | null;
  security: WifiSecurity;
  /** 802.1X (WPA-Enterprise) authentication. */
  enterprise: boolean;
  /** The network offers the TKIP cipher (deprecated by IEEE 802.11-2012, broken since 2008). */
  tkip: boolean;
  /** This host is connected to this BSS. */
  connected: boolean;
}

/** What one saved or live output contained. */
export interface WifiObservation {
  format: WifiFormat;
  /** Connected links, one per connected interface. */
  links: WifiLink[];
  /** Every BSS seen, in output order. */
  networks: WifiNetwork[];
  /** Blocks or lines that looked like data but could not be read; kept out of the results. */
  skipped: number;
}

/** `aa:bb:cc:dd:ee:ff` or `aa-bb-…`, any case. */
export const MAC_PATTERN = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;

/** Lower-case, colon-separated form of a MAC, or null when `text` is not one. */
export function normalizeMac(text: string): string | null {
  const t = text.trim();
  return MAC_PATTERN.test(t) ? t.toLowerCase().replace(/-/g, ':') : null;
}

/**
 * Band of a centre frequency in MHz (IEEE 802.11-2020 Annex E; 6 GHz from
 * 802.11ax-2021): 2.4 GHz 2401–2495, 5 GHz 5150–5895, 6 GHz 5925–7125.
 */
export function bandFromFrequency(mhz: number): number | null {
  if (mhz >= 2401 && mhz <= 2495) return 2.4;
  if (mhz >= 5150 && mhz <= 5895) return 5;
  if (mhz >= 5925 && mhz <= 7125) return 6;
  return null;
}

/** Channel number of a 20 MHz centre frequency in MHz (same sources as {@link bandFromFrequency}). */
export function channelFromFrequency(mhz: number): number | null {
  const band = bandFromFrequency(mhz);
  if (band === 2.4) return mhz === 2484 ? 14 : Math.round((mhz - 2407) / 5);
  if (band === 5) return Math.round((mhz - 5000) / 5);
  // 6 GHz channel 1 is centred on 5955 MHz; 5935 MHz is the odd channel 2.
  if (band === 6) return mhz === 5935 ? 2 : Math.round((mhz - 5950) / 5);
  return null;
}

/**
 * Band of a channel number when the output names no band. 1–14 are
 * 2.4 GHz; 32–177 are read as 5 GHz even where a 6 GHz channel has the
 * same number (37 is only 6 GHz, 149 is both): Windows 10 and older tools
 * that print no band cannot use 6 GHz anyway, and newer ones print it.
 */
export function bandFromChannel(channel: number): number | null {
  if (channel >= 1 && channel <= 14) return 2.4;
  if (channel >= 32 && channel <= 177 && channel % 4 === 0) return 5;
  if (channel >= 149 && channel <= 177 && channel % 4 === 1) return 5;
  if (channel >= 1 && channel <= 233 && channel % 4 === 1) return 6;
  return null;
}

/** Reads a band label such as `5 GHz`, `2,4 GHz`, `2GHz`, `6GHz`; 2 means 2.4. */
export function parseBandLabel(text: string): number | null {
  const m = /(\d+(?:[.,]\d+)?)\s*GHz/i.exec(text);
  if (!m?.[1]) return null;
  const value = Number(m[1].replace(',', '.'));
  if (value >= 2 && value < 3) return 2.4;
  if (value === 5 || value === 6) return value;
  return null;
}

/**
 * dBm from a Windows signal quality percentage. Microsoft's
 * WLAN_ASSOCIATION_ATTRIBUTES documentation: 0 % is -100 dBm, 100 % is
 * -50 dBm, linear in between. 100 % therefore means "-50 dBm or better".
 */
export function windowsQualityToDbm(pct: number): number {
  return Math.min(100, Math.max(0, pct)) / 2 - 100;
}

/**
 * dBm from a NetworkManager signal percentage: the inverse of
 * `nm_wifi_utils_level_to_quality` in NetworkManager's source, which maps
 * -100…-40 dBm linearly onto 0…100 %.
 */
export function networkManagerQualityToDbm(pct: number): number {
  return Math.round((Math.min(100, Math.max(0, pct)) * 0.6 - 100) * 10) / 10;
}

/** Classifies authentication and cipher text (any platform's spelling) into a {@link WifiSecurity}. */
export function classifySecurity(
  auth: string,
  cipher = '',
): { security: WifiSecurity; enterprise: boolean; tkip: boolean } {
  const a = auth.toUpperCase();
  const c = cipher.toUpperCase();
  const tkip = /TKIP/.test(a) || /TKIP/.test(c);
  const enterprise = /ENTERPRISE|802\.1X|EAP|\bMGT\b/.test(a);
  let security: WifiSecurity;
  if (/WEP/.test(c) || /WEP/.test(a)) security = 'wep';
  // macOS spells WPA/WPA2 mixed mode `…wpa2_personal_mixed`, WPA2/WPA3 `…wpa3_transition`.
  else if (/MIXED/.test(a) && /WPA/.test(a)) security = 'wpa';
  else if (/TRANSITION/.test(a) && /WPA3/.test(a)) security = 'wpa2';
  // WPA1 appears as "WPA-", "WPA ", "WPA1" or a lone "WPA"; WPA2/WPA3 do not match it.
  else if (/WPA(?![23])/.test(a.replace(/WPA[23]/g, ''))) security = 'wpa';
  else if (/WPA2/.test(a)) security = 'wpa2';
  else if (/WPA3|SAE/.test(a)) security = 'wpa3';
  else if (/OWE/.test(a)) security = 'owe';
  else if (/CCMP|GCMP|AES/.test(c)) security = 'wpa2';
  else security = 'open';
  return { security, enterprise, tkip };
}

/**
 * Words that name public hotspot networks of telecom operators and cities
 * ("Vodafone Hotspot", "Telekom_FON", "Telia Hotspot", "Free Public
 * Hotspot"). Such a network serves the public, so its name and BSSID are
 * no one's personal data, even though "hotspot" is also a word phones use.
 * Operators listed: those of the Baltic and Nordic countries the agent is
 * deployed in and the large European and US ones whose hotspots travel
 * with people's expectations; a heuristic like the rest.
 */
const PUBLIC_HOTSPOT =
  /(?<![a-z])(vodafone|telekom|telia|tele2|telenor|tet|lmt|bite|elisa|orange|sfr|swisscom|bt|xfinity|ee|o2|kpn|a1|magenta|movistar|fon|public|free|city|guest|bezmaksas|gratis)(?![a-z])/i;

/**
 * Whether an SSID looks like a phone or laptop sharing its connection, or
 * a Wi-Fi Direct device (printer, TV). Such networks belong to people, not
 * to the school: their names often carry a person's name and their BSSID
 * is a personal device's MAC, so neither is reported (the network still
 * counts). A heuristic on the names phones use by default. "Hotspot" and
 * "tethering" alone are personal unless the name also names a public
 * operator or says it is public ({@link PUBLIC_HOTSPOT}); a phone's brand
 * is personal whatever else the name says.
 */
export function looksPersonal(ssid: string): boolean {
  if (/^DIRECT-/i.test(ssid) || /['’]s\s/i.test(ssid)) return true;
  // Letters may not continue the word ("Pixelart" is not a Pixel) but
  // digits and underscores may ("AndroidAP_1234", "iPhone12").
  if (
    /(?<![a-z])(iphone|ipad|android|androidap|androidhotspot|galaxy|redmi|xiaomi|poco|huawei|honor|pixel|oneplus|oppo|realme|vivo|nokia|motorola|moto|phone|telefons)(?![a-z])/i.test(
      ssid,
    )
  )
    return true;
  return /(?<![a-z])(hotspot|tethering)(?![a-z])/i.test(ssid) && !PUBLIC_HOTSPOT.test(ssid);
}

/** A number from text that may use a decimal comma (`866,7`). */
export function parseDecimal(text: string): number | null {
  const t = text.trim().replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

/** An empty link to fill in. */
export function emptyLink(): WifiLink {
  return {
    interface: null,
    ssid: '',
    bssid: null,
    channel: null,
    band_ghz: null,
    rssi_dbm: null,
    rssi_estimated: false,
    signal_pct: null,
    noise_dbm: null,
    snr_db: null,
    tx_rate_mbps: null,
    rx_rate_mbps: null,
    security: null,
  };
}
