import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir } from '../testing/fixtures.js';
import { credentialOutlet, credentialWriter, type CredentialOutputs } from './credential-output.js';

const sink = (isTTY: boolean): CredentialOutputs['stdout'] & { text: string } => {
  const s = { isTTY, text: '', write: (t: string) => (s.text += t) };
  return s;
};

describe('credentialOutlet', () => {
  it('shows a credential on stdout only when stdout is a terminal', () => {
    expect(credentialOutlet({ stdout: sink(true), stderr: sink(true) })).toBe('stdout');
    expect(credentialOutlet({ stdout: sink(false), stderr: sink(true) })).toBe('stderr');
    expect(credentialOutlet({ stdout: sink(false), stderr: sink(false) })).toBe('stderr');
  });

  it('shows it nowhere when stderr is the systemd journal', () => {
    const outputs = { stdout: sink(false), stderr: sink(false), journalStream: '8:1234' };
    expect(credentialOutlet({ ...outputs, stderrIdentity: () => '8:1234' })).toBe('none');
    // JOURNAL_STREAM inherited by a process whose stderr is something else.
    expect(credentialOutlet({ ...outputs, stderrIdentity: () => '8:999' })).toBe('stderr');
    expect(credentialWriter({ ...outputs, stderrIdentity: () => '8:1234' })).toBeUndefined();
  });

  it('writes whole lines to the chosen stream', () => {
    const stdout = sink(false);
    const stderr = sink(false);
    credentialWriter({ stdout, stderr })!('token');
    expect([stdout.text, stderr.text]).toEqual(['', 'token\n']);
  });
});

describe('skolnet-collector serve on first start', () => {
  const bin = fileURLToPath(new URL('../../bin/skolnet-collector.js', import.meta.url));
  let dir: string;
  let remove: () => Promise<void>;
  let child: ChildProcessWithoutNullStreams | undefined;
  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    child = undefined;
    await remove();
  });

  it('prints the admin token on stderr, never into the JSON log on stdout', async () => {
    // stdout and stderr are pipes here, as when a log collector reads stdout.
    const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', '--data', join(dir, 'data')], {
      stdio: 'pipe',
      env: { ...process.env, JOURNAL_STREAM: '' },
    });
    child = proc;
    let stdout = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    const token = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no token on stderr; stdout:\n${stdout}`)), 20_000);
      proc.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        const m = /^\s+([A-Za-z0-9_-]{43})\s*$/m.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.once('exit', () => reject(new Error(`collector exited; stderr:\n${stderr}`)));
    });
    // Wait until the server is listening, so its start-up lines are all out.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (/listening on/.test(stdout)) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    await exited;
    expect(stdout).toContain('"msg":"Server listening');
    expect(stdout).not.toContain(token);
  });
});
