import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { commandWorks, missingComponent } from '../../../test/support/real-component.js';
import { renderLaunchdPlist } from './launchd-plist.js';
import type { ServiceSpec } from './service-spec.js';
import { quoteExecWord, renderSystemdUnit } from './systemd-unit.js';
import { renderWindowsInstallScript, windowsArg } from './windows-task.js';

/**
 * Each folder under testcases/ holds `spec.json` (a {@link ServiceSpec}) and
 * the files it must produce: `skolnet-agent.service`, `skolnet.agent.plist`,
 * `install-service.ps1`. Set SKOLNET_RECORD_TESTCASES=1 to rewrite them
 * after a deliberate change, then review the diff. A new case records
 * only the files it already has (create them empty first).
 */
const casesDir = fileURLToPath(new URL('./testcases/', import.meta.url));
const record = process.env.SKOLNET_RECORD_TESTCASES === '1';

const renderers: Record<string, (spec: ServiceSpec) => string> = {
  'skolnet-agent.service': renderSystemdUnit,
  'skolnet.agent.plist': renderLaunchdPlist,
  'install-service.ps1': renderWindowsInstallScript,
};

describe('generated service files match the recorded test cases', () => {
  // Folders only: testcases/README.md says what the cases are.
  const cases = readdirSync(casesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);
  it('has test cases', () => expect(cases.length).toBeGreaterThanOrEqual(3));
  for (const name of cases) {
    const spec = JSON.parse(readFileSync(join(casesDir, name, 'spec.json'), 'utf8')) as ServiceSpec;
    for (const [file, render] of Object.entries(renderers)) {
      const path = join(casesDir, name, file);
      if (!existsSync(path)) continue;
      it(`${name}/${file}`, () => {
        const text = render(spec);
        if (record) writeFileSync(path, text);
        expect(text).toBe(readFileSync(path, 'utf8'));
      });
    }
  }
});

describe('quoting', () => {
  it('quotes ExecStart words so systemd reads them back unchanged', () => {
    expect(quoteExecWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(quoteExecWord('a b')).toBe('"a b"');
    expect(quoteExecWord('50%')).toBe('50%%');
    expect(quoteExecWord('$HOME')).toBe('"$$HOME"');
    expect(quoteExecWord('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
  });

  it('quotes Windows arguments the way the C runtime splits them', () => {
    expect(windowsArg('run')).toBe('run');
    expect(windowsArg('C:\\Program Files\\skolnet')).toBe('"C:\\Program Files\\skolnet"');
    expect(windowsArg('C:\\dir with space\\')).toBe('"C:\\dir with space\\\\"');
    expect(windowsArg('a"b')).toBe('"a\\"b"');
    expect(windowsArg('')).toBe('""');
  });

  it('refuses a newline that would start a new unit directive', () => {
    const spec: ServiceSpec = {
      nodePath: '/usr/bin/node',
      agentScript: '/usr/lib/skolnet/bin/skolnet-agent.js',
      stateDir: '/var/lib/skolnet-agent',
      collectorUrl: 'https://collector.example.lv/',
      runArgs: ['--only', 'latency\nExecStartPre=/bin/sh'],
    };
    expect(() => renderSystemdUnit(spec)).toThrow(/control character/);
  });

  it('refuses a state directory under /home, which ProtectHome hides', () => {
    expect(() =>
      renderSystemdUnit({
        nodePath: '/usr/bin/node',
        agentScript: '/usr/lib/skolnet/bin/skolnet-agent.js',
        stateDir: '/home/it/.local/state/skolnet-agent',
        collectorUrl: 'https://collector.example.lv/',
        runArgs: [],
      }),
    ).toThrow(/ProtectHome/);
  });
});

const noVerify = missingComponent(
  'systemd-analyze',
  commandWorks('systemd-analyze', ['--version']),
  'apt-get install systemd',
);

describe.skipIf(noVerify)('systemd-analyze verify accepts the unit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skolnet-unit-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const verify = (unit: string): { code: number | null; output: string } => {
    const unitDir = join(dir, String(Math.random()).slice(2));
    mkdirSync(unitDir);
    const file = join(unitDir, 'skolnet-agent.service');
    writeFileSync(file, unit);
    const out = spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8', timeout: 30_000 });
    return { code: out.status, output: `${out.stdout}${out.stderr}`.trim() };
  };

  // The ExecStart= binary must exist for verify, so the unit runs this node and the agent script.
  const agentScript = fileURLToPath(new URL('../../bin/skolnet-agent.js', import.meta.url));
  for (const stateDir of ['/var/lib/skolnet-agent', '/srv/skolnet-agent']) {
    it(`with its state in ${stateDir}`, () => {
      const unit = renderSystemdUnit({
        nodePath: process.execPath,
        agentScript,
        stateDir,
        collectorUrl: 'https://collector.example.lv/',
        configFile: '/etc/skolnet/agent.yaml',
        runArgs: ['--only', 'latency,host', '--set', 'latency.count=20'],
      });
      // verify exits 0 on unknown or unparsable keys and only warns, so any output is a failure.
      expect(verify(unit)).toEqual({ code: 0, output: '' });
    });
  }

  it('reports a broken unit (so the check above can fail)', () => {
    const broken = verify(`[Service]\nExecStart=${process.execPath} x\nRestart=sometimes\n`);
    expect(broken.output).toMatch(/restart specifier/);
  });
});

/** The plist as Apple's format reads it: Python's plistlib (the XML plist reader plutil's format defines), as JSON. */
function parsePlist(text: string): unknown {
  const run = spawnSync(
    'python3',
    ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))'],
    { input: text, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`plistlib refused the plist: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

describe.skipIf(
  missingComponent(
    "python3's plistlib",
    commandWorks('python3', ['-c', 'import plistlib']),
    'apt-get install python3',
  ) !== undefined,
)('the launchd plist read by a plist parser we did not write', () => {
  it('gives launchd the job the macOS test case describes', () => {
    const spec = JSON.parse(readFileSync(join(casesDir, 'macos', 'spec.json'), 'utf8')) as ServiceSpec;
    // What launchd must be told (launchd.plist(5)), written out here rather than recorded from our output.
    expect(parsePlist(renderLaunchdPlist(spec))).toEqual({
      Label: 'skolnet.agent',
      ProgramArguments: [
        spec.nodePath,
        expect.stringMatching(/^--/),
        expect.stringMatching(/^--/),
        expect.stringMatching(/^--/),
        spec.agentScript,
        'run',
        '--state',
        spec.stateDir,
        ...spec.runArgs,
      ],
      UserName: '_skolnet',
      GroupName: '_skolnet',
      WorkingDirectory: spec.stateDir,
      RunAtLoad: true,
      KeepAlive: { SuccessfulExit: false },
      ThrottleInterval: 30,
      // 0o077: the state (credentials, outbox) is readable by the agent's user alone.
      Umask: 0o077,
      StandardOutPath: '/Library/Logs/skolnet-agent.log',
      StandardErrorPath: '/Library/Logs/skolnet-agent.log',
      ProcessType: 'Background',
    });
  });

  it('keeps every argument byte for byte, markup and non-ASCII included', () => {
    const tricky = [
      '--set',
      'http.url=https://x.example/?a=1&b=<2>',
      `--only`,
      `latency,"host",'wifi'`,
      'Skolēnu ]]> tīkls',
    ];
    const spec: ServiceSpec = {
      nodePath: '/opt/node & co/bin/node',
      agentScript: '/Users/IT <admin>/skolnet-agent.js',
      stateDir: '/Library/Application Support/skolnet-agent',
      collectorUrl: 'https://skolnet.example.lv/?x=<y>&z=--',
      runArgs: tricky,
    };
    const parsed = parsePlist(renderLaunchdPlist(spec)) as { ProgramArguments: string[] };
    expect(parsed.ProgramArguments[0]).toBe(spec.nodePath);
    expect(parsed.ProgramArguments).toContain(spec.agentScript);
    expect(parsed.ProgramArguments.slice(-tricky.length)).toEqual(tricky);
  });
});
