import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AssessReport } from '@skolnet/shared';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { main } from '../cli.js';
import { SqliteOutbox } from '../outbox/sqlite-outbox.js';
import type { CommandRunner, ProbeDefinition } from '../probes/probe.js';
import { resolveWifiOptions } from '../probes/wifi/wifi-options.js';
import { wifiProbeDefinition } from '../probes/wifi/wifi-probe-definition.js';
import { WifiProbe } from '../probes/wifi/wifi-probe.js';
import { AgentState } from '../state/agent-state.js';
import type { CommandContext } from './command-context.js';
import { runSurveyCommand, sampleSignal } from './survey-command.js';

const testcase = (name: string): string =>
  readFileSync(new URL(`../probes/wifi/testcases/${name}/input.txt`, import.meta.url), 'utf8');

/** A laptop on Linux whose link signal walks through `signals`, one per sample. */
function walkingRunner(signals: number[]): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  let sample = 0;
  return {
    calls,
    run(command, args) {
      const line = [command, ...args].join(' ');
      calls.push(line);
      if (line === 'iw dev')
        return Promise.resolve({ stdout: testcase('synthetic-iw-dev-managed'), stderr: '', exitCode: 0 });
      if (line.endsWith(' link')) {
        const rssi = signals[sample++ % signals.length]!;
        const stdout = `Connected to 3c:41:0e:1a:2b:30 (on wlp0s20f3)\n\tSSID: SkolaNet\n\tfreq: 5180\n\tsignal: ${rssi} dBm\n`;
        return Promise.resolve({ stdout, stderr: '', exitCode: 0 });
      }
      return Promise.resolve({
        stdout: '',
        stderr: 'command failed: Operation not permitted (-1)',
        exitCode: 255,
      });
    },
  };
}

const linuxWifi: ProbeDefinition = {
  ...wifiProbeDefinition,
  create: (ctx, options) => new WifiProbe(ctx, resolveWifiOptions(options), { platform: 'linux' }),
};

describe('skolnet-agent survey', () => {
  let dir: string;
  let out: string;
  let err: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-survey-'));
    out = '';
    err = '';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const ctx = (runner: CommandRunner): CommandContext => ({
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t) },
    registry: { wifi: linuxWifi },
    createRunner: () => runner,
    now: () => new Date('2026-03-02T09:00:00Z'),
    env: {},
    stopSignal: new AbortController().signal,
  });
  const noWait = (): Promise<void> => Promise.resolve();

  it('asks for rooms, shows bars and verdicts, and prints room-tagged results when not enrolled', async () => {
    const runner = walkingRunner([-55, -60, -58, -72, -80, -90]);
    const input = Readable.from(['Kabinets 12\n', '\n', 'Zāle\n', 'n\n', '\n']);
    const code = await runSurveyCommand({ samples: '3', json: true, state: dir }, ctx(runner), {
      input,
      sleep: noWait,
    });
    expect(code).toBe(0);
    expect(err).toContain('Room name (empty to finish): ');
    expect(err).toMatch(
      /sample 1\/3 {2}\[#{12}-{8}\] {2}-55 dBm {2}good: voice and video {2}\(SkolaNet, 5 GHz, ch 36\)/,
    );
    expect(err).toMatch(/Kabinets 12: weakest .* -60 dBm {2}good/);
    expect(err).toMatch(/Zāle: weakest .* -90 dBm {2}poor/);
    expect(err).toContain('note: needs_privileges');
    expect(err).toContain('not enrolled');
    const report = JSON.parse(out) as AssessReport;
    const links = report.results.filter((r) => r.measurement === 'wifi_link');
    expect(links.map((r) => [r.tags['room'], r.tags['room_use'], r.fields['rssi_dbm']])).toEqual([
      ['Kabinets 12', 'teaching', -55],
      ['Kabinets 12', 'teaching', -60],
      ['Kabinets 12', 'teaching', -58],
      ['Zāle', 'other', -72],
      ['Zāle', 'other', -80],
      ['Zāle', 'other', -90],
    ]);
  });

  it('with --room surveys one room without asking and appends to the outbox of an enrolled agent', async () => {
    new AgentState(dir).writeCredentials({
      collector_url: 'http://127.0.0.1:9',
      agent_id: 'agent-1',
      school_id: 'school-1',
      secret: 's'.repeat(40),
      enrolled_at: '2026-03-01T00:00:00Z',
    });
    const runner = walkingRunner([-61]);
    const code = await main(
      ['survey', '--room', 'Lab 2', '--samples', '2', '--interval', '1ms', '--state', dir],
      { stdout: (t) => void (out += t), stderr: (t) => void (err += t) },
      {
        registry: { wifi: linuxWifi },
        createRunner: () => runner,
      },
    );
    expect(code).toBe(0);
    expect(err).not.toContain('Room name');
    expect(err).toContain('stored');
    const outbox = new SqliteOutbox(new AgentState(dir).outboxFile);
    try {
      const queued = outbox.peek(100);
      expect(queued.filter((r) => r.measurement === 'wifi_link')).toHaveLength(2);
      expect(queued.every((r) => r.tags['room'] === 'Lab 2' && r.school_id === 'school-1')).toBe(true);
    } finally {
      outbox.close();
    }
  });

  it('refuses bad arguments with exit 2', async () => {
    const io = { stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) };
    const deps = { registry: { wifi: linuxWifi }, createRunner: () => walkingRunner([-50]) };
    expect(await main(['survey', '--room', 'A', '--samples', '0'], io, deps)).toBe(2);
    expect(await main(['survey', '--room', 'A', '--room-use', 'gym'], io, deps)).toBe(2);
    expect(err).toContain('SKOLNET_CLI_BAD_ARGUMENT');
  });

  it('says plainly that this machine cannot scan Wi-Fi, stores nothing and exits non-zero without iw or nmcli', async () => {
    new AgentState(dir).writeCredentials({
      collector_url: 'http://127.0.0.1:9',
      agent_id: 'agent-1',
      school_id: 'school-1',
      secret: 's'.repeat(40),
      enrolled_at: '2026-03-01T00:00:00Z',
    });
    const missing: CommandRunner & { calls: string[] } = {
      calls: [],
      run(command) {
        this.calls.push(command);
        return Promise.reject(
          new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, `cannot run ${command}: ENOENT`),
        );
      },
    };
    const code = await main(
      ['survey', '--room', 'Lab 2', '--samples', '3', '--interval', '1ms', '--state', dir],
      { stdout: (t) => void (out += t), stderr: (t) => void (err += t) },
      { registry: { wifi: linuxWifi }, createRunner: () => missing },
    );
    expect(code).not.toBe(0);
    expect(err).toContain('this machine cannot scan Wi-Fi');
    expect(err).toContain('apt install iw');
    expect(err).toContain('SKOLNET_PROBE_UNAVAILABLE');
    expect(err).not.toMatch(/stored \d+ results/);
    // One sample tells: walking further cannot help.
    expect(missing.calls).toEqual(['iw', 'nmcli']);
    const outbox = new SqliteOutbox(new AgentState(dir).outboxFile);
    try {
      expect(outbox.peek(100)).toEqual([]);
    } finally {
      outbox.close();
    }
  });

  it.each([
    ['win32', 'Location'],
    ['darwin', 'Location Services'],
    ['freebsd', 'wifi import'],
  ] as const)('tells what to do on %s when the scan is refused or impossible', async (platform, hint) => {
    const refused: CommandRunner = {
      run: (command) =>
        command === 'netsh'
          ? Promise.resolve({
              stdout: 'Network shell commands need location permission to access WLAN information.\r\n',
              stderr: '',
              exitCode: 1,
            })
          : Promise.reject(new SkolnetError(ErrorCodes.PROBE_UNAVAILABLE, `cannot run ${command}: ENOENT`)),
    };
    const def: ProbeDefinition = {
      ...wifiProbeDefinition,
      create: (c, options) => new WifiProbe(c, resolveWifiOptions(options), { platform }),
    };
    const code = await runSurveyCommand(
      { room: 'A', samples: '2', json: true, state: dir },
      { ...ctx(refused), registry: { wifi: def } },
      { sleep: noWait, platform },
    ).catch((e: unknown) => e);
    expect(code).toMatchObject({ code: ErrorCodes.PROBE_UNAVAILABLE });
    expect(String((code as Error).message)).toContain(hint);
    expect(out).toBe('');
  });

  it('reports the strongest network when not connected', () => {
    const at = '2026-03-02T09:00:00Z';
    expect(
      sampleSignal([
        {
          measurement: 'wifi_network',
          fields: { rssi_dbm: -70, band_ghz: 2.4, channel: 6 },
          tags: { ssid: 'A' },
          at,
        },
        {
          measurement: 'wifi_network',
          fields: { rssi_dbm: -65, band_ghz: 5, channel: 36 },
          tags: { ssid: 'B' },
          at,
        },
      ]),
    ).toEqual({ rssi: -65, what: 'B, 5 GHz, ch 36, not connected' });
    expect(sampleSignal([])).toEqual({ rssi: null, what: 'no network heard' });
  });
});

describe('skolnet-agent wifi import', () => {
  let dir: string;
  let out: string;
  let err: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skolnet-import-'));
    out = '';
    err = '';
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const io = () => ({ stdout: (t: string) => void (out += t), stderr: (t: string) => void (err += t) });

  it('imports Latvian netsh saved by PowerShell (UTF-16LE) as JSON results of the room', async () => {
    const file = join(dir, 'scan.txt');
    writeFileSync(
      file,
      Buffer.concat([
        Buffer.from([0xff, 0xfe]),
        Buffer.from(testcase('synthetic-netsh-lv-win11'), 'utf16le'),
      ]),
    );
    const code = await main(
      ['wifi', 'import', file, '--room', 'Kabinets 12', '--json', '--state', join(dir, 'state')],
      io(),
    );
    expect(code).toBe(0);
    const report = JSON.parse(out) as AssessReport;
    const networks = report.results.filter((r) => r.measurement === 'wifi_network');
    expect(networks).toHaveLength(10);
    expect(networks.every((r) => r.tags['room'] === 'Kabinets 12')).toBe(true);
    expect(report.results.find((r) => r.measurement === 'wifi_scan')?.fields).toMatchObject({
      result: 'success',
      imported: true,
      source: 'netsh',
    });
    expect(err).toContain('netsh output, 10 BSSIDs');
  });

  it('never reports success for a file from which nothing valid was read', async () => {
    const state = join(dir, 'state');
    new AgentState(state).writeCredentials({
      collector_url: 'http://127.0.0.1:9',
      agent_id: 'agent-1',
      school_id: 'school-1',
      secret: 's'.repeat(40),
      enrolled_at: '2026-03-01T00:00:00Z',
    });
    // macOS 15 with Wi-Fi turned off: valid system_profiler JSON without any network.
    const file = join(dir, 'off.json');
    writeFileSync(file, testcase('recorded-system-profiler-macos15-wifi-off'));
    expect(await main(['wifi', 'import', file, '--room', '5', '--json', '--state', state], io())).toBe(2);
    expect(err).toContain('no network and no connection');
    expect(err).toContain('SKOLNET_CLI_BAD_ARGUMENT');
    expect(out).toBe('');
    const outbox = new SqliteOutbox(new AgentState(state).outboxFile);
    try {
      expect(outbox.peek(100)).toEqual([]);
    } finally {
      outbox.close();
    }
  });

  it('imports nmcli terse output saved with nmcli’s default fields', async () => {
    const file = join(dir, 'nmcli.txt');
    writeFileSync(file, testcase('recorded-nmcli-terse-default-fields'));
    expect(
      await main(['wifi', 'import', file, '--room', '5', '--json', '--state', join(dir, 'state')], io()),
    ).toBe(0);
    const report = JSON.parse(out) as AssessReport;
    expect(report.results.filter((r) => r.measurement === 'wifi_network')).toHaveLength(11);
    expect(report.results.find((r) => r.measurement === 'wifi_scan')?.fields).toMatchObject({
      result: 'success',
      connected: true,
      bssids: 11,
    });
  });

  it('prints a table without --json, and refuses an unknown format or a missing room', async () => {
    const file = join(dir, 'scan.txt');
    writeFileSync(file, testcase('synthetic-system-profiler-sonoma'));
    expect(await main(['wifi', 'import', file, '--room', '5', '--state', join(dir, 'state')], io())).toBe(0);
    expect(out).toMatch(/^MEASUREMENT\s+TAGS/);
    writeFileSync(file, 'hello\n');
    expect(await main(['wifi', 'import', file, '--room', '5'], io())).toBe(2);
    expect(err).toContain('SKOLNET_WIFI_FORMAT_UNKNOWN');
    expect(await main(['wifi', 'import', file], io())).toBe(2);
  });
});
