import { describe, expect, it } from 'vitest';
import { probeRegistry } from '../probes/registry.js';
import { mergeProbeSettings, parseAgentConfig, permissionWarning } from './agent-config.js';

describe('parseAgentConfig', () => {
  it('reads the snmp section and other probes’ options', () => {
    const s = parseAgentConfig(
      'snmp:\n  targets: [10.0.0.0/24]\n  credentials:\n    - {version: "2c", community: public}\nprobes:\n  latency: {count: 20}\n',
      probeRegistry,
    );
    expect(s.snmp?.targets).toEqual(['10.0.0.0/24']);
    expect(s.latency).toEqual({ count: 20 });
  });

  it.each([
    ['colector: x\n', /unknown key "colector"/],
    ['probes:\n  latency: {count: 0}\n', /probes\.latency\.count/],
    ['probes:\n  nope: {}\n', /probes\.nope: unknown probe/],
    [
      'snmp:\n  credentials: [{version: "3", user: u, auth_protocol: MD5, auth_key: k12345678}]\n',
      /snmp\.credentials\[0\]\.auth_protocol/,
    ],
    ['snmp:\n  timeout_ms: fast\n', /snmp\.timeout_ms/],
    ['snmp: [1\n', /not valid YAML/],
  ])('rejects %j naming the key', (text, message) => {
    expect(() => parseAgentConfig(text, probeRegistry, 'agent.yaml')).toThrow(message);
  });

  it('lays --set values over the file and drops unselected probes', () => {
    expect(
      mergeProbeSettings(
        ['snmp'],
        { snmp: { port: 161, line_mbps: 100 }, latency: { count: 3 } },
        { snmp: { port: 1161 } },
      ),
    ).toEqual({
      snmp: { port: 1161, line_mbps: 100 },
    });
  });

  it('warns when others can read the file', () => {
    expect(permissionWarning('a.yaml', 0o100644, 'linux')).toMatch(/chmod 600/);
    expect(permissionWarning('a.yaml', 0o100600, 'linux')).toBeUndefined();
  });
});

describe('parseAgentConfig and process warnings', () => {
  it('never puts a line of the file into process warnings (an unknown tag)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      // Found by the resilience suite's fuzzing: the YAML parser's warning quoted the line.
      expect(() =>
        parseAgentConfig('snmp:\n  community: !secret s3cret-community\n', probeRegistry, 'agent.yaml'),
      ).toThrow();
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
