import { describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError } from '@skolnet/shared';
import { createCommandRunner } from './command-runner.js';

// The runner is exercised against the real `node` binary, which exists
// wherever the tests run, so no test here depends on optional tools.
const node = process.execPath;

describe('createCommandRunner', () => {
  const runner = createCommandRunner();

  it('returns stdout, stderr and a non-zero exit code without throwing', async () => {
    const r = await runner.run(node, [
      '-e',
      'process.stdout.write("out"); process.stderr.write("err"); process.exit(3)',
    ]);
    expect(r).toEqual({ stdout: 'out', stderr: 'err', exitCode: 3 });
  });

  it('passes arguments verbatim, without a shell', async () => {
    const tricky = '$HOME; echo `id` | cat > x';
    const r = await runner.run(node, ['-e', 'process.stdout.write(process.argv[1])', tricky]);
    expect(r.stdout).toBe(tricky);
  });

  it('runs commands in the C locale so output is untranslated', async () => {
    const r = await runner.run(node, ['-e', 'process.stdout.write(process.env.LC_ALL ?? "")']);
    expect(r.stdout).toBe('C');
  });

  it('says the program is unavailable when it does not exist', async () => {
    const err: unknown = await runner
      .run('/nonexistent/skolnet-no-such-program', [])
      .catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_UNAVAILABLE)).toBe(true);
    expect(isSkolnetError(err) && err.retryable).toBe(false);
  });

  it('kills a command that outlives its time limit', async () => {
    const err: unknown = await runner
      .run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { timeoutMs: 200 })
      .catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_FAILED)).toBe(true);
    expect(isSkolnetError(err) && err.retryable).toBe(true);
  });

  it('kills the command and rejects with the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const pending = runner.run(node, ['-e', 'setTimeout(() => {}, 60_000)'], { signal: controller.signal });
    const reason = new Error('stop now');
    setTimeout(() => controller.abort(reason), 100);
    await expect(pending).rejects.toBe(reason);
  });

  it('fails a command that writes more than the output limit', async () => {
    const small = createCommandRunner({ maxOutputBytes: 1000 });
    const err: unknown = await small
      .run(node, ['-e', 'process.stdout.write("x".repeat(100_000))'])
      .catch((e: unknown) => e);
    expect(isSkolnetError(err, ErrorCodes.PROBE_FAILED)).toBe(true);
  });
});

describe('abort reasons', () => {
  it('wraps a non-Error abort reason in an AbortError', async () => {
    const controller = new AbortController();
    controller.abort('bye');
    const err: unknown = await createCommandRunner()
      .run(node, ['-e', ''], { signal: controller.signal })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('AbortError');
    expect((err as Error).message).toBe('bye');
  });
});
