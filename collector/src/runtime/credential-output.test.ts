import { describe, expect, it } from 'vitest';
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
