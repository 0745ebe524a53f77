import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { createCommandRunner } from '../../system/command-runner.js';
import { requireComponent } from '../../../../test/support/real-component.js';
import { MemoryAccumulator } from '../memory-accumulator.js';
import { defaultOptions } from '../options.js';
import type { CommandRunner, ProbeContext } from '../probe.js';
import { parseDefaultGateway } from '../common/default-gateway.js';
import { latencyOptionSpecs, type LatencyOptions } from './latency-options.js';
import { latencyProbeDefinition } from './latency-probe-definition.js';
import { LatencyProbe } from './latency-probe.js';
import { jitterMs, parsePingOutput, pingArguments, summarizePing } from './ping-output.js';

const testcases = new URL('./testcases/', import.meta.url);
const readCase = (name: string, file: string): string =>
  readFileSync(new URL(`${name}/${file}`, testcases), 'utf8');
const caseNames = readdirSync(testcases, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name);
/** Case names are `<kind>-<command>-<platform>-<what>`, kind `recorded` or `synthetic` (testcases/README.md). */
const KIND = /^(recorded|synthetic)-/;
const command = (name: string): string => name.replace(KIND, '').split('-')[0]!;

describe('command output test cases', () => {
  it('say what they are, and the README lists each of them', () => {
    const readme = readFileSync(new URL('README.md', testcases), 'utf8');
    for (const name of caseNames) {
      expect(name).toMatch(KIND);
      expect(readme).toContain(`\`${name}\``);
    }
    expect(caseNames.filter((n) => command(n) === 'ping').length).toBeGreaterThan(0);
    expect(caseNames.filter((n) => command(n) === 'route').length).toBeGreaterThan(0);
  });

  it.each(caseNames.filter((n) => command(n) === 'ping'))('parses %s', (name) => {
    const expected = JSON.parse(readCase(name, 'expected.json')) as { parsed: unknown; fields: unknown };
    const parsed = parsePingOutput(readCase(name, 'input.txt'));
    expect(parsed).toEqual(expected.parsed);
    expect(summarizePing(parsed)).toEqual(expected.fields);
  });

  // The platform as Node spells it follows the command in the case name.
  it.each(caseNames.filter((n) => command(n) === 'route'))('parses %s', (name) => {
    const platform = name.replace(KIND, '').split('-')[1] as NodeJS.Platform;
    const expected = JSON.parse(readCase(name, 'expected.json')) as { gateway: unknown };
    expect(parseDefaultGateway(platform, readCase(name, 'input.txt')) ?? null).toEqual(expected.gateway);
  });
});

describe('ping output rules', () => {
  it('ignores duplicate replies', () => {
    const parsed = parsePingOutput(
      [
        '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=1.0 ms',
        '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=9.0 ms (DUP!)',
        '1 packets transmitted, 1 received, +1 duplicates, 0% packet loss, time 0ms',
      ].join('\n'),
    );
    expect(parsed.replies).toEqual([{ seq: 1, rtt_ms: 1 }]);
    expect(summarizePing(parsed)).toMatchObject({ received: 1, loss_pct: 0 });
  });

  it('orders replies by sequence for jitter and needs two of them', () => {
    expect(jitterMs([{ seq: 1, rtt_ms: 5 }])).toBeUndefined();
    // Arrival order 3,1,2 would give (|1-10| + |2-1|)/2 = 5; sequence order gives (|2-1| + |10-2|)/2.
    const replies = [
      { seq: 3, rtt_ms: 10 },
      { seq: 1, rtt_ms: 1 },
      { seq: 2, rtt_ms: 2 },
    ];
    expect(jitterMs(replies)).toBe(4.5);
  });

  it('explains output it cannot read instead of inventing figures', () => {
    expect(summarizePing(parsePingOutput('something else entirely'), 2)).toEqual({
      result: 'error',
      error: 'ping printed no statistics (exit code 2)',
    });
  });

  it.each([
    ['linux', ['-n', '-c', '10', '-i', '0.2', '-W', '1', '10.0.0.1']],
    ['darwin', ['-n', '-c', '10', '-i', '0.2', '-W', '1000', '10.0.0.1']],
    ['win32', ['-n', '10', '-w', '1000', '10.0.0.1']],
  ] as const)('builds %s arguments', (platform, args) => {
    expect(pingArguments(platform, '10.0.0.1', { count: 10, intervalS: 0.2, timeoutS: 1 })).toEqual(args);
  });
});

/** A runner that answers from recorded output and remembers what it was asked. */
function replayRunner(answers: Record<string, string>): CommandRunner & { calls: string[][] } {
  const calls: string[][] = [];
  return {
    calls,
    run(command, args) {
      calls.push([command, ...args]);
      const recorded = answers[command];
      if (recorded === undefined) return Promise.reject(new Error(`unexpected command ${command}`));
      return Promise.resolve({ stdout: recorded, stderr: '', exitCode: 0 });
    },
  };
}

const ctxWith = (runner: CommandRunner, collectorUrl?: string): ProbeContext => ({
  runner,
  now: () => new Date('2026-03-02T09:00:00Z'),
  ...(collectorUrl ? { collectorUrl: new URL(collectorUrl) } : {}),
});
// Short runs at the unprivileged interval keep recorded-output tests readable; the defaults are tested below.
const options = (over: Partial<LatencyOptions> = {}): LatencyOptions => ({
  ...defaultOptions(latencyOptionSpecs),
  count: 10,
  interval_s: 0.2,
  ...over,
});

describe('LatencyProbe with recorded commands', () => {
  it('pings the default gateway from the routing table', async () => {
    const runner = replayRunner({
      ip: readCase('recorded-route-linux-single', 'input.txt'),
      ping: readCase('recorded-ping-linux-loopback', 'input.txt'),
    });
    const acc = new MemoryAccumulator();
    await new LatencyProbe(ctxWith(runner), options(), { platform: 'linux' }).gather(
      acc,
      new AbortController().signal,
    );
    expect(runner.calls).toEqual([
      ['ip', 'route', 'show', 'default'],
      ['ping', '-n', '-c', '10', '-i', '0.2', '-W', '1', '192.0.2.1'],
    ]);
    expect(acc.measurements).toHaveLength(1);
    expect(acc.measurements[0]).toMatchObject({
      measurement: 'latency',
      tags: { target: 'gateway', host: '192.0.2.1' },
      fields: { result: 'success', sent: 10, received: 10 },
    });
  });

  it('with gateway "off" neither looks up nor pings a gateway', async () => {
    const runner = replayRunner({
      ip: readCase('recorded-route-linux-single', 'input.txt'),
      ping: readCase('recorded-ping-linux-loopback', 'input.txt'),
    });
    const acc = new MemoryAccumulator();
    await new LatencyProbe(ctxWith(runner, 'http://127.0.0.1:8080'), options({ gateway: 'off' }), {
      platform: 'linux',
    }).gather(acc, new AbortController().signal);
    expect(runner.calls).toEqual([['ping', '-n', '-c', '10', '-i', '0.2', '-W', '1', '127.0.0.1']]);
    expect(acc.measurements.map((m) => m.tags.target)).toEqual(['collector']);
  });

  it('reports a missing default route as the gateway result, and still pings the collector', async () => {
    const runner = replayRunner({
      ip: readCase('recorded-route-linux-none', 'input.txt'),
      ping: readCase('recorded-ping-linux-ipv6', 'input.txt'),
    });
    const acc = new MemoryAccumulator();
    await new LatencyProbe(ctxWith(runner, 'http://[::1]:8080'), options(), { platform: 'linux' }).gather(
      acc,
      new AbortController().signal,
    );
    expect(runner.calls.at(-1)?.at(-1)).toBe('::1');
    expect(acc.measurements.map((m) => [m.tags, m.fields.result])).toEqual(
      expect.arrayContaining([
        [{ target: 'gateway' }, 'error'],
        [{ target: 'collector', host: '::1', method: 'icmp' }, 'success'],
      ]),
    );
    const gateway = acc.measurements.find((m) => m.tags.target === 'gateway');
    expect(gateway?.fields.error).toBe('no default gateway in the routing table');
  });

  it('says so on a platform without gateway discovery', async () => {
    const acc = new MemoryAccumulator();
    await new LatencyProbe(ctxWith(replayRunner({})), options(), { platform: 'aix' }).gather(
      acc,
      new AbortController().signal,
    );
    expect(acc.measurements[0]?.fields).toMatchObject({ result: 'error' });
    expect(String(acc.measurements[0]?.fields.error)).toContain('set the gateway option');
  });
});

// --- Real ping against loopback -------------------------------------------

const runner = createCommandRunner();
const signal = (): AbortSignal => new AbortController().signal;

function missingPing(): string | undefined {
  try {
    execFileSync('ping', ['-n', '-c', '1', '-W', '1', '127.0.0.1'], { stdio: 'ignore' });
    return undefined;
  } catch (err) {
    return `cannot ping 127.0.0.1 with the system ping (${(err as Error).message.split('\n')[0]})`;
  }
}
const pingMissing = missingPing();

describe('LatencyProbe against real loopback targets', () => {
  it('measures 127.0.0.1 as both gateway and collector', async (ctx) => {
    requireComponent(pingMissing, (n) => ctx.skip(n));
    const acc = new MemoryAccumulator();
    await new LatencyProbe(
      ctxWith(runner, 'http://127.0.0.1:1'),
      options({ gateway: '127.0.0.1', count: 5 }),
    ).gather(acc, signal());
    expect(acc.measurements.map((m) => m.tags.target).sort()).toEqual(['collector', 'gateway']);
    for (const m of acc.measurements) {
      expect(m.tags.host).toBe('127.0.0.1');
      expect(m.fields).toMatchObject({ result: 'success', sent: 5, received: 5, loss_pct: 0 });
      const { rtt_min_ms: min, rtt_avg_ms: avg, rtt_max_ms: max, jitter_ms: jitter } = m.fields;
      expect(typeof min === 'number' && typeof avg === 'number' && typeof max === 'number').toBe(true);
      expect(min as number).toBeLessThanOrEqual(avg as number);
      expect(avg as number).toBeLessThanOrEqual(max as number);
      expect(jitter as number).toBeGreaterThanOrEqual(0);
    }
  });

  it('falls back to TCP handshakes when ping is missing, and says so in the tags', async () => {
    const acc = new MemoryAccumulator();
    await new LatencyProbe(
      ctxWith(runner),
      // Nothing listens on 127.0.0.1:9; the RST times the round trip all the same.
      options({ gateway: '127.0.0.1', gateway_tcp_port: 9, ping_command: '/nonexistent/ping', count: 5 }),
    ).gather(acc, signal());
    expect(acc.measurements).toHaveLength(1);
    expect(acc.measurements[0]).toMatchObject({
      tags: { target: 'gateway', method: 'tcp', fallback: 'ping_missing' },
      fields: { result: 'success', sent: 5, received: 5, loss_pct: 0, tcp_port: 9 },
    });
    expect(acc.measurements[0]?.fields.rtt_p95_ms).toBeGreaterThan(0);
  });

  it('reports a missing ping program as an error result, not an exception', async () => {
    const acc = new MemoryAccumulator();
    await new LatencyProbe(
      ctxWith(runner),
      options({ gateway: '127.0.0.1', ping_command: '/nonexistent/ping', tcp_fallback: false }),
    ).gather(acc, signal());
    expect(acc.measurements).toHaveLength(1);
    expect(acc.measurements[0]?.fields.result).toBe('error');
    expect(String(acc.measurements[0]?.fields.error)).toMatch(
      /^ping is not available: cannot run \/nonexistent\/ping/,
    );
  });

  it('stops pinging when aborted', async (ctx) => {
    requireComponent(pingMissing, (n) => ctx.skip(n));
    const controller = new AbortController();
    const reason = new Error('agent stopping');
    const acc = new MemoryAccumulator();
    // 100 requests at 1 s would run for minutes; the abort must cut it short.
    const pending = new LatencyProbe(
      ctxWith(runner),
      options({ gateway: '127.0.0.1', count: 100, interval_s: 1 }),
    ).gather(acc, controller.signal);
    setTimeout(() => controller.abort(reason), 300);
    await expect(pending).rejects.toBe(reason);
    expect(acc.measurements).toEqual([]);
  });
});

// A dead target for real: an nftables table of this test's own drops ICMP
// echo requests to 127.0.0.77 on input, so the request leaves ping and no
// reply ever comes, exactly as with a gateway that is down.
const DEAD = '127.0.0.77';
const table = `skolnet_test_${process.pid}`;

function missingNft(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root, cannot add nftables rules';
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'nft is not installed';
  }
}

describe('LatencyProbe against a real dead target', () => {
  const missing = pingMissing ?? missingNft();
  let tableAdded = false;

  beforeAll(() => {
    if (missing) return;
    execFileSync('nft', ['add', 'table', 'inet', table]);
    tableAdded = true;
    execFileSync('nft', [
      'add',
      'chain',
      'inet',
      table,
      'input',
      '{ type filter hook input priority 0; policy accept; }',
    ]);
    execFileSync('nft', [
      'add',
      'rule',
      'inet',
      table,
      'input',
      'ip',
      'daddr',
      DEAD,
      'icmp',
      'type',
      'echo-request',
      'drop',
    ]);
  });
  afterAll(() => {
    if (tableAdded) execFileSync('nft', ['delete', 'table', 'inet', table]);
  });

  it('reports every request lost as a timeout result', async (ctx) => {
    requireComponent(missing, (n) => ctx.skip(n));
    const acc = new MemoryAccumulator();
    await new LatencyProbe(
      ctxWith(runner, `http://${DEAD}:8080`),
      options({ gateway: '127.0.0.1', count: 3, tcp_fallback: false }),
    ).gather(acc, signal());
    const byTarget = Object.fromEntries(acc.measurements.map((m) => [m.tags.target, m]));
    expect(byTarget.collector).toMatchObject({
      tags: { target: 'collector', host: DEAD, method: 'icmp' },
      fields: { result: 'timeout', sent: 3, received: 0, loss_pct: 100, loss_ci_high_pct: 100 },
    });
    expect(byTarget.collector?.fields).not.toHaveProperty('rtt_avg_ms');
    // The live target in the same run is unaffected.
    expect(byTarget.gateway?.fields).toMatchObject({ result: 'success', received: 3 });
  });

  it('times TCP handshakes instead when ICMP is blocked, and says so', async (ctx) => {
    requireComponent(missing, (n) => ctx.skip(n));
    const acc = new MemoryAccumulator();
    await new LatencyProbe(
      ctxWith(runner, `http://${DEAD}:8080`),
      options({ gateway: 'off', count: 3 }),
    ).gather(acc, signal());
    expect(acc.measurements[0]).toMatchObject({
      tags: { target: 'collector', host: DEAD, method: 'tcp', fallback: 'icmp_blocked' },
      fields: { result: 'success', sent: 3, received: 3, tcp_port: 8080 },
    });
  });
});

describe('latency defaults', () => {
  it('pings 500 times, at 0.02 s as root and 0.2 s otherwise', async () => {
    for (const [privileged, interval] of [
      [true, '0.02'],
      [false, '0.2'],
    ] as const) {
      const runner = replayRunner({ ping: readCase('recorded-ping-linux-loopback', 'input.txt') });
      await new LatencyProbe(
        ctxWith(runner),
        { ...defaultOptions(latencyOptionSpecs), gateway: '192.0.2.1' },
        { platform: 'linux', privileged },
      ).gather(new MemoryAccumulator(), signal());
      expect(runner.calls).toEqual([['ping', '-n', '-c', '500', '-i', interval, '-W', '1', '192.0.2.1']]);
    }
  });
});

describe('latencyProbeDefinition', () => {
  it('rejects a bad option, naming it', () => {
    let err: unknown;
    try {
      latencyProbeDefinition.create(ctxWith(runner), { interval_s: 11 });
    } catch (e) {
      err = e;
    }
    expect(isSkolnetError(err, ErrorCodes.CONFIG_INVALID)).toBe(true);
    expect((err as Error).message).toContain('probes.latency.interval_s');
  });
});
