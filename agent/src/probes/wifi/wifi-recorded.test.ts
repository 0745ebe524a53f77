import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { parseNetshInterfaces, parseNetshNetworks } from './netsh-output.js';
import { parseSavedScan } from './wifi-import.js';
import { sampleMeasurements } from './wifi-measurements.js';
import { looksPersonal } from './wifi-model.js';

/**
 * Defects found by importing scans that other people saved on real machines
 * (testcases/README.md names each source). Every figure asserted here was
 * read from the capture by hand.
 */

const read = (name: string): string =>
  readFileSync(new URL(`./testcases/${name}/input.txt`, import.meta.url), 'utf8');

/** The results an import of `name` produces, as `wifi import` builds them. */
function importResults(name: string) {
  const o = parseSavedScan(read(name));
  return sampleMeasurements({
    source: o.format,
    result: 'success',
    links: o.links,
    disconnected: [],
    networks: o.networks,
  });
}

describe('iw scans whose tabs became spaces (CentOS 7, published by the jc project)', () => {
  const scan = parseSavedScan(read('recorded-iw-centos-spaces-associated'));

  it('keeps every SSID and reads security from the RSN and WPA elements', () => {
    expect(scan.networks).toHaveLength(26);
    // One BSS really has a hidden SSID (21 NUL bytes); every other one is named.
    expect(scan.networks.filter((n) => n.hidden).map((n) => n.bssid)).toEqual(['fe:49:2d:00:00:09']);
    expect(scan.networks.filter((n) => n.security === 'wep')).toEqual([]);
    expect(scan.networks[0]).toMatchObject({
      ssid: 'home-1',
      channel: 1,
      band_ghz: 2.4,
      rssi_dbm: -57,
      // A WPA element beside the RSN element: WPA/WPA2 mixed mode.
      security: 'wpa',
    });
    expect(scan.networks.find((n) => n.ssid === 'home-2')).toMatchObject({ security: 'wpa2' });
    // No Privacy bit, no RSN or WPA element.
    expect(scan.networks.filter((n) => n.ssid === 'Vodafone Hotspot')).toHaveLength(5);
    expect(scan.networks.find((n) => n.ssid === 'Vodafone Hotspot')).toMatchObject({ security: 'open' });
  });

  it('reads the two-BSS scan of the same machine', () => {
    const small = parseSavedScan(read('recorded-iw-centos-spaces-scan0'));
    expect(small.networks.map((n) => [n.ssid, n.channel, n.rssi_dbm, n.security])).toEqual([
      ['Cisco1240', 1, -45, 'open'],
      ['Cisco1250', 11, -70, 'open'],
    ]);
  });

  it('makes the "-- associated" BSS the connection, so the summary agrees with the results', () => {
    expect(scan.links).toEqual([
      expect.objectContaining({ ssid: 'home-4', bssid: 'ac:22:05:00:00:05', channel: 36, rssi_dbm: -30 }),
    ]);
    const results = importResults('recorded-iw-centos-spaces-associated');
    const summary = results.find((m) => m.measurement === 'wifi_scan')!;
    const networks = results.filter((m) => m.measurement === 'wifi_network');
    expect(networks.filter((m) => m.fields['connected'] === true)).toHaveLength(1);
    expect(summary.fields['connected']).toBe(true);
    const reported = new Set(networks.flatMap((m) => (m.tags['bssid'] ? [m.tags['bssid']] : [])));
    expect(summary.fields['bssids']).toBe(reported.size);
  });

  it('reads a link report indented with spaces', () => {
    expect(parseSavedScan(read('recorded-iw-link-spaces')).links).toEqual([
      expect.objectContaining({ ssid: 'SSID-1', channel: 1, band_ghz: 2.4, rssi_dbm: -51, tx_rate_mbps: 26 }),
    ]);
  });
});

describe('public operator hotspots are not personal', () => {
  it.each([
    ['Vodafone Hotspot', false],
    ['Telekom_FON', false],
    ['Telia Hotspot', false],
    ['Free Public Hotspot', false],
    ['Jāņa hotspot', true],
    ['AndroidHotspot4321', true],
    ['iPhone (Anna)', true],
  ])('%s looks personal: %s', (ssid, personal) => {
    expect(looksPersonal(ssid)).toBe(personal);
  });

  it('keeps the names of the Vodafone hotspots in the CentOS scan', () => {
    const results = importResults('recorded-iw-centos-spaces-associated');
    expect(results.filter((m) => m.tags['ssid'] === 'Vodafone Hotspot')).toHaveLength(5);
  });
});

describe('nmcli terse output with other field lists', () => {
  it("reads `nmcli -t dev wifi list` with nmcli's default fields", () => {
    const scan = parseSavedScan(read('recorded-nmcli-terse-default-fields'));
    expect(scan.networks).toHaveLength(11);
    expect(scan.networks.find((n) => n.ssid === 'SSID-2-\\foo:bar')).toMatchObject({
      bssid: 'fe:dc:ba:09:87:02',
      channel: 6,
      band_ghz: 2.4,
      signal_pct: 100,
      security: 'wpa2',
    });
    expect(scan.networks.find((n) => n.ssid === 'SSID-1')).toMatchObject({ security: 'wpa' });
    expect(scan.networks.find((n) => n.ssid === 'SSID-5')).toMatchObject({
      security: 'open',
      signal_pct: 54,
    });
    expect(scan.links).toEqual([expect.objectContaining({ ssid: 'SSID-3', channel: 1, signal_pct: 87 })]);
  });

  it('reads any field order by the shape of the values (synthetic rows)', () => {
    const text = [
      'Skola\\:Viesi:82:44:3C\\:41\\:0E\\:1A\\:2B\\:30:WPA2 802.1X:5220 MHz',
      'Bibliotēka:35:6:3C\\:41\\:0E\\:1A\\:2B\\:31::2437 MHz',
      'SkolaNet:60:37:3C\\:41\\:0E\\:1A\\:2B\\:32:WPA3:6135 MHz',
    ].join('\n');
    const scan = parseSavedScan(text);
    expect(scan.networks.map((n) => [n.ssid, n.signal_pct, n.channel, n.band_ghz, n.security])).toEqual([
      ['Skola:Viesi', 82, 44, 5, 'wpa2'],
      ['Bibliotēka', 35, 6, 2.4, 'open'],
      ['SkolaNet', 60, 37, 6, 'wpa3'],
    ]);
  });

  it('says which fields it needs when a terse listing has no signal (synthetic)', () => {
    let caught: unknown;
    try {
      parseSavedScan('SkolaNet:3C\\:41\\:0E\\:1A\\:2B\\:30\nViesi:3C\\:41\\:0E\\:1A\\:2B\\:31\n');
    } catch (err) {
      caught = err;
    }
    expect(isSkolnetError(caught, ErrorCodes.WIFI_FORMAT_UNKNOWN)).toBe(true);
    expect(String((caught as Error).message)).toMatch(/BSSID and SIGNAL/);
  });
});

describe('netsh wlan show interfaces in the Windows 11 24H2 shape', () => {
  it('reads on past a label with no space before the colon (Spanish)', () => {
    expect(parseNetshInterfaces(read('recorded-netsh-es-24h2-interfaces'))).toEqual([
      {
        name: 'Wi-Fi',
        link: expect.objectContaining({
          ssid: 'SSID-1',
          bssid: 'fe:dc:ba:09:87:02',
          channel: 11,
          band_ghz: 2.4,
          rx_rate_mbps: 69,
          tx_rate_mbps: 206,
          signal_pct: 81,
          security: 'open',
        }),
      },
    ]);
  });

  it('finds the link of an interface whose GUID was redacted (German)', () => {
    expect(parseNetshInterfaces(read('recorded-netsh-de-24h2-interfaces-redacted-guid'))).toEqual([
      {
        name: 'WLAN',
        link: expect.objectContaining({
          ssid: 'SSID-1',
          bssid: 'fe:dc:ba:09:87:02',
          channel: 116,
          band_ghz: 5,
          rx_rate_mbps: 300,
          tx_rate_mbps: 300,
          signal_pct: 43,
          security: 'wpa2',
        }),
      },
    ]);
  });

  it('reads the French and English interfaces the same way', () => {
    expect(parseNetshInterfaces(read('recorded-netsh-fr-24h2-interfaces'))[0]?.link).toMatchObject({
      channel: 11,
      rx_rate_mbps: 103,
      tx_rate_mbps: 206,
      signal_pct: 80,
      security: 'open',
    });
    expect(parseNetshInterfaces(read('recorded-netsh-en-interfaces'))[0]?.link).toMatchObject({
      channel: 44,
      band_ghz: 5,
      rx_rate_mbps: 103,
      tx_rate_mbps: 103,
      signal_pct: 42,
      security: 'wpa2',
    });
  });
});

describe('netsh networks as people saved them', () => {
  it('reads an interface line with no space before the colon (Italian)', () => {
    const text = read('recorded-netsh-it-networks');
    expect(parseNetshNetworks(text)).toMatchObject({ interfaces: ['Wi-Fi'], skipped: 0 });
    expect(parseNetshNetworks(text).networks).toHaveLength(11);
  });

  it('keeps a BSS whose BSSID was redacted, without its BSSID (the Italian capture, one BSSID masked by hand)', () => {
    const masked = parseSavedScan(
      read('recorded-netsh-it-networks').replace('fe:dc:ba:09:87:06', 'xx:xx:xx:xx:xx:xx'),
    );
    expect(masked.skipped).toBe(0);
    expect(masked.networks).toHaveLength(11);
    expect(masked.networks.find((n) => n.bssid === null)).toMatchObject({
      ssid: 'SSID-4',
      signal_pct: 85,
      channel: 44,
      band_ghz: 5,
    });
  });

  it('reads on past lines that lost their indentation (Spanish)', () => {
    const es = parseSavedScan(read('recorded-netsh-es-networks'));
    expect(es.skipped).toBe(0);
    expect(es.networks.map((n) => [n.ssid, n.bssid, n.channel, n.signal_pct])).toEqual([
      ['SSID-1', 'fe:dc:ba:09:87:01', 149, 53],
      ['SSID-1', 'fe:dc:ba:09:87:02', 144, 22],
      ['SSID-1', 'fe:dc:ba:09:87:03', 44, 86],
      ['SSID-2', 'fe:dc:ba:09:87:04', 4, 82],
      ['SSID-3', 'fe:dc:ba:09:87:05', 6, 40],
      ['SSID-3', 'fe:dc:ba:09:87:06', 6, 90],
      ['SSID-3', 'fe:dc:ba:09:87:07', 11, 81],
    ]);
  });
});

describe('macOS system_profiler on macOS 12 and 15', () => {
  it('keeps macOS 15 neighbours that carry no signal, with the signal unknown', () => {
    const scan = parseSavedScan(read('recorded-system-profiler-macos15'));
    // The connection (SSID-2) and five neighbours, one of which is the connection again.
    expect(scan.networks.map((n) => [n.ssid, n.channel, n.rssi_dbm])).toEqual([
      ['SSID-2', 6, -40],
      ['SSID-1', 4, null],
      ['SSID-3', 44, null],
      ['SSID-4', 144, null],
      ['SSID-5', 6, null],
    ]);
    expect(scan.skipped).toBe(0);
  });

  it('derives the band from a bare channel number on macOS 12', () => {
    const scan = parseSavedScan(read('recorded-system-profiler-macos12-hotspot'));
    expect(scan.links).toEqual([expect.objectContaining({ ssid: 'SSID-4', channel: 149, band_ghz: 5 })]);
    expect(scan.networks.map((n) => [n.ssid, n.channel, n.band_ghz])).toEqual([
      ['SSID-4', 149, 5],
      ['SSID-1', 1, 2.4],
      ['SSID-2', 11, 2.4],
      ['SSID-3', 149, 5],
    ]);
  });
});
