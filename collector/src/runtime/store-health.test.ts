import { describe, expect, it } from 'vitest';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { createStoreHealth, storeWriteCause, type StoreWriteCause } from './store-health.js';

/** An error shaped as better-sqlite3 or pg throws it (synthetic: code and message only). */
const dbError = (code: string, message = 'failed'): Error => Object.assign(new Error(message), { code });

describe('storeWriteCause', () => {
  it('reads the cause from SQLite and PostgreSQL codes, through wrappers', () => {
    const cases: [unknown, StoreWriteCause][] = [
      [dbError('SQLITE_FULL', 'database or disk is full'), 'disk_full'],
      [dbError('53100', 'could not extend file: No space left on device'), 'disk_full'],
      [dbError('SQLITE_READONLY_DBMOVED'), 'read_only'],
      [dbError('25006'), 'read_only'],
      [dbError('SQLITE_IOERR_WRITE'), 'io_error'],
      [dbError('57P01', 'terminating connection due to administrator command'), 'unavailable'],
      [dbError('ECONNREFUSED'), 'unavailable'],
      [dbError('SQLITE_CONSTRAINT_PRIMARYKEY'), 'store_error'],
      [new Error('no code'), 'store_error'],
      [undefined, 'store_error'],
      [
        new SkolnetError(ErrorCodes.STORE_FAILED, 'cannot store', { cause: dbError('SQLITE_FULL') }),
        'disk_full',
      ],
    ];
    for (const [err, cause] of cases) expect(storeWriteCause(err), String(err)).toBe(cause);
  });
});

describe('createStoreHealth', () => {
  const setup = (probeFails: () => Error | undefined) => {
    const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
    const counted: StoreWriteCause[] = [];
    let ms = 0;
    let probes = 0;
    const health = createStoreHealth({
      probe: () => {
        probes += 1;
        const err = probeFails();
        return err === undefined ? Promise.resolve() : Promise.reject(err);
      },
      log: {
        error: (fields, message) => lines.push({ level: 'error', fields: fields as never, message }),
        info: (fields, message) => lines.push({ level: 'info', fields: fields as never, message }),
      },
      countFailure: (cause) => counted.push(cause),
      now: () => new Date(Date.UTC(2026, 0, 1) + ms),
      monotonicMs: () => ms,
      probeIntervalMs: 5_000,
    });
    return {
      health,
      lines,
      counted,
      advance: (by: number) => (ms += by),
      probes: () => probes,
    };
  };

  it('logs a failing episode once with its real cause, counts every failure, and logs the recovery', async () => {
    const t = setup(() => undefined);
    expect(await t.health.readiness()).toEqual({ ready: true });
    for (let i = 0; i < 250; i += 1) t.health.writeFailed(dbError('SQLITE_FULL', 'database or disk is full'));
    expect(t.counted).toHaveLength(250);
    expect(new Set(t.counted)).toEqual(new Set(['disk_full']));
    expect(t.lines).toHaveLength(1);
    expect(t.lines[0]).toMatchObject({ level: 'error', fields: { cause: 'disk_full' } });
    expect(t.lines[0]!.message).toMatch(/disk is full/);
    expect(t.lines[0]!.fields.err).toMatch(/database or disk is full \(SQLITE_FULL\)/);
    expect(t.health.failing()).toBe(true);

    t.advance(1_000);
    t.health.writeSucceeded();
    t.health.writeSucceeded();
    expect(t.lines).toHaveLength(2);
    expect(t.lines[1]).toMatchObject({
      level: 'info',
      message: 'store writes again',
      fields: { cause: 'disk_full', failures: 250, duration_ms: 1_000 },
    });
    expect(t.health.failing()).toBe(false);
  });

  it('logs again when the cause changes within an episode', () => {
    const t = setup(() => undefined);
    t.health.writeFailed(dbError('SQLITE_FULL'));
    t.health.writeFailed(dbError('SQLITE_FULL'));
    t.health.writeFailed(dbError('SQLITE_IOERR_FSYNC'));
    expect(t.lines.map((l) => l.fields.cause)).toEqual(['disk_full', 'io_error']);
  });

  it('is not ready while writes fail, probes at most once per interval, and is ready once a probe writes', async () => {
    let full = true;
    const t = setup(() => (full ? dbError('SQLITE_FULL') : undefined));
    t.health.writeFailed(dbError('SQLITE_FULL'));
    const first = await t.health.readiness();
    expect(first).toMatchObject({ ready: false, cause: 'disk_full', failures: 1 });
    expect(first.ready === false && first.since.toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(t.probes()).toBe(1);
    // Within the interval: no second write to a full disk.
    t.advance(4_999);
    expect(await t.health.readiness()).toMatchObject({ ready: false });
    expect(t.probes()).toBe(1);
    // Failed probes are not writes of data: not counted.
    expect(t.counted).toHaveLength(1);

    full = false;
    t.advance(1);
    expect(await t.health.readiness()).toEqual({ ready: true });
    expect(t.probes()).toBe(2);
    // Ready: no more probing.
    t.advance(60_000);
    await t.health.readiness();
    expect(t.probes()).toBe(2);
  });

  it('shares one probe between concurrent readiness checks', async () => {
    const t = setup(() => undefined);
    t.health.writeFailed(dbError('SQLITE_FULL'));
    const answers = await Promise.all([t.health.readiness(), t.health.readiness(), t.health.readiness()]);
    expect(answers).toEqual([{ ready: true }, { ready: true }, { ready: true }]);
    expect(t.probes()).toBe(1);
  });
});
