import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uuidv7, type Result } from '@skolnet/shared';
import { createSqliteStore, type KyselyStore } from '../storage/kysely-store.js';

/** A temporary directory removed by the returned cleanup. Test-only. */
export async function createTempDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'skolnet-collector-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A migrated SQLite store in a fresh temporary directory. Test-only. */
export async function createTempStore(): Promise<{
  store: KyselyStore;
  dir: string;
  cleanup: () => Promise<void>;
}> {
  const { dir, remove } = await createTempDir();
  const store = await createSqliteStore(join(dir, 'test.db'));
  return {
    store,
    dir,
    cleanup: async () => {
      await store.close().catch(() => undefined);
      await remove();
    },
  };
}

/** A valid result of the given agent and school. Test-only. */
export function makeResult(agentId: string, schoolId: string, over: Partial<Result> = {}): Result {
  return {
    id: uuidv7(),
    agent_id: agentId,
    school_id: schoolId,
    measurement: 'latency',
    fields: { rtt_avg_ms: 12.5, loss_pct: 0, result: 'success' },
    tags: { target: 'collector' },
    at: new Date().toISOString(),
    ...over,
  };
}
