import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';
import type { SqliteOutboxOptions } from './sqlite-outbox.js';

/**
 * Environment variable capping the outbox, in rows (default
 * `DEFAULT_OUTBOX_MAX_ROWS`). A host with little disk lowers it; the
 * oldest results go first and the count dropped is logged and kept.
 */
export const OUTBOX_MAX_ROWS_ENV = 'SKOLNET_OUTBOX_MAX_ROWS';

/**
 * Outbox options from the environment.
 * @throws SkolnetError `SKOLNET_CONFIG_INVALID` naming the variable when its value is not a positive integer.
 */
export function outboxOptionsFromEnv(env: NodeJS.ProcessEnv): SqliteOutboxOptions {
  const raw = env[OUTBOX_MAX_ROWS_ENV];
  if (raw === undefined || raw === '') return {};
  const rows = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(rows) || rows < 1) {
    throw new SkolnetError(
      ErrorCodes.CONFIG_INVALID,
      `${OUTBOX_MAX_ROWS_ENV}=${JSON.stringify(raw)}: expected a positive whole number of results`,
    );
  }
  return { maxRows: rows };
}
