import { fstatSync } from 'node:fs';

/** The parts of a process's output a {@link credentialWriter} looks at. */
export interface CredentialOutputs {
  stdout: { isTTY?: boolean; write(text: string): unknown };
  stderr: { isTTY?: boolean; write(text: string): unknown };
  /** `JOURNAL_STREAM` of the environment: `<device>:<inode>` of the stream systemd connected to its journal. */
  journalStream?: string | undefined;
  /** `<device>:<inode>` of stderr, to compare with {@link journalStream}. */
  stderrIdentity?: () => string | undefined;
}

/** Where a credential shown once goes: `stdout` or `stderr`, or nowhere (`none`). */
export type CredentialOutlet = 'stdout' | 'stderr' | 'none';

/**
 * Picks where a credential shown once (the first admin's password that
 * `npm start` creates) is
 * written, so that it reaches the person at the terminal and not the
 * collector's JSON log stream, which goes to stdout and from there into
 * log files and log shippers:
 *
 * - stdout when it is a terminal: then the log lines are on the screen too,
 *   and nothing keeps them;
 * - nowhere when stderr is systemd's journal (`JOURNAL_STREAM` names it,
 *   systemd.exec(5), "Environment variables in spawned processes"): a
 *   service has no terminal, and the journal is a log; the operator sets a
 *   password with `skolnet-collector user reset-password` from a shell;
 * - stderr otherwise: stdout is then a pipe or a file that carries the
 *   JSON log, and stderr is the stream left for people.
 */
export function credentialOutlet(outputs: CredentialOutputs): CredentialOutlet {
  if (outputs.stdout.isTTY === true) return 'stdout';
  if (outputs.journalStream !== undefined && outputs.journalStream !== '') {
    const identity = outputs.stderrIdentity?.();
    if (identity !== undefined && identity === outputs.journalStream) return 'none';
  }
  return 'stderr';
}

/** The current process's outputs, for {@link credentialOutlet}. */
export function processOutputs(): CredentialOutputs {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    journalStream: process.env.JOURNAL_STREAM,
    stderrIdentity: () => {
      try {
        const s = fstatSync(2);
        return `${s.dev}:${s.ino}`;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * A line writer for a credential shown once, following
 * {@link credentialOutlet}; undefined when it must not be shown at all.
 */
export function credentialWriter(
  outputs: CredentialOutputs = processOutputs(),
): ((line: string) => void) | undefined {
  const outlet = credentialOutlet(outputs);
  if (outlet === 'none') return undefined;
  const stream = outlet === 'stdout' ? outputs.stdout : outputs.stderr;
  return (line) => {
    stream.write(`${line}\n`);
  };
}
