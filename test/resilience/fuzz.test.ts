/**
 * Property-based fuzzing (fast-check) of what skolnet reads from outside:
 * the agent stream's messages (before and after hello), the enrollment
 * endpoint, the agent's and collector's config files, and the command
 * output parsers (ping, iw, nmcli, netsh, saved scans). Every property: no
 * crash, no 500, every refusal a stable `SKOLNET_…` code, and nothing of
 * the bad input stored. Run counts are modest so the suite stays short;
 * fast-check prints the seed of any failure for replaying it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeRegistry } from '@skolnet/agent';
import { buildApp } from '@skolnet/collector';
import {
  AGENT_STREAM_PATH,
  PROTOCOL_VERSION,
  isSkolnetError,
  uuidv7,
  type CollectorMessage,
} from '@skolnet/shared';
import { parsePingOutput } from '../../agent/src/probes/latency/ping-output.js';
import { parseIwScan, parseIwLink } from '../../agent/src/probes/wifi/iw-output.js';
import { parseNetshNetworks } from '../../agent/src/probes/wifi/netsh-output.js';
import { parseNmcliWifiList } from '../../agent/src/probes/wifi/nmcli-output.js';
import { parseSavedScan } from '../../agent/src/probes/wifi/wifi-import.js';
import { parseAgentConfigDocument } from '../../agent/src/config/agent-config.js';
import { readConfigFile } from '../../collector/src/config-file.js';
import type { KyselyStore } from '../../collector/src/storage/kysely-store.js';
import { createTempStore } from '../../collector/src/testing/fixtures.js';
import { connectStream, type StreamTestClient } from '../../collector/src/testing/stream-test-client.js';
import { SecretSearch } from '../support/secret-search.js';
import { report } from './report.js';

/** Runs per property: enough to meet the odd shapes, few enough for a short suite on 2 cores. */
const RUNS = 150;
const CODE = /^SKOLNET_[A-Z0-9_]+$/;

/** JSON values and near-JSON text: what a hostile or broken peer sends. */
const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.json(),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.constantFrom('{', '[]', 'null', '{"type":"hello"', '\u0000', '{"type":"batch","results":[]}'),
);

/** A value of any JSON type, deep. */
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Field values as a broken agent might send them. */
const fieldValue = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.constant(null),
  fc.boolean(),
  anyJson,
);

describe('resilience: property-based fuzzing', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let streamUrl = '';
  let agentId = '';
  let schoolId = '';
  let secret = '';
  const logLines: string[] = [];
  const search = new SecretSearch();
  const figures: string[] = [];

  beforeAll(async () => {
    ({ store, cleanup } = await createTempStore());
    const school = await store.createSchool({ name: 'Liepājas skola', municipality: 'Liepāja', pupils: 250 });
    schoolId = school.id;
    const code = (await store.createEnrollmentCode(school.id, 3_600_000)).code;
    search.secret('enrollment code', code);
    const enrolled = await store.redeemEnrollmentCode(code, { hostname: 'srv', agent_version: '0.1.0' });
    agentId = enrolled.agent_id;
    secret = enrolled.secret;
    search.secret('agent secret', secret);
    app = buildApp({
      store,
      dashboardAssets: false,
      logger: { level: 'debug', stream: { write: (line) => logLines.push(line) } },
      // Enrollment is rate-limited per address; the fuzzer is one address
      // and must reach the route itself (sign-in.test.ts covers the limit).
      config: { auth: { rateLimits: { enrollment: 1_000_000 } } },
    });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    streamUrl = `${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`;
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    search.output('collector log', logLines.join(''));
    expect(search.findings()).toEqual([]);
    report({ attack: 'fast-check fuzzing', held: true, figures: figures.join('; ') });
  });

  /** The next message, or the close, whichever comes first. */
  const answer = (client: StreamTestClient): Promise<CollectorMessage | { closed: number }> =>
    Promise.race([client.next(), client.closed.then(({ code }) => ({ closed: code }))]);

  it('agent stream before hello: any message gets a coded error or a protocol close, and nothing is stored', async () => {
    const agentsBefore = (await store.listAgents(schoolId)).length;
    const hostileHello = fc.oneof(
      hostileText,
      fc
        .record(
          {
            type: fc.constantFrom('hello', 'batch', 'secret_rotate', 'x'),
            protocol: fc.oneof(fc.constant(PROTOCOL_VERSION), fc.integer(), fc.string()),
            agent_id: fc.oneof(fc.constant(agentId), fc.string(), fc.uuid()),
            secret: fc.oneof(fc.string(), fc.constant(secret.slice(0, -1)), anyJson),
            agent_version: fc.oneof(fc.string(), anyJson),
          },
          { requiredKeys: [] },
        )
        .map((m) => JSON.stringify(m)),
    );
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(hostileHello, async (message) => {
        runs += 1;
        const client = await connectStream(streamUrl);
        try {
          client.send(message);
          const got = await answer(client);
          if ('closed' in got) {
            // 1002 protocol error, 1007 bad payload, 1008 policy, 4xxx skolnet's own.
            expect([1002, 1003, 1007, 1008, 1009].includes(got.closed) || got.closed >= 4000).toBe(true);
          } else {
            expect(got.type).toBe('error');
            expect((got as { code: string }).code).toMatch(CODE);
          }
        } finally {
          client.ws.terminate();
        }
      }),
      { numRuns: RUNS },
    );
    expect(await store.countResults()).toBe(0);
    expect((await store.listAgents(schoolId)).length).toBe(agentsBefore);
    figures.push(`${runs} hellos`);
  });

  it('agent stream after hello: each hostile batch is acked or refused with codes, and only what was accepted is stored', async () => {
    // Mostly valid results, so that some are stored and the check below
    // means something; one in three anything at all.
    const validResult = fc.record({
      id: fc.constant(undefined).map(() => uuidv7()),
      agent_id: fc.constant(agentId),
      school_id: fc.constant(schoolId),
      measurement: fc.constant('latency'),
      fields: fc.record({
        rtt_avg_ms: fc.oneof(fc.double({ min: 0, max: 5_000, noNaN: true }), fieldValue),
        loss_pct: fc.oneof(fc.double({ min: 0, max: 100, noNaN: true }), fieldValue),
        sent: fc.nat(100),
        received: fc.nat(100),
        result: fc.constantFrom('success', 'timeout'),
      }),
      tags: fc.constant({ target: 'collector' }),
      at: fc.integer({ min: 1, max: 86_400_000 }).map((ago) => new Date(Date.now() - ago).toISOString()),
    });
    const anyResult = fc.record(
      {
        id: fc.oneof(
          fc.constant(undefined).map(() => uuidv7()),
          fc.string(),
          fc.uuid(),
        ),
        agent_id: fc.oneof(fc.constant(agentId), fc.string()),
        school_id: fc.oneof(fc.constant(schoolId), fc.string()),
        measurement: fc.oneof(
          fc.constantFrom('latency', 'throughput', 'dns', 'http', 'wifi_scan'),
          fc.string(),
        ),
        fields: fc.oneof(fc.dictionary(fc.string({ maxLength: 12 }), fieldValue, { maxKeys: 5 }), anyJson),
        tags: fc.oneof(
          fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), { maxKeys: 3 }),
          anyJson,
        ),
        at: fc.oneof(
          fc
            .date({
              min: new Date('2019-01-01'),
              max: new Date(Date.now() + 86_400_000),
              noInvalidDate: true,
            })
            .map((d) => d.toISOString()),
          fc.string(),
          anyJson,
        ),
      },
      { requiredKeys: ['id'] },
    );
    const batch = fc.oneof(
      fc.record({
        type: fc.constant('batch'),
        batch_id: fc.oneof(fc.uuid(), fc.string({ maxLength: 80 })),
        results: fc.array(
          fc.oneof({ arbitrary: validResult, weight: 2 }, { arbitrary: anyResult, weight: 1 }),
          {
            maxLength: 8,
          },
        ),
      }),
      anyJson,
    );
    const accepted = new Set<string>();
    let client: StreamTestClient | undefined;
    let acks = 0;
    let refusals = 0;
    const connect = async (): Promise<StreamTestClient> => {
      const c = await connectStream(streamUrl);
      c.send({
        type: 'hello',
        protocol: PROTOCOL_VERSION,
        agent_id: agentId,
        secret,
        agent_version: '0.1.0',
      });
      const welcome = await c.next();
      expect(welcome.type).toBe('welcome');
      return c;
    };
    await fc.assert(
      fc.asyncProperty(batch, async (message) => {
        client ??= await connect();
        client.send(message);
        const got = await answer(client);
        if ('closed' in got) {
          // Too many malformed messages end the session: a policy close.
          expect([1002, 1007, 1008]).toContain(got.closed);
          client = undefined;
          return;
        }
        if (got.type === 'ack') {
          acks += 1;
          for (const id of got.accepted) accepted.add(id);
          for (const r of got.rejected) expect(r.code).toMatch(CODE);
        } else {
          expect(got.type).toBe('error');
          expect((got as { code: string }).code).toMatch(CODE);
          refusals += 1;
        }
      }),
      { numRuns: RUNS },
    );
    client?.ws.terminate();
    await app.ingestQueue.drain();
    // An ack comes after the commit, so all accepted are stored; the count
    // says nothing else was.
    const stored = await store.countResults();
    expect(stored).toBe(accepted.size);
    figures.push(`${RUNS} batches (${acks} acked, ${refusals} refused, ${stored} results stored)`);
  });

  it('enrollment endpoint: any body is a 4xx with a code, never a 500, and enrolls nothing', async () => {
    const agentsBefore = (await store.listAgents(schoolId)).length;
    const body = fc.oneof(
      hostileText,
      fc
        .record(
          {
            code: fc.oneof(fc.string(), anyJson),
            hostname: fc.oneof(fc.string(), anyJson),
            agent_version: fc.oneof(fc.string(), anyJson),
            role: fc.oneof(fc.string(), anyJson),
          },
          { requiredKeys: [] },
        )
        .map((v) => JSON.stringify(v)),
    );
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded'),
        async (payload, type) => {
          const res = await app.inject({
            method: 'POST',
            url: '/api/v1/enroll',
            headers: { 'content-type': type },
            payload,
          });
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          expect(res.statusCode).toBeGreaterThanOrEqual(400);
          expect(res.statusCode).toBeLessThan(500);
          const parsed = JSON.parse(res.body) as { code: string; message: string };
          expect(parsed.code).toMatch(CODE);
          expect(typeof parsed.message).toBe('string');
          search.output('enroll answer', res.body);
        },
      ),
      { numRuns: RUNS },
    );
    expect((await store.listAgents(schoolId)).length).toBe(agentsBefore);
    figures.push(`${RUNS} enrollments (${[...statuses].map(([s, n]) => `${n}×${s}`).join(', ')})`);
  });

  it('config files: any text is read or refused with SKOLNET_CONFIG_INVALID', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skolnet-fuzz-config-'));
    const yamlish = fc.oneof(
      fc.string(),
      anyJson.map((v) => JSON.stringify(v)),
      fc
        .array(
          fc.tuple(fc.constantFrom('latency', 'throughput', 'schedule', 'port', 'dns', 'x'), fc.string()),
          {
            maxLength: 4,
          },
        )
        .map((pairs) => pairs.map(([k, v]) => `${k}:\n  ${v}`).join('\n')),
    );
    // The YAML parser warns through process warnings, quoting the line,
    // which may hold a password: nothing of a config file may go there.
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(yamlish, async (text) => {
          const refusedWell = (err: unknown): void => {
            expect(isSkolnetError(err), String(err)).toBe(true);
            expect((err as { code: string }).code).toBe('SKOLNET_CONFIG_INVALID');
          };
          try {
            parseAgentConfigDocument(text, probeRegistry, 'agent.yaml');
          } catch (err) {
            refusedWell(err);
          }
          const path = join(dir, `c${(n += 1)}.yaml`);
          await writeFile(path, text);
          try {
            readConfigFile(path);
          } catch (err) {
            refusedWell(err);
          }
        }),
        {
          numRuns: RUNS,
          // Met by chance once each: an unknown tag (the YAML parser's warning
          // quoted the line) and an alias without its anchor (a ReferenceError).
          examples: [['password: !secret hunter2-do-not-log'], ['latency:\n  *!']],
        },
      );
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await rm(dir, { recursive: true, force: true });
    }
    figures.push(`${RUNS} config files ×2 parsers`);
  });

  it('command output parsers: any text gives a result or a coded refusal, never a crash', () => {
    const parsers: [string, (text: string) => unknown][] = [
      ['ping', parsePingOutput],
      ['iw scan', parseIwScan],
      ['iw link', (t) => parseIwLink(t)],
      ['nmcli', (t) => parseNmcliWifiList(t)],
      ['netsh', parseNetshNetworks],
      ['saved scan', parseSavedScan],
    ];
    // Shapes near the real output, so the fuzzing gets past the first line.
    const outputish = fc.oneof(
      fc.string(),
      fc
        .array(
          fc.oneof(
            fc.constantFrom(
              'PING 10.0.0.1 (10.0.0.1) 56(84) bytes of data.',
              '64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.045 ms',
              '2 packets transmitted, 2 received, 0% packet loss, time 1001ms',
              'rtt min/avg/max/mdev = 0.040/0.045/0.050/0.005 ms',
              'BSS 00:11:22:33:44:55(on wlan0) -- associated',
              '\tfreq: 2412',
              '\tsignal: -40.00 dBm',
              '\tSSID: skola',
              'SSID 1 : skola',
              '    BSSID 1                 : 00:11:22:33:44:55',
              '         Signal             : 99%',
              'skola:00\\:11\\:22\\:33\\:44\\:55:6:2437 MHz:70:WPA2',
            ),
            fc.string({ maxLength: 40 }),
          ),
          { maxLength: 12 },
        )
        .map((lines) => lines.join('\n')),
    );
    for (const [name, parse] of parsers) {
      fc.assert(
        fc.property(outputish, (text) => {
          try {
            parse(text);
          } catch (err) {
            expect(isSkolnetError(err), `${name}: ${String(err)}`).toBe(true);
          }
        }),
        { numRuns: RUNS * 2 },
      );
    }
    figures.push(`${RUNS * 2} outputs ×${parsers.length} parsers`);
  });
});
