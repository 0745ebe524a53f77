import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ErrorCodes, SpeedPaths } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { CollectorConfigOverrides } from '../plugins/config-plugin.js';
import { createTempStore } from '../testing/fixtures.js';
import { createLogLimiter } from './log-limiter.js';
import { until } from '../../../test/support/poll.js';
import { getHead, openRawClient, postHead, within, type RawClient } from '../../../test/support/raw-http.js';

describe('slow senders against a listening collector', () => {
  let app: FastifyInstance | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  const clients: RawClient[] = [];
  let lines: string[] = [];

  async function start(config: CollectorConfigOverrides): Promise<number> {
    const temp = await createTempStore();
    cleanup = temp.cleanup;
    lines = [];
    app = buildApp({
      store: temp.store,
      dashboardAssets: false,
      logger: { level: 'info', stream: { write: (line) => lines.push(line) } },
      config,
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    return (app.server.address() as { port: number }).port;
  }
  async function open(...args: Parameters<typeof openRawClient>): Promise<RawClient> {
    const client = await openRawClient(...args);
    clients.push(client);
    return client;
  }
  /**
   * Takes a download slot and stops reading once the answer has begun: the
   * kernel's buffers fill and the server can write no more.
   */
  async function stalledDownload(port: number): Promise<RawClient> {
    const reader = await open(port, getHead(`${SpeedPaths.download}?bytes=1000000000`), undefined);
    await until(() => reader.received().startsWith('HTTP/1.1 200 '), 'download started', {
      timeoutMs: 10_000,
    });
    reader.socket.pause();
    return reader;
  }
  const metric = async (pattern: RegExp): Promise<boolean> =>
    pattern.test((await app!.inject('/metrics')).body);

  afterEach(async () => {
    for (const c of clients.splice(0)) c.stop();
    await app?.close();
    app = undefined;
    await cleanup?.();
  });

  it('answers 408 and closes an API body that trickles below the minimum rate', async () => {
    const port = await start({ http: { minBodyBytesPerSecond: 100, bodyRateWindowMs: 200 } });
    // One byte every 50 ms: 20 bytes/s, a fifth of the minimum.
    const slow = await open(port, postHead('/api/v1/enroll', 500, 'application/json'), 50);
    const answer = await within(slow.closed, 10_000, 'slow body cut off');
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain(`"code":"${ErrorCodes.API_BAD_REQUEST}"`);
    expect(await metric(/^skolnet_http_slow_bodies_total\{kind="api",violation="slow"\} 1$/m)).toBe(true);
  });

  it('answers 408 when a body fast enough per window is not complete by the deadline', async () => {
    const port = await start({
      http: { minBodyBytesPerSecond: 1, bodyRateWindowMs: 100, bodyDeadlineMs: 600 },
    });
    const slow = await open(port, postHead('/api/v1/enroll', 100_000, 'application/json'), 10);
    expect(await within(slow.closed, 10_000, 'deadline')).toMatch(/^HTTP\/1\.1 408 /);
    expect(await metric(/^skolnet_http_slow_bodies_total\{kind="api",violation="deadline"\} 1$/m)).toBe(true);
  });

  it('leaves a body sent at once alone under the same limits', async () => {
    const port = await start({ http: { minBodyBytesPerSecond: 100, bodyRateWindowMs: 200 } });
    const body = JSON.stringify({ code: 'AAAAA-BBBBB', hostname: 'h', agent_version: '1' });
    const client = await open(
      port,
      postHead('/api/v1/enroll', body.length, 'application/json') + body,
      undefined,
    );
    await until(() => client.received().includes('\r\n\r\n{'), 'answer', { timeoutMs: 10_000 });
    expect(client.received()).toMatch(/^HTTP\/1\.1 401 /);
  });

  it('ends speed-test uploads below the floor rate, which frees their slots', async () => {
    const port = await start({
      speed: {
        maxConcurrentTransfers: 2,
        maxTransfersPerClient: 2,
        minUploadBytesPerSecond: 1_000,
        uploadRateWindowMs: 300,
      },
    });
    // Both slots taken by uploads trickling 10 bytes/s.
    const slow = [
      await open(port, postHead(SpeedPaths.upload, 1_000_000), 100),
      await open(port, postHead(SpeedPaths.upload, 1_000_000), 100),
    ];
    for (const s of slow)
      expect(await within(s.closed, 10_000, 'slow upload ended')).toMatch(/^HTTP\/1\.1 408 /);
    expect(await metric(/^skolnet_http_slow_bodies_total\{kind="speed_upload",violation="slow"\} 2$/m)).toBe(
      true,
    );
    // The slots are free again: an upload at full speed gets one.
    const res = await fetch(`http://127.0.0.1:${port}${SpeedPaths.upload}`, {
      method: 'POST',
      body: Buffer.alloc(100_000),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { bytes: number }).bytes).toBe(100_000);
  });

  it('shares slots per client address: one address cannot hold them all', async () => {
    const port = await start({
      // No rate limit in the way: the held uploads send nothing more.
      speed: {
        maxConcurrentTransfers: 4,
        maxTransfersPerClient: 2,
        minUploadBytesPerSecond: 0,
        uploadRateWindowMs: 60_000,
      },
    });
    await open(port, postHead(SpeedPaths.upload, 1_000_000), undefined);
    await open(port, postHead(SpeedPaths.upload, 1_000_000), undefined);
    // A third from the same address is refused once the two hold their slots…
    let refusal = '';
    await until(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}${SpeedPaths.download}?bytes=10`);
        refusal = await res.text();
        return res.status === 503;
      },
      'per-address refusal',
      { timeoutMs: 10_000 },
    );
    expect(JSON.parse(refusal)).toMatchObject({ code: ErrorCodes.API_BUSY });
    expect(await metric(/^skolnet_speed_busy_total\{limit="client"\} [1-9]/m)).toBe(true);
    // …while another address still gets one (127.0.0.2 is loopback too).
    const other = await open(port, postHead(SpeedPaths.upload, 5) + 'hello', undefined, '127.0.0.2');
    await until(() => other.received().includes('"bytes":5'), 'other address served', { timeoutMs: 10_000 });
    expect(other.received()).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('cuts off a download its client stops reading, which frees the slot', async () => {
    const port = await start({
      speed: {
        maxConcurrentTransfers: 1,
        minDownloadBytesPerSecond: 1_000,
        uploadRateWindowMs: 300,
      },
    });
    // Takes the one slot, reads the first bytes, then stops reading.
    await stalledDownload(port);
    // Before: the stalled reader held the slot for as long as it kept the
    // connection. The server closes its end; the paused client notices only
    // when it reads again, so the count says when.
    await until(
      () => metric(/^skolnet_http_slow_bodies_total\{kind="speed_download",violation="slow"\} 1$/m),
      'stalled reader cut off',
      { timeoutMs: 30_000 },
    );
    // The slot is free again.
    const res = await fetch(`http://127.0.0.1:${port}${SpeedPaths.download}?bytes=1000`);
    expect(res.status).toBe(200);
    expect((await res.arrayBuffer()).byteLength).toBe(1_000);
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.filter((l) => l.msg.startsWith('speed-test download read too slowly'))).toHaveLength(1);
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('cuts off a download not taken by its deadline', async () => {
    // No floor rate: the deadline alone ends it.
    const port = await start({
      speed: {
        maxConcurrentTransfers: 1,
        minDownloadBytesPerSecond: 0,
        uploadRateWindowMs: 100,
        maxDownloadMs: 500,
      },
    });
    await stalledDownload(port);
    await until(
      () => metric(/^skolnet_http_slow_bodies_total\{kind="speed_download",violation="deadline"\} 1$/m),
      'download past its deadline cut off',
      { timeoutMs: 30_000 },
    );
    expect((await fetch(`http://127.0.0.1:${port}${SpeedPaths.download}?bytes=10`)).status).toBe(200);
  });

  it('logs busy refusals as one warning without a stack, not an error per request', async () => {
    // No floor on reading here: the holder must keep its slot for the whole test.
    const port = await start({ speed: { maxConcurrentTransfers: 1, minDownloadBytesPerSecond: 0 } });
    // Holds the one slot: a large download the client does not read.
    await stalledDownload(port);
    let refused = 0;
    await until(
      async () => {
        const res = await fetch(`http://127.0.0.1:${port}${SpeedPaths.download}?bytes=10`);
        await res.arrayBuffer();
        if (res.status === 503) refused += 1;
        return refused >= 20;
      },
      '20 refusals',
      { timeoutMs: 20_000 },
    );
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: unknown });
    expect(logged.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.join('')).not.toContain('"stack"');
    const warnings = logged.filter((l) => l.msg === 'speed test refused: busy');
    expect(warnings).toHaveLength(1);
    expect(await metric(/^skolnet_speed_busy_total\{limit="total"\} 20$/m)).toBe(true);
  });
});

describe('createLogLimiter', () => {
  it('lets one line per kind through per interval and counts the others', () => {
    let now = 0;
    const limiter = createLogLimiter(1_000, () => now);
    expect(limiter.take('busy')).toEqual({ suppressed: 0 });
    expect(limiter.take('busy')).toBeUndefined();
    expect(limiter.take('slow')).toEqual({ suppressed: 0 });
    now = 999;
    expect(limiter.take('busy')).toBeUndefined();
    now = 1_000;
    expect(limiter.take('busy')).toEqual({ suppressed: 2 });
  });
});
