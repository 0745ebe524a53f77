import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { Http1Connection, parseResponseHead } from './http1-connection.js';
import { eventually } from '../../../../test/support/poll.js';

/**
 * A server that answers each request with the next scripted reply, written
 * in the pieces given (each piece its own write, a few ms apart, so the
 * client sees heads and bodies split anywhere).
 */
interface Script {
  replies: (string | Buffer)[][];
  /** Close the socket after the last reply. */
  closeAfter?: boolean;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function scripted(script: Script): Promise<{ url: URL; requests: string[]; connections: number }> {
  const state = { requests: [] as string[], connections: 0 };
  const server = createServer((socket: Socket) => {
    state.connections += 1;
    let buffered = '';
    let next = 0;
    socket.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      // One request per blank line that ends a head (bodies here are chunked and end in one too).
      for (;;) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffered.slice(0, end);
        buffered = buffered.slice(end + 4);
        if (!/^(GET|POST) /.test(head)) continue;
        state.requests.push(head.split('\r\n')[0] ?? '');
        const reply = script.replies[next++] ?? [];
        void (async () => {
          for (const piece of reply) {
            socket.write(piece);
            await new Promise((r) => setTimeout(r, 2));
          }
          if (script.closeAfter && next >= script.replies.length) socket.end();
        })();
      }
    });
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}`),
    get requests() {
      return state.requests;
    },
    get connections() {
      return state.connections;
    },
  };
}

const open = (url: URL, signal = new AbortController().signal): Promise<Http1Connection> =>
  Http1Connection.open(url, { peer: 'collector', timeoutMs: 2_000, signal });

async function downloadCount(conn: Http1Connection, path = '/d'): Promise<number> {
  let n = 0;
  await conn.download(path, (b) => (n += b));
  return n;
}

describe('parseResponseHead', () => {
  it('reads the status and headers, joining repeats', () => {
    const h = parseResponseHead('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\nx-a: 2');
    expect(h.status).toBe(200);
    expect(h.headers.get('content-length')).toBe('5');
    expect(h.headers.get('x-a')).toBe('1, 2');
  });

  it('refuses what is not an HTTP/1.x response', () => {
    expect(() => parseResponseHead('SSH-2.0-OpenSSH_9.2')).toThrow('not an HTTP/1.1 response');
    expect(() => parseResponseHead('HTTP/1.1 200 OK\r\nno colon here')).toThrow('malformed response header');
  });
});

describe('Http1Connection', () => {
  it('counts a content-length body split anywhere, and reuses the connection', async () => {
    const server = await scripted({
      replies: [
        ['HTTP/1.1 200 OK\r\nContent-', 'Length: 10\r\n\r\n0123', '456789'],
        ['HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc'],
      ],
    });
    const conn = await open(server.url);
    expect(await downloadCount(conn)).toBe(10);
    expect(conn.reusable).toBe(true);
    expect(await downloadCount(conn)).toBe(3);
    expect(server.connections).toBe(1);
    expect(server.requests).toEqual(['GET /d HTTP/1.1', 'GET /d HTTP/1.1']);
    conn.close();
  });

  it('decodes a chunked body byte by byte, extensions and trailers included', async () => {
    const wire = '4;ext=1\r\nWiki\r\n6\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\n';
    const server = await scripted({
      replies: [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', ...wire.split('')]],
    });
    const conn = await open(server.url);
    expect(await downloadCount(conn)).toBe('Wikipedia in \r\n\r\nchunks.'.length);
    conn.close();
  });

  it('reads a body delimited by the close and does not reuse the connection', async () => {
    const server = await scripted({
      replies: [['HTTP/1.1 200 OK\r\n\r\n', 'hello ', 'world']],
      closeAfter: true,
    });
    const conn = await open(server.url);
    expect(await downloadCount(conn)).toBe(11);
    expect(conn.reusable).toBe(false);
  });

  it('keeps a head and an answer that arrive a byte per read intact', async () => {
    // Plain connections read into one reused buffer: what spans reads must be copied.
    const answer = '{"bytes":12345,"duration_ms":678}';
    const reply = `HTTP/1.1 200 OK\r\nContent-Length: ${answer.length}\r\nX-Step: 250\r\n\r\n${answer}`;
    const server = await scripted({ replies: [reply.split('')] });
    const conn = await open(server.url);
    let sent = false;
    const { head, body } = await conn.upload('/u', 'application/octet-stream', () => {
      if (sent) return undefined;
      sent = true;
      return Buffer.from('abc');
    });
    expect(head.status).toBe(200);
    expect(head.headers.get('x-step')).toBe('250');
    expect(body).toBe(answer);
    conn.close();
  });

  it('rejects a non-200 answer with the status and stays usable', async () => {
    const server = await scripted({
      replies: [
        ['HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\n\r\nbusy'],
        ['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'],
      ],
    });
    const conn = await open(server.url);
    await expect(downloadCount(conn)).rejects.toThrow('collector answered HTTP 503');
    expect(await downloadCount(conn)).toBe(2);
    conn.close();
  });

  it('fails clearly when the body ends early or more arrives than was announced', async () => {
    const short = await scripted({
      replies: [['HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this']],
      closeAfter: true,
    });
    await expect(downloadCount(await open(short.url))).rejects.toThrow('collector closed the connection');

    const long = await scripted({ replies: [['HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokEXTRA']] });
    const conn = await open(long.url);
    // The two announced bytes complete the response; the extra bytes then break the connection.
    expect(await downloadCount(conn)).toBe(2);
    // The extra bytes arrive after the response completed: wait for them, not for a fixed time.
    await eventually(() => expect(conn.reusable).toBe(false));
  });

  it('refuses a malformed chunk size and an oversized head', async () => {
    const bad = await scripted({
      replies: [['HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n']],
    });
    await expect(downloadCount(await open(bad.url))).rejects.toThrow('malformed chunk size');

    const huge = await scripted({ replies: [[`HTTP/1.1 200 OK\r\nX-Pad: ${'a'.repeat(40_000)}\r\n`]] });
    await expect(downloadCount(await open(huge.url))).rejects.toThrow('response head too large');
  });

  it('uploads a chunked body the server decodes, and returns its answer', async () => {
    const received: Buffer[] = [];
    const server = createServer((socket) => {
      let raw = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        raw = Buffer.concat([raw, d]);
        if (raw.includes('\r\n0\r\n\r\n')) {
          received.push(raw);
          const body = '{"bytes":3000,"duration_ms":1}';
          socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-Step: 250\r\n\r\n${body}`);
        }
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const conn = await open(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    const chunks = [Buffer.alloc(1000, 1), Buffer.alloc(0), Buffer.alloc(2000, 2)];
    const answer = await conn.upload('/u?x=1', 'application/octet-stream', () => chunks.shift());
    expect(answer.head.status).toBe(200);
    expect(answer.head.headers.get('x-step')).toBe('250');
    expect(JSON.parse(answer.body)).toEqual({ bytes: 3000, duration_ms: 1 });
    const wire = received[0]!.toString('latin1');
    expect(wire.startsWith('POST /u?x=1 HTTP/1.1\r\n')).toBe(true);
    expect(wire).toContain('Transfer-Encoding: chunked');
    // Two data chunks (the empty one is skipped: it would end the body), then the last chunk.
    const body = wire.slice(wire.indexOf('\r\n\r\n') + 4);
    expect(body).toBe(`3e8\r\n${'\x01'.repeat(1000)}\r\n7d0\r\n${'\x02'.repeat(2000)}\r\n0\r\n\r\n`);
    conn.close();
  });

  it('ends a transfer at once when aborted', async () => {
    const server = await scripted({ replies: [['HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nabc']] });
    const abort = new AbortController();
    const conn = await open(server.url, abort.signal);
    const running = downloadCount(conn);
    setTimeout(() => abort.abort(new Error('stop now')), 20);
    await expect(running).rejects.toThrow('stop now');
  });

  it('reports a refused connection and a non-http URL', async () => {
    const server = await scripted({ replies: [] });
    const port = server.url.port;
    await new Promise((r) => servers.pop()?.close(r));
    await expect(open(new URL(`http://127.0.0.1:${port}`))).rejects.toThrow('ECONNREFUSED');
    await expect(open(new URL('ftp://127.0.0.1/'))).rejects.toThrow('http or https');
  });

  it('speaks TLS to an https URL and verifies the certificate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skolnet-tls-'));
    try {
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
        ].concat(['-subj', '/CN=speed.test', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
        { stdio: 'ignore' },
      );
      const tls = createTlsServer(
        { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
        (s) => s.end(),
      );
      servers.push(tls);
      await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
      const url = new URL(`https://127.0.0.1:${(tls.address() as AddressInfo).port}`);
      // A self-signed certificate is refused by the default trust store: proof TLS was spoken and checked.
      await expect(open(url)).rejects.toThrow(/self[- ]signed/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
