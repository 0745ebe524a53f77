/**
 * The suite's secret search must be able to fail: it finds a known secret
 * and any API token, names where and which kind, and never the value.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SecretSearch } from '../support/secret-search.js';

describe('the secret search', () => {
  it('finds known secrets and API tokens in outputs and files, by label only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'skolnet-secret-search-'));
    try {
      await writeFile(join(dir, 'plan.csv'), 'school,code\nSkola,ABCDE-FGHIJ-KLMNO\n');
      const search = new SecretSearch()
        .secret('enrollment code', 'ABCDE-FGHIJ-KLMNO')
        .secret('agent secret', 'k'.repeat(32))
        .secret('too short to search', 'abc')
        .output('clean log', '{"msg":"agent connected","agent_id":"a1"}')
        .output('leaky log', `{"msg":"hello","secret":"${'k'.repeat(32)}"}`)
        .output(
          'error answer',
          '{"code":"SKOLNET_AUTH_UNAUTHORIZED","message":"bad token skolnet_ut_0123456789abcdef"}',
        )
        .files(dir);
      const findings = search.findings();
      expect(findings).toEqual([
        { where: 'leaky log', secret: 'agent secret' },
        { where: 'error answer', secret: 'an API token (skolnet_ut_…)' },
        { where: join(dir, 'plan.csv'), secret: 'enrollment code' },
      ]);
      expect(JSON.stringify(findings)).not.toContain('k'.repeat(32));
      expect(search.counts()).toMatchObject({ secrets: 2, outputs: 4 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
