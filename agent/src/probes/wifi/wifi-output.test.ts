import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { parseIwDev, parseIwLink, unescapeIwSsid } from './iw-output.js';
import { parseNetshInterfaces, parseNetshNetworks } from './netsh-output.js';
import { splitTerse } from './nmcli-output.js';
import { detectWifiFormat, parseSavedScan } from './wifi-import.js';
import {
  bandFromChannel,
  channelFromFrequency,
  classifySecurity,
  looksPersonal,
  networkManagerQualityToDbm,
  windowsQualityToDbm,
} from './wifi-model.js';

const testcases = new URL('./testcases/', import.meta.url);
const read = (name: string, file: string): string =>
  readFileSync(new URL(`${name}/${file}`, testcases), 'utf8');
const caseNames = readdirSync(testcases).filter((n) => n !== 'README.md');

describe('recorded and real-shaped command output', () => {
  it('names every case recorded or synthetic', () => {
    for (const name of caseNames) expect(name).toMatch(/^(recorded|synthetic)-/);
  });

  it('has recorded cases of every tool and several display languages', () => {
    for (const prefix of [
      'netsh-en-',
      'netsh-de-',
      'netsh-fr-',
      'netsh-es-',
      'netsh-it-',
      'iw-',
      'nmcli-',
      'system-profiler-',
    ])
      expect(caseNames.some((n) => n.startsWith(`recorded-${prefix}`))).toBe(true);
  });

  // *iw-dev-* are interface listings, not scans; every other case is a saved scan.
  const isIwDev = (n: string): boolean => /^(recorded|synthetic)-iw-dev-/.test(n);
  it.each(caseNames.filter(isIwDev))('parses %s', (name) => {
    expect({ interfaces: parseIwDev(read(name, 'input.txt')) }).toEqual(
      JSON.parse(read(name, 'expected.json')),
    );
  });

  it.each(caseNames.filter((n) => !isIwDev(n) && n !== 'README.md'))('parses %s', (name) => {
    expect(parseSavedScan(read(name, 'input.txt'))).toEqual(JSON.parse(read(name, 'expected.json')));
  });
});

describe('netsh by structure, not by label', () => {
  const en = parseSavedScan(read('synthetic-netsh-en-win11', 'input.txt'));

  it('reads Latvian Windows exactly like English Windows', () => {
    expect(parseSavedScan(read('synthetic-netsh-lv-win11', 'input.txt'))).toEqual(en);
  });

  it('reads German Windows 10 exactly like English Windows 10, decimal commas included', () => {
    const de = parseSavedScan(read('synthetic-netsh-de-win10', 'input.txt'));
    expect(de).toEqual(parseSavedScan(read('synthetic-netsh-en-win10', 'input.txt')));
    expect(de.links[0]).toMatchObject({
      channel: 44,
      rx_rate_mbps: 866.7,
      tx_rate_mbps: 866.7,
      signal_pct: 96,
    });
  });

  it('reads Latvian labels garbled by a code page mismatch', () => {
    const garbled = read('synthetic-netsh-lv-cp775-mojibake', 'input.txt');
    expect(garbled).toContain('\ufffd');
    const parsed = parseSavedScan(garbled);
    expect(parsed.links).toEqual(en.links);
    expect(parsed.networks).toEqual(en.networks.filter((n) => /^[\x20-\x7e]*$/.test(n.ssid)));
  });

  it('finds the known figures of the English Windows 11 case', () => {
    expect(en.links).toEqual([
      expect.objectContaining({
        interface: 'Wi-Fi',
        ssid: 'SkolaNet',
        bssid: '3c:41:0e:1a:2b:30',
        channel: 36,
        band_ghz: 5,
        rssi_dbm: -49,
        rssi_estimated: false,
        tx_rate_mbps: 1201,
        security: 'wpa2',
      }),
    ]);
    expect(en.networks).toHaveLength(10);
    // 6 GHz channel 37 from the Band line; the hidden network has an empty SSID.
    expect(en.networks[2]).toMatchObject({ channel: 37, band_ghz: 6, signal_pct: 60, rssi_dbm: -70 });
    expect(en.networks.find((n) => n.hidden)).toMatchObject({ ssid: '', bssid: '3c:41:0e:1a:2b:33' });
    expect(en.networks.find((n) => n.ssid === 'Kafejnica')).toMatchObject({ security: 'wpa', tkip: true });
    expect(en.networks.find((n) => n.ssid === 'Bibliotēka')).toMatchObject({ security: 'open' });
    // The adapter's own address (3c:58:c2:11:22:33) is never part of the result.
    expect(JSON.stringify(en)).not.toContain('3c:58:c2');
  });

  it('reads dozens of BSSIDs and drops only the damaged ones', () => {
    const many = parseSavedScan(read('synthetic-netsh-lv-many-bssids-malformed', 'input.txt'));
    expect(many.networks).toHaveLength(24 + 11);
    // A BSSID line without a MAC, and a block cut off before its signal.
    expect(many.skipped).toBe(2);
    expect(many.networks.map((n) => n.bssid)).not.toContain('de:ad:be:ef:00:01');
  });

  it('tells interfaces apart without reading a label', () => {
    const two = [
      'There are 2 interfaces on the system:',
      '',
      '    Name                   : Wi-Fi 2',
      '    GUID                   : 11111111-2222-3333-4444-555555555555',
      '    Physical address       : 00:c0:ca:12:34:56',
      '    State                  : disconnected',
      '',
      '    Name                   : Wi-Fi',
      '    GUID                   : 6f1c2a9e-8b1d-4c3e-9a2f-1b2c3d4e5f60',
      '    Physical address       : 3c:58:c2:11:22:33',
      '    State                  : connected',
      '    SSID                   : A : B',
      '    BSSID                  : 3C-41-0E-1A-2B-30',
      '    Channel                : 11',
      '    Receive rate (Mbps)    : 144.4',
      '    Transmit rate (Mbps)   : 72',
      '    Signal                 : 100%',
    ].join('\r\n');
    const found = parseNetshInterfaces(two);
    expect(found.map((i) => i.name)).toEqual(['Wi-Fi 2', 'Wi-Fi']);
    expect(found[0]?.link).toBeNull();
    expect(found[1]?.link).toMatchObject({
      ssid: 'A : B',
      bssid: '3c:41:0e:1a:2b:30',
      channel: 11,
      band_ghz: 2.4,
      rx_rate_mbps: 144.4,
      tx_rate_mbps: 72,
      rssi_dbm: -50,
      rssi_estimated: true,
    });
  });

  it('finds nothing in a message instead of a listing', () => {
    const message =
      'Network shell commands need location permission to access WLAN information. Turn on Location services on the Location page in Privacy & security settings.';
    expect(parseNetshInterfaces(message)).toEqual([]);
    expect(parseNetshNetworks(message)).toEqual({ interfaces: [], networks: [], skipped: 0 });
  });
});

describe('iw details', () => {
  it('decodes escaped SSID bytes as UTF-8', () => {
    expect(unescapeIwSsid('J\\xc4\\x81\\xc5\\x86a iPhone')).toBe('Jāņa iPhone');
    expect(unescapeIwSsid('plain')).toBe('plain');
  });

  it('reads "Not connected." as no link', () => {
    expect(parseIwLink('Not connected.\n')).toBeNull();
  });

  it('keeps scan lines out of the link when both are in one file', () => {
    const parsed = parseSavedScan(read('synthetic-iw-link-and-scan', 'input.txt'));
    expect(parsed.links[0]).toMatchObject({ ssid: 'SkolaNet', rssi_dbm: -56, channel: 36, security: 'wpa2' });
    expect(parsed.networks.filter((n) => n.hidden)).toHaveLength(2);
    expect(parsed.networks.find((n) => n.band_ghz === 6 && n.channel === 1)).toMatchObject({
      security: 'wpa2',
    });
  });
});

describe('radio facts', () => {
  it.each([
    [2412, 1],
    [2484, 14],
    [5180, 36],
    [5745, 149],
    [5955, 1],
    [5935, 2],
    [6135, 37],
    [7115, 233],
  ])('%i MHz is channel %i', (mhz, channel) => {
    expect(channelFromFrequency(mhz)).toBe(channel);
  });

  it.each([
    [6, 2.4],
    [36, 5],
    [149, 5],
    [37, 6],
    [233, 6],
    [15, null],
  ])('channel %i without a band label is %s GHz', (channel, band) => {
    expect(bandFromChannel(channel)).toBe(band);
  });

  it('converts quality percentages the way each platform defines them', () => {
    expect([windowsQualityToDbm(0), windowsQualityToDbm(50), windowsQualityToDbm(100)]).toEqual([
      -100, -75, -50,
    ]);
    expect([networkManagerQualityToDbm(0), networkManagerQualityToDbm(100)]).toEqual([-100, -40]);
  });

  it.each([
    ['WPA2-Personal', 'CCMP', 'wpa2', false],
    ['WPA-Personal', 'TKIP', 'wpa', true],
    ['WPA1 WPA2', '', 'wpa', false],
    ['WPA2 WPA3', '', 'wpa2', false],
    ['WPA3-Personal', 'GCMP-256', 'wpa3', false],
    ['Atvērts', 'Nav', 'open', false],
    ['Open', 'WEP', 'wep', false],
    ['OWE', '', 'owe', false],
    ['spairport_security_mode_wpa2_personal_mixed', '', 'wpa', false],
    ['spairport_security_mode_wpa3_transition', '', 'wpa2', false],
  ])('classifies %s / %s as %s', (auth, cipher, security, tkip) => {
    expect(classifySecurity(auth, cipher)).toMatchObject({ security, tkip });
  });

  it.each([
    ['Jāņa iPhone', true],
    ["Anna's Galaxy A52", true],
    ['AndroidAP_1234', true],
    ['Pixelart', false],
    ['DIRECT-7B-HP LaserJet', true],
    ['Redmi Note 12', true],
    ['SkolaNet', false],
    ['Rīgas 1. vsk', false],
  ])('%s looks personal: %s', (ssid, personal) => {
    expect(looksPersonal(ssid)).toBe(personal);
  });
});

describe('format detection', () => {
  it('refuses text that is no Wi-Fi output', () => {
    expect(detectWifiFormat('hello\nworld\n')).toBeUndefined();
    let caught: unknown;
    try {
      parseSavedScan('PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.');
    } catch (err) {
      caught = err;
    }
    expect(isSkolnetError(caught, ErrorCodes.WIFI_FORMAT_UNKNOWN)).toBe(true);
  });

  it('splits terse nmcli lines at unescaped colons only', () => {
    expect(splitTerse('*:AA\\:BB:Skola\\:Viesi:6')).toEqual(['*', 'AA:BB', 'Skola:Viesi', '6']);
  });
});
