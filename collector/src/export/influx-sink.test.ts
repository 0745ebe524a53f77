import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ErrorCodes } from '@skolnet/shared';
import { influxFromOptions } from '../cli.js';
import { createCollectorMetrics } from '../metrics/collector-metrics.js';
import { makeResult } from '../testing/fixtures.js';
import {
  cachedLookup,
  checkInfluxOptions,
  createInfluxSink,
  resultToPoint,
  submitCommitted,
  type ResultSink,
} from './influx-sink.js';

const identity = { school_id: 'school-1', municipality: 'Sør-Varanger, Finnmark' };

describe('resultToPoint', () => {
  it('writes fields as stored and tags the school, municipality and agent', () => {
    const result = makeResult('agent-1', 'school-1', {
      measurement: 'latency',
      fields: { rtt_avg_ms: 12, loss_pct: 0.5, gateway_ok: true, result: 'time "out"\nagain' },
      tags: { target: 'collector host' },
      at: '2026-03-02T08:00:00.123Z',
    });
    const { point, skipped } = resultToPoint(result, identity);
    expect(skipped).toEqual([]);
    expect(point?.toLineProtocol({ convertTime: (d) => String((d as Date).getTime()) })).toBe(
      'latency,agent=agent-1,municipality=Sør-Varanger\\,\\ Finnmark,school=school-1,target=collector\\ host ' +
        'gateway_ok=T,loss_pct=0.5,result="time \\"out\\" again",rtt_avg_ms=12 1772438400123',
    );
  });

  it('lets the collector identity win over result tags, adds role only when known, renames clashing fields', () => {
    const result = makeResult('agent-1', 'school-1', {
      fields: { role: 'router', if_count: 4 },
      tags: { school: 'forged', agent: 'forged', room: 'B12' },
    });
    const vik = { school_id: 'school-1', municipality: 'Vik' };
    const withoutRole = resultToPoint(result, vik);
    expect(withoutRole.skipped).toEqual([]);
    expect(withoutRole.point?.toLineProtocol()).toMatch(
      /^latency,agent=agent-1,municipality=Vik,room=B12,school=school-1 if_count=4,role="router" \d+$/,
    );
    const withRole = resultToPoint(result, { ...vik, role: 'school_server' });
    expect(withRole.skipped).toEqual([]);
    // The device's role field stays, renamed beside the agent's role tag.
    expect(withRole.point?.toLineProtocol()).toMatch(
      /,role=school_server,room=B12,school=school-1 if_count=4,role_field="router" \d+$/,
    );
  });

  it('keeps the school of the result when its agent has moved since', () => {
    const result = makeResult('agent-1', 'old-school', { fields: { rtt_avg_ms: 3 } });
    const line = resultToPoint(result, {
      school_id: 'new-school',
      municipality: 'Vik',
    }).point?.toLineProtocol();
    expect(line).toMatch(/^latency,agent=agent-1,school=old-school,target=collector rtt_avg_ms=3 \d+$/);
  });

  it('gives no point when every field clashes with a tag and cannot be renamed', () => {
    const result = makeResult('a', 's', { fields: { room: 'x', room_field: 'y' }, tags: { room: 'B12' } });
    const { skipped, point } = resultToPoint(result, identity);
    expect(skipped).toEqual(['room']);
    expect(point?.toLineProtocol()).toMatch(/ room_field="y" \d+$/);
  });
});

describe('cachedLookup', () => {
  it('asks once per agent until the entry expires, and keeps at most `size` agents', async () => {
    let now = 0;
    const inner = vi.fn((id: string) => Promise.resolve({ ...identity, school_id: `s-${id}` }));
    const lookup = cachedLookup(inner, 2, 1000, () => now);
    await lookup('a');
    await lookup('a');
    expect(inner).toHaveBeenCalledTimes(1);
    now = 1001;
    expect((await lookup('a'))?.school_id).toBe('s-a');
    expect(inner).toHaveBeenCalledTimes(2);
    await lookup('b');
    await lookup('c'); // evicts a, the least recently used
    await lookup('a');
    expect(inner).toHaveBeenCalledTimes(5);
  });
});

describe('export options', () => {
  it('refuses a bad URL or an empty setting with SKOLNET_CONFIG_INVALID', () => {
    const good = { url: 'http://127.0.0.1:8086', org: 'o', bucket: 'b', token: 't' };
    expect(() => checkInfluxOptions(good)).not.toThrow();
    for (const bad of [{ url: 'not a url' }, { url: 'ftp://x' }, { org: ' ' }, { token: '' }]) {
      expect(() => checkInfluxOptions({ ...good, ...bad })).toThrow(
        expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }),
      );
    }
  });

  it('turns the export on only with url, org and bucket, and names what is missing', () => {
    expect(influxFromOptions({})).toBeUndefined();
    expect(influxFromOptions({ influxToken: 'from-env' })).toBeUndefined();
    expect(() => influxFromOptions({ influxUrl: 'http://127.0.0.1:1', influxOrg: 'o' })).toThrow(
      expect.objectContaining({
        code: ErrorCodes.CLI_BAD_ARGUMENT,
        message: expect.stringMatching(/--influx-bucket, --influx-token \(or SKOLNET_INFLUX_TOKEN\)$/),
      }),
    );
    expect(
      influxFromOptions({ influxUrl: 'http://h:8086', influxOrg: 'o', influxBucket: 'b', influxToken: 't' }),
    ).toEqual({ url: 'http://h:8086', org: 'o', bucket: 'b', token: 't' });
  });
});

describe('sink against a closed port', () => {
  let sink: ResultSink | undefined;
  let holder: Server | undefined;

  afterEach(async () => {
    await sink?.close();
    sink = undefined;
    holder?.close();
    holder = undefined;
  });

  /** A port nothing listens on: bound, read, closed. */
  async function closedPort(): Promise<number> {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as { port: number };
    server.close();
    await once(server, 'close');
    return port;
  }

  it('takes results without waiting, counts failed writes, keeps a bounded buffer and drops the oldest', async () => {
    const metrics = createCollectorMetrics({ connectedAgents: () => 0, now: () => new Date() });
    const logged: { obj: object; msg: string }[] = [];
    const log = {
      info: () => {},
      warn: (obj: object, msg: string) => logged.push({ obj, msg }),
      error: (obj: object, msg: string) => logged.push({ obj, msg }),
    };
    sink = createInfluxSink({
      url: `http://127.0.0.1:${await closedPort()}`,
      org: 'o',
      bucket: 'b',
      token: 'secret-token-never-logged',
      lookup: () => Promise.resolve(identity),
      metrics: metrics.export,
      log,
      batchSize: 10,
      flushIntervalMs: 5,
      maxBufferedPoints: 25,
      retryInitialMs: 5,
      retryMaxMs: 20,
      closeTimeoutMs: 50,
    });
    for (let i = 0; i < 4; i += 1) {
      const batch = Array.from({ length: 10 }, () => makeResult('agent-1', 'school-1'));
      submitCommitted(sink, batch, { inserted: 10 });
    }
    // 40 submitted into room for 25 (+ at most one batch in flight).
    expect(metrics.export.dropped.get({ reason: 'overflow' })).toBeGreaterThanOrEqual(5);
    await vi.waitFor(() => expect(metrics.export.errors.get({ stage: 'write' })).toBeGreaterThanOrEqual(3), {
      timeout: 10_000,
    });
    expect(metrics.export.written.get()).toBe(0);
    expect(metrics.export.buffered.get()).toBeGreaterThan(0);
    expect(metrics.export.buffered.get()).toBeLessThanOrEqual(25);
    // Rate-limited: many failures, one log line per kind within the interval.
    expect(logged.filter((l) => l.msg === 'export write failed, will retry')).toHaveLength(1);
    expect(JSON.stringify(logged)).not.toContain('secret-token-never-logged');

    // A batch with nothing new is not exported again.
    const before = metrics.export.buffered.get() + metrics.export.dropped.get({ reason: 'overflow' });
    submitCommitted(sink, [makeResult('agent-1', 'school-1')], { inserted: 0 });
    expect(metrics.export.buffered.get() + metrics.export.dropped.get({ reason: 'overflow' })).toBe(before);

    await sink.close();
    sink = undefined;
    expect(metrics.export.buffered.get()).toBe(0);
    expect(metrics.export.dropped.get({ reason: 'shutdown' })).toBeGreaterThan(0);
  });
});
