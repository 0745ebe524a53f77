import type { Kysely } from 'kysely';
import type { MetaStore } from '../store.js';
import type { KyselyContext } from './context.js';
import type { CollectorDatabase } from './rows.js';

/** Collector-wide settings, one text value per key. */
export class KyselyMeta implements MetaStore {
  readonly #db: Kysely<CollectorDatabase>;

  constructor(context: KyselyContext) {
    this.#db = context.db;
  }

  async getMeta(key: string): Promise<string | undefined> {
    const row = await this.#db.selectFrom('meta').select('value').where('key', '=', key).executeTakeFirst();
    return row?.value;
  }

  async setMeta(key: string, value: string): Promise<void> {
    await this.#db
      .insertInto('meta')
      .values({ key, value })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
      .execute();
  }
}
