import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { missingComponent } from '../../../test/support/real-component.js';
import { eventually } from '../../../test/support/poll.js';
import { runSystemInformation } from './run-system-information.js';

// Stand-ins for systeminformation, loaded by the child process exactly as the real
// module is: one blocks its thread synchronously, as systeminformation's
// execSync calls do; one never answers.
const dir = mkdtempSync(join(tmpdir(), 'skolnet-si-'));
const blocking = join(dir, 'blocking.cjs');
writeFileSync(
  blocking,
  `exports.osInfo = () => {
     const until = Date.now() + 1500;
     while (Date.now() < until) { /* a synchronous child process, as far as the thread can tell */ }
     return { platform: 'blocked' };
   };`,
);
const hanging = join(dir, 'hanging.cjs');
writeFileSync(hanging, `exports.osInfo = () => new Promise(() => {});`);
const partial = join(dir, 'partial.cjs');
writeFileSync(
  partial,
  `exports.time = () => ({ uptime: 5 }); exports.battery = async () => { throw new Error('no battery API\\nmore'); };`,
);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Live child processes of this one whose command line mentions `text` (Linux, from /proc). */
function childrenMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('runSystemInformation', () => {
  it('runs the real systeminformation and returns each call', async () => {
    const r = await runSystemInformation(['osInfo', 'time']);
    expect(r.osInfo).toMatchObject({ ok: true, value: { platform: process.platform } });
    expect(r.time.ok).toBe(true);
  });

  it('keeps the event loop free while the child is blocked', async () => {
    let ticks = 0;
    const ticker = setInterval(() => (ticks += 1), 20);
    try {
      const r = await runSystemInformation(['osInfo'], { modulePath: blocking });
      expect(r.osInfo).toEqual({ ok: true, value: { platform: 'blocked' } });
    } finally {
      clearInterval(ticker);
    }
    // Had the block run on this thread, no tick could have fired before it returned.
    expect(ticks).toBeGreaterThan(0);
  });

  it('reports a failed call on its own, first line only, and keeps the rest', async () => {
    const r = await runSystemInformation(['time', 'battery'], { modulePath: partial });
    expect(r).toEqual({
      time: { ok: true, value: { uptime: 5 } },
      battery: { ok: false, error: 'no battery API' },
    });
  });

  it('gives up on a child that does not answer in time', async () => {
    const err: unknown = await runSystemInformation(['osInfo'], {
      modulePath: hanging,
      timeoutMs: 200,
    }).catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_FAILED)).toBe(true);
    expect(isSkolnetError(err) && err.retryable).toBe(true);
  });

  it.skipIf(
    missingComponent('/proc', existsSync('/proc/self/stat'), 'the child check reads /proc/<pid>/cmdline') !==
      undefined,
  )('leaves no child process behind, answered or not', async () => {
    await runSystemInformation(['time', 'battery'], { modulePath: partial });
    await runSystemInformation(['osInfo'], { modulePath: hanging, timeoutMs: 200 }).catch(() => undefined);
    // A killed child is reaped on the next turns of the event loop.
    await eventually(() => expect(childrenMentioning(dir)).toEqual([]), { timeoutMs: 5_000 });
  });

  it('rejects with the abort reason', async () => {
    const controller = new AbortController();
    const pending = runSystemInformation(['osInfo'], { modulePath: hanging, signal: controller.signal });
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });

  it('fails clearly when the module cannot be loaded', async () => {
    const err: unknown = await runSystemInformation(['osInfo'], {
      modulePath: join(dir, 'missing.cjs'),
    }).catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_FAILED)).toBe(true);
    // The child's own last words say why.
    expect((err as Error).message).toMatch(/Cannot find module/);
  });
});
