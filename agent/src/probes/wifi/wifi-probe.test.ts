import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { MemoryAccumulator } from '../memory-accumulator.js';
import type { CommandRunner } from '../probe.js';
import { resolveWifiOptions } from './wifi-options.js';
import { wifiProbeDefinition } from './wifi-probe-definition.js';
import { WifiProbe } from './wifi-probe.js';

const read = (name: string): string =>
  readFileSync(new URL(`./testcases/${name}/input.txt`, import.meta.url), 'utf8');
type Answer = { stdout?: string; stderr?: string; exitCode?: number } | 'missing';

/** Replays recorded output by command line; a program marked missing fails like an absent one. */
function replay(answers: Record<string, Answer>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(command, args) {
      const line = [command, ...args].join(' ');
      calls.push(line);
      const a = answers[line] ?? answers[command];
      if (a === undefined) return Promise.reject(new Error(`unexpected ${line}`));
      if (a === 'missing')
        return Promise.reject(
          new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, `cannot run ${command}: ENOENT`),
        );
      return Promise.resolve({ stdout: a.stdout ?? '', stderr: a.stderr ?? '', exitCode: a.exitCode ?? 0 });
    },
  };
}

async function gather(platform: NodeJS.Platform, runner: CommandRunner, raw: unknown = { room: '101' }) {
  const acc = new MemoryAccumulator();
  const probe = new WifiProbe(
    { runner, now: () => new Date('2026-03-02T09:00:00Z') },
    resolveWifiOptions(raw),
    { platform },
  );
  await probe.gather(acc, new AbortController().signal);
  return acc.measurements;
}
const scanOf = (ms: Awaited<ReturnType<typeof gather>>) => ms.find((m) => m.measurement === 'wifi_scan')!;

describe('WifiProbe on replayed commands', () => {
  const iwScan = read('synthetic-iw-link-and-scan').split(/^(?=BSS )/m);
  const iwLink = iwScan[0]!;
  const iwBss = iwScan.slice(1).join('');

  it('Linux: reads the link and scans with iw, tags the room, hides personal hotspots', async () => {
    const runner = replay({
      'iw dev': { stdout: read('synthetic-iw-dev-managed') },
      'iw dev wlp0s20f3 link': { stdout: iwLink },
      'iw dev wlp0s20f3 scan': { stdout: iwBss },
    });
    const ms = await gather('linux', runner);
    expect(runner.calls).toEqual(['iw dev', 'iw dev wlp0s20f3 link', 'iw dev wlp0s20f3 scan']);
    expect(ms.every((m) => m.tags['room'] === '101' && m.tags['room_use'] === 'teaching')).toBe(true);
    expect(new Set(ms.map((m) => m.at.getTime())).size).toBe(1);
    expect(ms[0]).toMatchObject({
      measurement: 'wifi_link',
      tags: { interface: 'wlp0s20f3', ssid: 'SkolaNet', bssid: '3c:41:0e:1a:2b:30' },
      fields: {
        result: 'connected',
        rssi_dbm: -56,
        channel: 36,
        band_ghz: 5,
        tx_rate_mbps: 960.7,
        security: 'wpa2',
      },
    });
    const hotspot = ms.find((m) => m.fields['personal_hotspot'] === true)!;
    expect(hotspot.tags['ssid']).toBeUndefined();
    expect(hotspot.tags['bssid']).toBeUndefined();
    expect(JSON.stringify(ms)).not.toContain('iPhone');
    // The interface's own MAC from `iw dev` never appears.
    expect(JSON.stringify(ms)).not.toContain('f0:2f:4b');
    expect(scanOf(ms).fields).toMatchObject({
      result: 'success',
      // One of the ten BSSIDs is a personal hotspot, reported without its BSSID and counted apart.
      bssids: 9,
      personal_hotspots: 1,
      hidden_networks: 2,
      source: 'iw',
    });
  });

  it('Linux: falls back to nmcli when iw may not scan without root', async () => {
    const runner = replay({
      'iw dev': { stdout: read('synthetic-iw-dev-managed') },
      'iw dev wlp0s20f3 link': { stdout: iwLink },
      'iw dev wlp0s20f3 scan': { stderr: 'command failed: Operation not permitted (-1)\n', exitCode: 255 },
      nmcli: { stdout: read('synthetic-nmcli-terse') },
    });
    const ms = await gather('linux', runner);
    expect(runner.calls.at(-1)).toBe(
      'nmcli -t -f IN-USE,BSSID,SSID,CHAN,FREQ,SIGNAL,SECURITY device wifi list',
    );
    expect(scanOf(ms).fields).toMatchObject({ result: 'success', source: 'nmcli' });
    // The link stays iw's measured -56 dBm, not nmcli's estimate.
    expect(ms.find((m) => m.measurement === 'wifi_link')?.fields).toMatchObject({
      rssi_dbm: -56,
      rssi_estimated: false,
    });
  });

  it('Linux: an nmcli list none of whose rows can be read is an error, not an empty success (synthetic)', async () => {
    const runner = replay({
      'iw dev': 'missing',
      nmcli: { stdout: '*:3C\\:41\\:0E\\:1A\\:2B\\:30:SkolaNet\n' },
    });
    const scan = scanOf(await gather('linux', runner)).fields;
    expect(scan).toMatchObject({ result: 'error', source: 'nmcli' });
    expect(String(scan['error'])).toContain('could not read');
  });

  it('Linux: says a scan needs privileges when neither iw nor NetworkManager can scan', async () => {
    const runner = replay({
      'iw dev': { stdout: read('synthetic-iw-dev-managed') },
      'iw dev wlp0s20f3 link': { stdout: 'Not connected.\n' },
      'iw dev wlp0s20f3 scan': { stderr: 'command failed: Operation not permitted (-1)\n', exitCode: 255 },
      nmcli: 'missing',
    });
    const ms = await gather('linux', runner);
    expect(ms.find((m) => m.measurement === 'wifi_link')).toMatchObject({
      fields: { result: 'disconnected' },
      tags: { interface: 'wlp0s20f3' },
    });
    expect(scanOf(ms).fields).toMatchObject({ result: 'needs_privileges', networks: 0 });
    expect(String(scanOf(ms).fields['error'])).toContain('CAP_NET_ADMIN');
  });

  it('Linux: no Wi-Fi interface, or no tools at all, is a result', async () => {
    expect(scanOf(await gather('linux', replay({ 'iw dev': { stdout: '' } }))).fields).toMatchObject({
      result: 'no_interface',
    });
    expect(
      scanOf(await gather('linux', replay({ 'iw dev': 'missing', nmcli: 'missing' }))).fields,
    ).toMatchObject({
      result: 'unavailable',
    });
  });

  it('Windows: Latvian netsh gives the same results as English', async () => {
    const [lvIfs, lvNets] = read('synthetic-netsh-lv-win11').split(/\r\n(?=\r\nSaskarnes nosaukums)/);
    const [enIfs, enNets] = read('synthetic-netsh-en-win11').split(/\r\n(?=\r\nInterface name)/);
    const run = (ifs: string, nets: string) =>
      gather(
        'win32',
        replay({
          'netsh wlan show interfaces': { stdout: ifs },
          'netsh wlan show networks mode=bssid': { stdout: nets },
        }),
      );
    const lv = await run(lvIfs!, lvNets!);
    expect(lv).toEqual(await run(enIfs!, enNets!));
    expect(scanOf(lv).fields).toMatchObject({
      result: 'success',
      // One of the ten BSSIDs is a personal hotspot, reported without its BSSID and counted apart.
      bssids: 9,
      personal_hotspots: 1,
      networks: 5,
      hidden_networks: 1,
      connected: true,
    });
    expect(JSON.stringify(lv)).not.toContain('3c:58:c2');
  });

  it('Windows: no interface and a refused scan are results with netsh’s own words', async () => {
    const none = await gather(
      'win32',
      replay({ 'netsh wlan show interfaces': { stdout: '\r\nSistēmā nav bezvadu saskarnes.\r\n' } }),
    );
    expect(scanOf(none).fields).toMatchObject({
      result: 'no_interface',
      error: 'Sistēmā nav bezvadu saskarnes.',
    });
    const refused = await gather(
      'win32',
      replay({
        'netsh wlan show interfaces': {
          stdout: read('synthetic-netsh-en-win10').split('\r\n\r\nInterface name')[0],
        },
        'netsh wlan show networks mode=bssid': {
          stdout: 'Network shell commands need location permission to access WLAN information.\r\n',
          exitCode: 1,
        },
      }),
    );
    expect(scanOf(refused).fields).toMatchObject({ result: 'unavailable', connected: true });
    expect(String(scanOf(refused).fields['error'])).toContain('location permission');
  });

  it('macOS: reads system_profiler and never its own MAC', async () => {
    const ms = await gather(
      'darwin',
      replay({ system_profiler: { stdout: read('synthetic-system-profiler-sonoma') } }),
    );
    expect(ms[0]?.fields).toMatchObject({ rssi_dbm: -58, noise_dbm: -94, snr_db: 36 });
    expect(JSON.stringify(ms)).not.toContain('f0:2f:4b');
    expect(scanOf(ms).fields).toMatchObject({ result: 'success', source: 'system_profiler' });
  });

  it('macOS: Wi-Fi turned off is no interface to scan with, not an empty scan (recorded, macOS 15.5)', async () => {
    const ms = await gather(
      'darwin',
      replay({ system_profiler: { stdout: read('recorded-system-profiler-macos15-wifi-off') } }),
    );
    expect(scanOf(ms).fields).toMatchObject({ result: 'no_interface', error: 'Wi-Fi is turned off (en0)' });
    expect(JSON.stringify(ms)).not.toContain('fe:dc:ba:09:87:65');
  });

  it('rejects a bad room_use and leaves results untagged without a room', async () => {
    expect(() =>
      wifiProbeDefinition.create({ runner: replay({}), now: () => new Date() }, { room_use: 'gym' }),
    ).toThrow(/room_use/);
    const ms = await gather('linux', replay({ 'iw dev': { stdout: '' } }), {});
    expect(ms[0]?.tags).toEqual({});
  });
});
