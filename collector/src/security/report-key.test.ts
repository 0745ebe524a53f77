import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSkolnetError } from '@skolnet/shared';
import { signReport, verifyReport } from '../acceptance/report-signature.js';
import { createTempDir } from '../testing/fixtures.js';
import { REPORT_KEY_FILE, loadOrCreateReportKey } from './report-key.js';

describe('the report-signing key', () => {
  let dir: string;
  let remove: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, remove } = await createTempDir());
  });
  afterEach(() => remove());

  it('is generated on first use with mode 600 and the same key is loaded again', () => {
    const first = loadOrCreateReportKey(join(dir, 'data'));
    expect(statSync(join(dir, 'data', REPORT_KEY_FILE)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'data')).mode & 0o777).toBe(0o700);
    const again = loadOrCreateReportKey(join(dir, 'data'));
    expect(again.keyId).toBe(first.keyId);
    const body = Buffer.from('report');
    expect(verifyReport(body, again.publicKey, signReport(body, first.privateKey))).toMatchObject({
      ok: true,
    });
  });

  it('refuses a key file others can read, and one that is not an Ed25519 key', () => {
    loadOrCreateReportKey(dir);
    const path = join(dir, REPORT_KEY_FILE);
    chmodSync(path, 0o644);
    let err: unknown;
    try {
      loadOrCreateReportKey(dir);
    } catch (e) {
      err = e;
    }
    expect(isSkolnetError(err, 'SKOLNET_CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain('chmod 600');
    writeFileSync(path, 'not a key');
    chmodSync(path, 0o600);
    expect(() => loadOrCreateReportKey(dir)).toThrow(/not a private key/);
  });
});
