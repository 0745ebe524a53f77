import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTempDir } from '../testing/fixtures.js';
import { loadPupilKeys, settleRotation, stageRotation } from './pupil-keys.js';

describe('pupil-data keys', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    const temp = await createTempDir();
    dir = join(temp.dir, 'keys');
    remove = temp.remove;
  });
  afterEach(async () => remove());

  it('creates both keys owner-only in an owner-only directory, and loads the same keys again', () => {
    const keys = loadPupilKeys(dir);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of ['pseudonym.key', 'encryption.key']) {
      expect(statSync(join(dir, name)).mode & 0o777).toBe(0o600);
    }
    const again = loadPupilKeys(dir);
    expect(again.pseudonym('161175-19997')).toBe(keys.pseudonym('161175-19997'));
    expect(again.open(keys.seal('Anna', 'pupil:1:name'), 'pupil:1:name')).toBe('Anna');
  });

  it('refuses a key file others can read, naming the fix', () => {
    loadPupilKeys(dir);
    chmodSync(join(dir, 'encryption.key'), 0o644);
    expect(() => loadPupilKeys(dir)).toThrow(/readable by others.*chmod 600/);
  });

  it('makes a keyed pseudonym: the same code gives the same one, another key another one', async () => {
    const keys = loadPupilKeys(dir);
    const other = await createTempDir();
    try {
      const foreign = loadPupilKeys(join(other.dir, 'keys'));
      expect(keys.pseudonym('161175-19997')).toMatch(/^[0-9a-f]{64}$/);
      expect(keys.pseudonym('161175-19997')).not.toBe(foreign.pseudonym('161175-19997'));
      expect(keys.pseudonym('161175-19997')).not.toBe(keys.pseudonym('321234-56789'));
    } finally {
      await other.remove();
    }
  });

  it('seals with a fresh nonce, never in the clear, and refuses altered text or another record’s context', () => {
    const keys = loadPupilKeys(dir);
    const a = keys.seal('Anna Bērziņa', 'pupil:1:name');
    const b = keys.seal('Anna Bērziņa', 'pupil:1:name');
    expect(a).not.toBe(b);
    expect(a).not.toContain('Anna');
    expect(() => keys.open(a, 'pupil:2:name')).toThrow(/does not authenticate/);
    const parts = a.split('.');
    const body = Buffer.from(parts[4]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[4] = body.toString('base64url');
    expect(() => keys.open(parts.join('.'), 'pupil:1:name')).toThrow(/does not authenticate/);
    try {
      keys.open(parts.join('.'), 'pupil:1:name');
    } catch (err) {
      expect(String(err)).not.toContain('Anna');
    }
  });

  it('rotates: the new key is staged beside the old, commit replaces it, abandon drops it', () => {
    const keys = loadPupilKeys(dir);
    const staged = stageRotation(dir, 'pseudonym');
    expect(statSync(join(dir, 'pseudonym.key.next')).mode & 0o777).toBe(0o600);
    expect(() => stageRotation(dir, 'pseudonym')).toThrow(/already under way/);
    expect(staged.keys.encryptionKeyId).toBe(keys.encryptionKeyId);
    expect(staged.newKeyId).toBe(staged.keys.pseudonymKeyId);
    staged.commit();
    expect(loadPupilKeys(dir).pseudonymKeyId).toBe(staged.newKeyId);
    const second = stageRotation(dir, 'encryption');
    second.abandon();
    expect(existsSync(join(dir, 'encryption.key.next'))).toBe(false);
    expect(loadPupilKeys(dir).encryptionKeyId).toBe(keys.encryptionKeyId);
  });

  it('settles a rotation a crash interrupted by the key id the database recorded', () => {
    const keys = loadPupilKeys(dir);
    const committed = stageRotation(dir, 'encryption');
    // The database recorded the new key: it takes over.
    expect(settleRotation(dir, 'encryption', committed.newKeyId)).toBe(true);
    expect(loadPupilKeys(dir).encryptionKeyId).toBe(committed.newKeyId);
    // The database kept the old key: the new file goes.
    stageRotation(dir, 'pseudonym');
    const before = readFileSync(join(dir, 'pseudonym.key'), 'utf8');
    expect(settleRotation(dir, 'pseudonym', keys.pseudonymKeyId)).toBe(false);
    expect(existsSync(join(dir, 'pseudonym.key.next'))).toBe(false);
    expect(readFileSync(join(dir, 'pseudonym.key'), 'utf8')).toBe(before);
  });
});
