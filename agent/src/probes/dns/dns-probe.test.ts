import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { createCommandRunner } from '../../system/command-runner.js';
import { MemoryAccumulator } from '../memory-accumulator.js';
import { dnsProbeDefinition } from './dns-probe-definition.js';

/**
 * A DNS server on loopback that answers every A question with 10.0.0.1
 * (RFC 1035 §4.1 message layout), or never answers when `silent`.
 */
async function startDns(silent = false): Promise<{ port: number; socket: Socket; queries: number }> {
  const socket = createSocket('udp4');
  const state = { port: 0, socket, queries: 0 };
  socket.on('message', (msg, rinfo) => {
    state.queries += 1;
    if (silent) return;
    // The question ends after the name's zero label and QTYPE + QCLASS.
    let end = 12;
    while (end < msg.length && msg[end] !== 0) end += (msg[end] ?? 0) + 1;
    end += 5;
    const header = Buffer.from([0, 0, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    msg.copy(header, 0, 0, 2);
    const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]);
    socket.send(Buffer.concat([header, msg.subarray(12, end), answer]), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  state.port = socket.address().port;
  return state;
}

const sockets: Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

const ctx = { runner: createCommandRunner(), now: () => new Date('2026-03-02T09:00:00Z') };

describe('DnsProbe', () => {
  it('times the system resolver and a configured one, and reports one that never answers', async () => {
    const good = await startDns();
    const dead = await startDns(true);
    sockets.push(good.socket, dead.socket);
    const acc = new MemoryAccumulator();
    await dnsProbeDefinition
      .create(ctx, {
        // localhost resolves from /etc/hosts through the system resolver: no traffic leaves the host.
        name: 'localhost',
        resolvers: `127.0.0.1:${good.port}, 127.0.0.1:${dead.port}`,
        count: 3,
        timeout_s: 0.5,
      })
      .gather(acc, new AbortController().signal);
    const by = Object.fromEntries(acc.measurements.map((m) => [m.tags.resolver, m]));
    expect(by.system?.fields).toMatchObject({ result: 'success', lookups: 3, failed: 0 });
    expect(by[`127.0.0.1:${good.port}`]?.fields).toMatchObject({
      result: 'success',
      addresses: 1,
      failed: 0,
    });
    expect(good.queries).toBe(3);
    expect(by[`127.0.0.1:${good.port}`]?.fields.lookup_ms).toBeGreaterThan(0);
    expect(by[`127.0.0.1:${dead.port}`]?.fields.result).toBe('timeout');
    expect(acc.measurements.every((m) => m.tags.name === 'localhost')).toBe(true);
  });

  it('records one skipped result, once, when the collector URL is an address and no name is set', async () => {
    const probe = dnsProbeDefinition.create({ ...ctx, collectorUrl: new URL('http://127.0.0.1:8080') });
    const first = new MemoryAccumulator();
    await probe.gather(first, new AbortController().signal);
    expect(first.errors).toEqual([]);
    expect(first.measurements).toHaveLength(1);
    expect(first.measurements[0]).toMatchObject({
      measurement: 'dns',
      tags: { resolver: 'system' },
      fields: { result: 'skipped', reason: 'no_name' },
    });
    expect(first.measurements[0]?.fields.detail).toMatch(/addressed by IP \(127\.0\.0\.1\); set dns\.name/);
    // Every later interval: nothing to record, nothing to warn about.
    for (let i = 0; i < 3; i += 1) {
      const later = new MemoryAccumulator();
      await probe.gather(later, new AbortController().signal);
      expect(later.measurements).toEqual([]);
      expect(later.errors).toEqual([]);
    }
  });
});
