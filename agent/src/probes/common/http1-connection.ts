import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/**
 * One HTTP/1.1 connection for speed-test transfers, speaking just enough
 * of the protocol for the two speed endpoints: a GET whose body is counted
 * as it arrives, and a chunked POST fed from a chunk source, on one
 * keep-alive socket.
 *
 * Why not undici, as the rest of the agent: a general client parses every
 * received byte (llhttp) and wraps each socket read in stream events, which
 * costs more CPU per gigabit than the transfer itself on a fast path. Here
 * a body byte is only counted, where it arrives: at the socket. That moves
 * the loopback ceiling (test/bench/accuracy.bench.ts) and keeps a 2-core
 * school server from measuring its own CPU instead of the line.
 */

/** Largest response head accepted, in bytes; the collector's are under 4 KiB. */
const MAX_HEAD_BYTES = 32 * 1024;
/** Largest non-transfer response body kept (upload reports, error answers), in bytes. */
const MAX_TEXT_BODY_BYTES = 256 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');
const LAST_CHUNK = Buffer.from('0\r\n\r\n');
/**
 * Upload bytes queued in the socket beyond what the kernel took, before
 * waiting for it to drain: 1 MiB, a few chunks, so a write is always
 * ready when the kernel's buffer has room.
 */
const UPLOAD_AHEAD_BYTES = 1024 * 1024;
/**
 * Size of the buffer a plain-HTTP connection reads into, reused for every
 * read: 256 KiB. Node otherwise allocates a fresh 64 KiB buffer per read,
 * and on a multi-gigabit download the garbage collector freeing them costs
 * more CPU than the bytes themselves. Larger reads also mean fewer calls.
 */
const READ_BUFFER_BYTES = 256 * 1024;

/** A response's status and headers (names in lower case; repeated headers joined by `, `). */
export interface ResponseHead {
  status: number;
  headers: ReadonlyMap<string, string>;
}

/** Parses a response head (status line and headers, without the blank line). */
export function parseResponseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!status) throw new Error(`not an HTTP/1.1 response: "${(lines[0] ?? '').slice(0, 60)}"`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`malformed response header line: "${line.slice(0, 60)}"`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers.get(name);
    headers.set(name, seen === undefined ? value : `${seen}, ${value}`);
  }
  return { status: Number(status[1]), headers };
}

/** Where a plain socket's reads go once the connection exists. */
interface ReadSink {
  target: ((chunk: Buffer) => void) | undefined;
}

/**
 * What receives the bytes of the current response. A chunk may be a view
 * into a buffer the next read overwrites: what a receiver keeps, it copies.
 */
interface Receiver {
  /** Takes bytes; returns how many it consumed (the rest belongs to nobody: an error). */
  take(chunk: Buffer): number;
  fail(err: Error): void;
}

/** Options of {@link Http1Connection.open}. */
export interface OpenOptions {
  /** What to call the server in error messages, e.g. `collector`. */
  peer: string;
  /** Connect limit and, once connected, the longest silence in either direction, in ms. */
  timeoutMs: number;
  signal: AbortSignal;
}

/** A text response: an upload report or an error answer. */
export interface TextResponse {
  head: ResponseHead;
  body: string;
}

/** One keep-alive HTTP/1.1 (or HTTPS) connection to a speed-test server. */
export class Http1Connection {
  readonly #socket: Socket;
  readonly #host: string;
  readonly #peer: string;
  #receiver: Receiver | undefined;
  #closed: Error | undefined;
  #reusable = true;

  private constructor(socket: Socket, host: string, peer: string, reads: ReadSink | undefined) {
    this.#socket = socket;
    this.#host = host;
    this.#peer = peer;
    // Plain sockets read into one reused buffer (see READ_BUFFER_BYTES) and
    // emit no 'data'; TLS sockets hand over fresh buffers as 'data'.
    if (reads) reads.target = (chunk) => this.#onData(chunk);
    else socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err) => this.#onClose(err));
    socket.on('close', () => this.#onClose(new Error(`${peer} closed the connection`)));
    socket.on('timeout', () =>
      socket.destroy(new Error(`${peer} sent and took nothing for ${(socket.timeout ?? 0) / 1000} s`)),
    );
  }

  /** Connects (TLS for `https:`) and resolves once the connection is usable. */
  static open(base: URL, options: OpenOptions): Promise<Http1Connection> {
    const secure = base.protocol === 'https:';
    if (!secure && base.protocol !== 'http:') {
      return Promise.reject(new Error(`speed tests need an http or https URL, not ${base.protocol}`));
    }
    const host = base.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = Number(base.port || (secure ? 443 : 80));
    options.signal.throwIfAborted();
    return new Promise((resolve, reject) => {
      const reads: ReadSink | undefined = secure ? undefined : { target: undefined };
      const socket = reads
        ? plainSocket(host, port, reads, options.peer)
        : tlsConnect({
            host,
            port,
            ALPNProtocols: ['http/1.1'],
            // SNI takes names only, never addresses.
            ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }),
          });
      socket.setNoDelay(true);
      const timer = setTimeout(
        () =>
          socket.destroy(new Error(`no connection to ${options.peer} within ${options.timeoutMs / 1000} s`)),
        options.timeoutMs,
      );
      const onAbort = (): void => {
        socket.destroy(options.signal.reason instanceof Error ? options.signal.reason : new Error('aborted'));
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      const settle = (err?: Error): void => {
        clearTimeout(timer);
        socket.off('error', settle);
        if (err) {
          options.signal.removeEventListener('abort', onAbort);
          reject(err);
          return;
        }
        socket.setTimeout(options.timeoutMs);
        const conn = new Http1Connection(socket, base.host, options.peer, reads);
        // The abort stays wired for the connection's life: it ends any transfer.
        socket.once('close', () => options.signal.removeEventListener('abort', onAbort));
        resolve(conn);
      };
      socket.once('error', settle);
      socket.once(secure ? 'secureConnect' : 'connect', () => settle());
    });
  }

  /** False once the server said `connection: close` or the socket ended. */
  get reusable(): boolean {
    return this.#reusable && this.#closed === undefined;
  }

  /**
   * GETs `path`; a 200 answer's body is handed to `onBody` as byte counts
   * as it arrives, without being kept. Resolves with the head once the
   * body is complete; another status rejects with it.
   */
  download(path: string, onBody: (bytes: number) => void): Promise<ResponseHead> {
    return new Promise((resolve, reject) => {
      this.#expect((head) => {
        if (head.status !== 200) {
          // The error answer's body is small; read it so the socket stays in step.
          return this.#textBody(
            head,
            () => reject(new Error(`${this.#peer} answered HTTP ${head.status}`)),
            reject,
          );
        }
        return this.#body(
          head,
          (chunk) => onBody(chunk.length),
          () => resolve(head),
          reject,
        );
      }, reject);
      this.#write(`GET ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nAccept: */*\r\n\r\n`);
    });
  }

  /**
   * POSTs a chunked body: `next` is asked for chunks while the socket
   * takes them and ends the body by returning undefined. Resolves with the
   * server's answer (head and text body), which may come before the body
   * ends (a refusal); then no more chunks are asked for.
   */
  upload(path: string, contentType: string, next: () => Buffer | undefined): Promise<TextResponse> {
    return new Promise((resolve, reject) => {
      let answered = false;
      let bodyDone = false;
      const fail = (err: Error): void => {
        answered = true;
        reject(err);
      };
      this.#expect(
        (head) =>
          this.#textBody(
            head,
            (body) => {
              answered = true;
              // An answer before the body's end (a refusal) leaves the rest of
              // the body unsent: the connection is out of step for good.
              if (!bodyDone) this.#reusable = false;
              resolve({ head, body });
            },
            fail,
          ),
        fail,
      );
      this.#write(
        `POST ${path} HTTP/1.1\r\nHost: ${this.#host}\r\nContent-Type: ${contentType}\r\n` +
          'Transfer-Encoding: chunked\r\n\r\n',
      );
      const pump = (): void => {
        while (!answered && this.#closed === undefined) {
          const chunk = next();
          if (chunk === undefined) {
            bodyDone = true;
            this.#write(LAST_CHUNK);
            return;
          }
          if (chunk.length === 0) continue;
          this.#socket.cork();
          this.#socket.write(`${chunk.length.toString(16)}\r\n`);
          this.#socket.write(chunk);
          this.#socket.write(CRLF);
          this.#socket.uncork();
          // Past the high-water mark, so a write returned false: 'drain' will come.
          if (this.#socket.writableLength >= UPLOAD_AHEAD_BYTES) {
            this.#socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  }

  /** Closes the connection. */
  close(): void {
    this.#reusable = false;
    this.#socket.destroy();
  }

  /** Waits for a response head, then hands what follows to the receiver `onHead` returns. */
  #expect(onHead: (head: ResponseHead) => Receiver | undefined, fail: (err: Error) => void): void {
    if (this.#closed) {
      fail(this.#closed);
      return;
    }
    if (this.#receiver) {
      fail(new Error('a request is already running on this connection'));
      return;
    }
    let pending: Buffer = Buffer.alloc(0);
    this.#receiver = {
      take: (chunk) => {
        const before = pending.length;
        // A copy either way: the chunk's memory is reused by the next read.
        pending = before === 0 ? Buffer.from(chunk) : Buffer.concat([pending, chunk]);
        const end = pending.indexOf(HEAD_END);
        if (end < 0) {
          if (pending.length > MAX_HEAD_BYTES)
            throw new Error(`${this.#peer} sent a response head too large`);
          return chunk.length;
        }
        const head = parseResponseHead(pending.subarray(0, end).toString('latin1'));
        if (/\bclose\b/i.test(head.headers.get('connection') ?? '')) this.#reusable = false;
        this.#receiver = undefined;
        this.#receiver = onHead(head);
        // Only this chunk's part of the head is consumed here; the body's
        // first bytes, if they came along, are fed on by the caller.
        return end + HEAD_END.length - before;
      },
      fail,
    };
  }

  /**
   * The receiver of a response body, by its framing: content-length,
   * chunked, or (HTTP/1.0 style) everything up to the close. `onData` gets
   * the body's bytes, `onEnd` runs once it is complete. Undefined when the
   * body is empty (then `onEnd` has run).
   */
  #body(
    head: ResponseHead,
    onData: (chunk: Buffer) => void,
    onEnd: () => void,
    onFail: (err: Error) => void,
  ): Receiver | undefined {
    const finish = (): void => {
      this.#receiver = undefined;
      onEnd();
    };
    if (/\bchunked\b/i.test(head.headers.get('transfer-encoding') ?? '')) {
      return chunkedReceiver(this.#peer, onData, finish, onFail);
    }
    const length = contentLength(head);
    if (length === undefined) {
      // Delimited by the close: the connection cannot carry another request.
      this.#reusable = false;
      return {
        take: (chunk) => {
          onData(chunk);
          return chunk.length;
        },
        fail: () => onEnd(),
      };
    }
    let left = length;
    if (left === 0) {
      finish();
      return undefined;
    }
    return {
      take: (chunk) => {
        const n = Math.min(left, chunk.length);
        left -= n;
        if (n > 0) onData(n === chunk.length ? chunk : chunk.subarray(0, n));
        if (left === 0) finish();
        return n;
      },
      fail: onFail,
    };
  }

  /** Collects a small body (an upload report, an error answer), then calls `done` with its text. */
  #textBody(
    head: ResponseHead,
    done: (body: string) => void,
    onFail: (err: Error) => void,
  ): Receiver | undefined {
    const parts: Buffer[] = [];
    let size = 0;
    return this.#body(
      head,
      (chunk) => {
        size += chunk.length;
        if (size > MAX_TEXT_BODY_BYTES) throw new Error(`${this.#peer} sent a response body too large`);
        parts.push(Buffer.from(chunk));
      },
      () => done(Buffer.concat(parts).toString('utf8')),
      onFail,
    );
  }

  #write(data: string | Buffer): void {
    if (this.#closed === undefined) this.#socket.write(data);
  }

  #onData(chunk: Buffer): void {
    let rest = chunk;
    try {
      while (rest.length > 0) {
        const receiver = this.#receiver;
        if (!receiver) throw new Error(`${this.#peer} sent data nobody asked for`);
        const taken = receiver.take(rest);
        if (taken >= rest.length) return;
        rest = rest.subarray(taken);
        // A receiver that finished left the rest to the next one; none may follow.
        if (this.#receiver === receiver) throw new Error(`${this.#peer} sent more than the response holds`);
      }
    } catch (err) {
      this.#socket.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  }

  #onClose(err: Error): void {
    this.#closed ??= err;
    this.#reusable = false;
    const receiver = this.#receiver;
    this.#receiver = undefined;
    receiver?.fail(this.#closed);
  }
}

/**
 * A plain TCP connection that reads into one reused buffer and passes each
 * read to `reads.target` as a view valid for that call only.
 */
function plainSocket(host: string, port: number, reads: ReadSink, peer: string): Socket {
  const buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  const socket: Socket = netConnect({
    host,
    port,
    onread: {
      buffer,
      callback: (nread) => {
        if (reads.target) reads.target(buffer.subarray(0, nread));
        // Bytes before any request: not a speed-test server.
        else socket.destroy(new Error(`${peer} sent data before a request`));
        return true;
      },
    },
  });
  return socket;
}

function contentLength(head: ResponseHead): number | undefined {
  const raw = head.headers.get('content-length');
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) throw new Error(`bad content-length "${raw}"`);
  return n;
}

/**
 * Decodes a chunked body (RFC 9112 §7.1) as it arrives: chunk sizes and
 * extensions are skipped, data goes to `onData`, trailers are read and
 * dropped, `onEnd` runs after the last chunk.
 */
function chunkedReceiver(
  peer: string,
  onData: (chunk: Buffer) => void,
  onEnd: () => void,
  onFail: (err: Error) => void,
): Receiver {
  /** Where the decoder is: a size line, data, the CRLF after data, or trailer lines. */
  let state: 'size' | 'data' | 'data-end' | 'trailer' = 'size';
  let line = '';
  let left = 0;
  return {
    take(chunk) {
      let i = 0;
      while (i < chunk.length) {
        if (state === 'data') {
          const n = Math.min(left, chunk.length - i);
          onData(chunk.subarray(i, i + n));
          left -= n;
          i += n;
          if (left === 0) state = 'data-end';
          continue;
        }
        // Line-oriented states: read up to the next LF.
        const lf = chunk.indexOf(0x0a, i);
        const end = lf < 0 ? chunk.length : lf + 1;
        line += chunk.subarray(i, end).toString('latin1');
        i = end;
        if (line.length > 4096) throw new Error(`${peer} sent a chunked body line too long`);
        if (lf < 0) continue;
        const text = line.replace(/\r?\n$/, '');
        line = '';
        if (state === 'data-end') {
          if (text !== '') throw new Error(`${peer} sent a malformed chunked body`);
          state = 'size';
        } else if (state === 'size') {
          const size = /^([0-9a-fA-F]{1,12})(?:;.*)?$/.exec(text.trim());
          if (!size) throw new Error(`${peer} sent a malformed chunk size`);
          left = parseInt(size[1] ?? '', 16);
          state = left === 0 ? 'trailer' : 'data';
        } else if (text === '') {
          onEnd();
          return i;
        }
      }
      return i;
    },
    fail: onFail,
  };
}
