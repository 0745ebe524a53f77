import type { Kysely } from 'kysely';
import type { CollectorDatabase } from './rows.js';

/**
 * The agents enrolled with the `issued_laptop` role: their results are a
 * pupil's home connection (docs/pupil-support.md), kept out of every
 * school figure (rollups, scoring, the latest results) and read only by
 * `KyselyResults.issuedLaptopResults` for the home-connectivity counts.
 */
export function issuedLaptopAgents(db: Kysely<CollectorDatabase>) {
  return db.selectFrom('agents').select('id').where('role', '=', 'issued_laptop');
}
