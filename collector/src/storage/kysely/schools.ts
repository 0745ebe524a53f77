import type { Kysely } from 'kysely';
import { uuidv7 } from '@skolnet/shared';
import { toSchoolRow, type KyselySchoolRegisterStore } from '../school-register-store.js';
import type { NewSchool, SchoolRow, SchoolStore } from '../store.js';
import type { KyselyContext } from './context.js';
import type { CollectorDatabase } from './rows.js';

/** The schools: create, list, read. The register's edits live in `school-register-store.ts`. */
export class KyselySchools implements SchoolStore {
  readonly #db: Kysely<CollectorDatabase>;
  /** Checks that a new school's registration number is free. */
  readonly register: Pick<KyselySchoolRegisterStore, 'assertNumberFree'>;

  constructor(context: KyselyContext, register: Pick<KyselySchoolRegisterStore, 'assertNumberFree'>) {
    this.#db = context.db;
    this.register = register;
  }

  async createSchool(school: NewSchool, now: Date = new Date()): Promise<SchoolRow> {
    if (school.registration_number) await this.register.assertNumberFree(school.registration_number);
    const row: SchoolRow = {
      id: uuidv7(now.getTime()),
      name: school.name,
      municipality: school.municipality,
      pupils: school.pupils,
      created_at: now.toISOString(),
      registration_number: school.registration_number ?? null,
      address: school.address ?? null,
      lat: school.lat ?? null,
      lon: school.lon ?? null,
      school_type: school.school_type ?? null,
      retired_at: null,
    };
    await this.#db.insertInto('schools').values(row).execute();
    return row;
  }

  async listSchools(): Promise<SchoolRow[]> {
    const rows = await this.#db.selectFrom('schools').selectAll().orderBy('name').orderBy('id').execute();
    return rows.map(toSchoolRow);
  }

  async getSchool(id: string): Promise<SchoolRow | undefined> {
    const row = await this.#db.selectFrom('schools').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : toSchoolRow(row);
  }
}
