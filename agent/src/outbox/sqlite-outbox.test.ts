import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, SkolnetError, isSkolnetError, uuidv7, type Result } from '@skolnet/shared';
import { outboxOptionsFromEnv } from './outbox-options.js';
import { SqliteOutbox, lossCause } from './sqlite-outbox.js';
import { commandWorks, missingComponent } from '../../../test/support/real-component.js';

const result = (n: number): Result => ({
  id: uuidv7(),
  agent_id: 'agent-1',
  school_id: 'school-1',
  measurement: 'latency',
  fields: { rtt_avg_ms: n, result: 'success' },
  tags: { target: 'gateway' },
  at: new Date(1_700_000_000_000 + n * 1000).toISOString(),
});

/** uid and gid of "nobody" on Debian. */
const NOBODY_UID = 65534;
/** The built outbox, which an unprivileged child process can run without the test's TypeScript loader. */
const builtOutbox = fileURLToPath(new URL('../../dist/outbox/sqlite-outbox.js', import.meta.url));

/** How the read-only-directory case runs: directly when unprivileged, as "nobody" when root. */
const unprivileged = ((): { skip: string | false; asOther: boolean } => {
  if (process.getuid?.() !== 0) return { skip: false, asOther: false };
  // As root the case needs another user; CI must have one (missingComponent fails there).
  const built = missingComponent('the built agent', existsSync(builtOutbox), 'run tsc -b');
  if (built !== undefined) return { skip: built, asOther: true };
  const runuser = missingComponent(
    'runuser -u nobody',
    commandWorks('runuser', ['-u', 'nobody', '--', 'true']),
    'util-linux runuser and a nobody user',
  );
  return { skip: runuser ?? false, asOther: true };
})();

let dir: string;
let file: string;
const open: SqliteOutbox[] = [];
const openOutbox = (opts?: ConstructorParameters<typeof SqliteOutbox>[1]): SqliteOutbox => {
  const o = new SqliteOutbox(file, opts);
  open.push(o);
  return o;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skolnet-outbox-'));
  file = join(dir, 'outbox.sqlite');
});
afterEach(() => {
  for (const o of open.splice(0)) o.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteOutbox', () => {
  it('notices rows another connection appended: counts them and wakes the listeners, not for its own', () => {
    const agent = openOutbox();
    const importer = openOutbox();
    let woken = 0;
    agent.onAppend(() => (woken += 1));
    agent.append([result(1)]);
    expect(woken).toBe(1);
    // Its own write is not another process's.
    expect(agent.checkExternalWrites()).toBe(false);

    importer.append([result(2), result(3)]);
    expect(agent.depth()).toBe(1);
    expect(agent.checkExternalWrites()).toBe(true);
    expect(agent.depth()).toBe(3);
    expect(woken).toBe(2);
    expect(agent.peek(10).map((r) => r.fields.rtt_avg_ms)).toEqual([1, 2, 3]);
    // Nothing new since: no second wake-up.
    expect(agent.checkExternalWrites()).toBe(false);
    expect(woken).toBe(2);
  });

  it('keeps everything across close without settle and reopen', () => {
    const a = openOutbox();
    const rows = Array.from({ length: 25 }, (_, i) => result(i));
    a.append(rows);
    a.close();
    const b = openOutbox();
    expect(b.depth()).toBe(25);
    expect(b.peek(100)).toEqual(rows);
  });

  it('peeks oldest first, across appends, and respects limit and byte budget', () => {
    const o = openOutbox();
    const first = [result(1), result(2)];
    const second = [result(3), result(4), result(5)];
    o.append(first);
    o.append(second);
    expect(o.peek(3).map((r) => r.fields.rtt_avg_ms)).toEqual([1, 2, 3]);
    const oneSize = Buffer.byteLength(JSON.stringify(first[0]));
    // Budget for two rows plus the comma between them, not three.
    expect(o.peek(10, oneSize * 2 + 1 + 5)).toHaveLength(2);
    // An oversized first row still comes out alone rather than blocking the queue.
    expect(o.peek(10, 1)).toHaveLength(1);
    // Peek does not consume.
    expect(o.depth()).toBe(5);
  });

  it('keeps append order even after the newest row is settled', () => {
    const o = openOutbox();
    const a = result(1);
    o.append([a]);
    o.settle([a.id], []);
    const b = result(2);
    const c = result(3);
    o.append([b, c]);
    expect(o.peek(10).map((r) => r.id)).toEqual([b.id, c.id]);
  });

  it('ignores a result id that is already queued', () => {
    const o = openOutbox();
    const a = result(1);
    expect(o.append([a])).toEqual({ appended: 1, dropped: 0 });
    expect(o.append([a])).toEqual({ appended: 0, dropped: 0 });
    expect(o.depth()).toBe(1);
  });

  it('settles idempotently and keeps rejected rows with their reason', () => {
    const o = openOutbox();
    const rows = [result(1), result(2), result(3)];
    o.append(rows);
    const rejection = { id: rows[1]!.id, code: ErrorCodes.INGEST_RESULT_INVALID, message: '/fields: bad' };
    expect(o.settle([rows[0]!.id], [rejection])).toEqual({ accepted: 1, rejected: 1 });
    expect(o.settle([rows[0]!.id], [rejection])).toEqual({ accepted: 0, rejected: 0 });
    expect(o.settle(['never-queued'], [])).toEqual({ accepted: 0, rejected: 0 });
    expect(o.depth()).toBe(1);
    expect(o.peek(10)).toEqual([rows[2]]);
    const stats = o.stats();
    expect(stats.rejected_total).toBe(1);
    expect(stats.depth).toBe(1);
    const kept = o.rejected();
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({
      id: rows[1]!.id,
      code: rejection.code,
      reason: rejection.message,
      result: rows[1],
    });
  });

  it('drops the oldest rows beyond the cap and counts them across reopen', () => {
    const o = openOutbox({ maxRows: 5 });
    const rows = Array.from({ length: 8 }, (_, i) => result(i));
    expect(o.append(rows.slice(0, 4))).toEqual({ appended: 4, dropped: 0 });
    expect(o.append(rows.slice(4))).toEqual({ appended: 4, dropped: 3 });
    expect(o.peek(10)).toEqual(rows.slice(3));
    o.close();
    const again = openOutbox({ maxRows: 5 });
    expect(again.stats()).toMatchObject({ depth: 5, dropped_total: 3, oldest_at: rows[3]!.at });
  });

  it('caps the rejected table but keeps the total exact', () => {
    const o = openOutbox({ rejectedKeepRows: 2 });
    const rows = Array.from({ length: 4 }, (_, i) => result(i));
    o.append(rows);
    o.settle(
      [],
      rows.map((r) => ({ id: r.id, code: 'X', message: 'bad' })),
    );
    expect(o.stats().rejected_total).toBe(4);
    expect(o.rejected().map((r) => r.id)).toEqual([rows[3]!.id, rows[2]!.id]);
  });

  it('notifies listeners on append, not on an empty or duplicate append', () => {
    const o = openOutbox();
    let calls = 0;
    const off = o.onAppend(() => (calls += 1));
    const a = result(1);
    o.append([]);
    o.append([a]);
    o.append([a]);
    off();
    o.append([result(2)]);
    expect(calls).toBe(1);
  });

  it('reports stats of an empty outbox', () => {
    expect(openOutbox().stats()).toEqual({
      depth: 0,
      dropped_total: 0,
      dropped_by_cause: { cap: 0 },
      rejected_total: 0,
      oldest_at: null,
    });
  });

  it('counts results lost before they were queued by cause, beside those the cap dropped', () => {
    const outbox = openOutbox();
    outbox.recordLost('disk_full', 7);
    outbox.recordLost('disk_full', 3);
    outbox.recordLost('read_only', 2);
    expect(outbox.stats()).toMatchObject({
      dropped_total: 12,
      dropped_by_cause: { cap: 0, disk_full: 10, read_only: 2 },
    });
  });

  it('tells a full disk and a read-only file from other failures, through wrapped causes', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(lossCause(new SkolnetError(ErrorCodes.OUTBOX_FAILED, 'cannot append', { cause: full }))).toBe(
      'disk_full',
    );
    expect(
      lossCause(
        Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }),
      ),
    ).toBe('read_only');
    expect(lossCause(new Error('SQLITE_CORRUPT: database disk image is malformed'))).toBe('store_error');
  });

  it('fails with OUTBOX_FAILED naming the file when it is not a database', () => {
    writeFileSync(file, 'this is not sqlite, just some text that is long enough to have a header'.repeat(20));
    try {
      openOutbox();
      expect.unreachable();
    } catch (err) {
      expect(isSkolnetError(err, ErrorCodes.OUTBOX_FAILED)).toBe(true);
      expect((err as Error).message).toContain(file);
    }
  });

  // Root ignores directory permissions: as root the case runs in a child
  // process as "nobody" (through runuser), against the built outbox.
  it.skipIf(unprivileged.skip)('fails with OUTBOX_FAILED in a read-only directory', () => {
    if (!unprivileged.asOther) {
      chmodSync(dir, 0o500);
      try {
        expect(() => new SqliteOutbox(join(dir, 'new.sqlite'))).toThrow(
          /cannot open outbox .*new\.sqlite.*may not write/,
        );
      } finally {
        chmodSync(dir, 0o700);
      }
      return;
    }
    const readOnly = join(dir, 'ro');
    mkdirSync(readOnly);
    // The child must reach the directory: the temporary parent is root's 0700.
    chmodSync(dir, 0o711);
    chownSync(readOnly, NOBODY_UID, NOBODY_UID);
    chmodSync(readOnly, 0o500);
    const target = join(readOnly, 'new.sqlite');
    const script = `
      import { SqliteOutbox } from ${JSON.stringify(builtOutbox)};
      try { new SqliteOutbox(${JSON.stringify(target)}); console.log(JSON.stringify({ opened: true })); }
      catch (err) { console.log(JSON.stringify({ code: err.code, message: err.message })); }`;
    const out = execFileSync(
      'runuser',
      ['-u', 'nobody', '--', process.execPath, '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    const got = JSON.parse(out) as { code?: string; message?: string };
    expect(got.code).toBe(ErrorCodes.OUTBOX_FAILED);
    expect(got.message).toMatch(/cannot open outbox .*new\.sqlite.*may not write to the state directory/);
  });

  it('fails with OUTBOX_FAILED when the parent path is a file', () => {
    const blocker = join(dir, 'blocker');
    writeFileSync(blocker, '');
    expect(() => new SqliteOutbox(join(blocker, 'outbox.sqlite'))).toThrow(
      expect.objectContaining({ code: ErrorCodes.OUTBOX_FAILED, message: expect.stringContaining(blocker) }),
    );
  });

  it('refuses use after close', () => {
    const o = openOutbox();
    o.close();
    expect(() => o.append([result(1)])).toThrow(expect.objectContaining({ code: ErrorCodes.OUTBOX_FAILED }));
    o.close();
  });
});

describe('outboxOptionsFromEnv', () => {
  it('reads the row cap and names the variable when it is bad', () => {
    expect(outboxOptionsFromEnv({})).toEqual({});
    expect(outboxOptionsFromEnv({ SKOLNET_OUTBOX_MAX_ROWS: '200' })).toEqual({ maxRows: 200 });
    for (const bad of ['0', '-5', '1e3', 'lots'])
      expect(() => outboxOptionsFromEnv({ SKOLNET_OUTBOX_MAX_ROWS: bad })).toThrow(
        expect.objectContaining({
          code: ErrorCodes.CONFIG_INVALID,
          message: expect.stringContaining('SKOLNET_OUTBOX_MAX_ROWS'),
        }),
      );
  });
});
