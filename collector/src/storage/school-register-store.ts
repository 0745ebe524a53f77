import type { Kysely } from 'kysely';
import { ErrorCodes, SkolnetError, type SchoolType } from '@skolnet/shared';
import type { SchoolRow } from './store.js';

/** The register's editable fields of a school; an absent key stays as it is, null clears it. */
export interface SchoolRegisterPatch {
  name?: string;
  municipality?: string;
  pupils?: number;
  registration_number?: string | null;
  address?: string | null;
  lat?: number | null;
  lon?: number | null;
  school_type?: SchoolType | null;
}

/** The tables this module reads and writes. */
export interface RegisterTables {
  schools: SchoolRow;
}

/**
 * The school register's writes beside the store's `createSchool`
 * (migration 0007-school-register): find by the national registration
 * number, edit, retire and bring back. Every write returns the row as
 * stored; a registration number that another school holds is
 * `SKOLNET_API_CONFLICT` naming that school.
 */
export interface SchoolRegisterStore {
  /** The school with this registration number, retired or not, or undefined. */
  findByRegistrationNumber(number: string): Promise<SchoolRow | undefined>;
  /**
   * Applies `patch` to school `id`. Throws `SKOLNET_API_NOT_FOUND` for an
   * unknown school and `SKOLNET_API_CONFLICT` for a registration number
   * another school holds.
   */
  updateSchool(id: string, patch: SchoolRegisterPatch): Promise<SchoolRow>;
  /** Marks school `id` retired at `now` (kept as it was when already retired); its history stays. */
  retireSchool(id: string, now: Date): Promise<SchoolRow>;
  /** Makes a retired school active again. */
  reinstateSchool(id: string): Promise<SchoolRow>;
}

/** The {@link SchoolRegisterStore} over the collector's Kysely database. */
export class KyselySchoolRegisterStore implements SchoolRegisterStore {
  readonly #db: Kysely<RegisterTables>;

  /** Uses `db`, owned by the caller's store. */
  constructor(db: Kysely<RegisterTables>) {
    this.#db = db;
  }

  async findByRegistrationNumber(number: string): Promise<SchoolRow | undefined> {
    const row = await this.#db
      .selectFrom('schools')
      .selectAll()
      .where('registration_number', '=', number)
      .executeTakeFirst();
    return row === undefined ? undefined : toSchoolRow(row);
  }

  async updateSchool(id: string, patch: SchoolRegisterPatch): Promise<SchoolRow> {
    await this.#get(id);
    const number = patch.registration_number;
    if (number !== undefined && number !== null) await this.assertNumberFree(number, id);
    const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    if (Object.keys(values).length > 0) {
      await this.#db.updateTable('schools').set(values).where('id', '=', id).execute();
    }
    return this.#get(id);
  }

  async retireSchool(id: string, now: Date): Promise<SchoolRow> {
    const row = await this.#get(id);
    if (row.retired_at !== null) return row;
    await this.#db
      .updateTable('schools')
      .set({ retired_at: now.toISOString() })
      .where('id', '=', id)
      .execute();
    return this.#get(id);
  }

  async reinstateSchool(id: string): Promise<SchoolRow> {
    await this.#get(id);
    await this.#db.updateTable('schools').set({ retired_at: null }).where('id', '=', id).execute();
    return this.#get(id);
  }

  /**
   * Throws `SKOLNET_API_CONFLICT` when a school other than `exceptId`
   * holds `number`. The unique index backs this up against a race.
   */
  async assertNumberFree(number: string, exceptId?: string): Promise<void> {
    const holder = await this.findByRegistrationNumber(number);
    if (holder && holder.id !== exceptId) {
      throw new SkolnetError(
        ErrorCodes.API_CONFLICT,
        `registration number ${number} belongs to school ${holder.id} (${holder.name})`,
      );
    }
  }

  async #get(id: string): Promise<SchoolRow> {
    const row = await this.#db.selectFrom('schools').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${id} does not exist`);
    return toSchoolRow(row);
  }
}

/** A school row with numbers as numbers: PostgreSQL may hand integers back as strings, SQLite as numbers. */
export function toSchoolRow(row: SchoolRow): SchoolRow {
  return {
    ...row,
    pupils: Number(row.pupils),
    lat: row.lat === null ? null : Number(row.lat),
    lon: row.lon === null ? null : Number(row.lon),
  };
}
