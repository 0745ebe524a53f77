import type { Kysely, Transaction } from 'kysely';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import type {
  AttestationRecord,
  LaptopRecord,
  OrderRecord,
  PlanBody,
  PlanRecord,
  PupilRecord,
} from '../support/support-records.js';
import type { PlanStatus, SchoolFounder } from '../support/support-rules.js';
import type { StoreDialect } from './migrations/migration-provider.js';
import { retryWhileBusy } from './sqlite-busy.js';

interface PlanRow {
  id: string;
  pupil_id: string;
  school_id: string;
  semester: string;
  status: string;
  founder: string;
  body: string;
  spent_cents: number;
  version: number;
  created_at: string;
  updated_at: string;
}

interface OrderRow {
  id: string;
  school_id: string;
  valid_from: string;
  valid_to: string;
  body: string;
  created_at: string;
}

/** The support tables as Kysely sees them (migration 0009-support). */
export interface SupportTables {
  support_schools: { school_id: string; founder: string };
  support_pupils: PupilRecord;
  support_plans: PlanRow;
  support_attestations: AttestationRecord;
  support_orders: OrderRow;
  support_laptops: LaptopRecord;
  meta: { key: string; value: string };
}

/** Meta key of the id of the pseudonym key the stored pseudonyms were made with. */
export const PSEUDONYM_KEY_META = 'support.pseudonym_key_id';
/** Meta key of the id of the encryption key the sealed names and codes are sealed with. */
export const ENCRYPTION_KEY_META = 'support.encryption_key_id';

/** Everything stored about one pupil (subject access, erasure). */
export interface PupilHoldings {
  pupil: PupilRecord;
  plans: PlanRecord[];
  laptops: LaptopRecord[];
  /** Orders listing the pupil. */
  orders: OrderRecord[];
}

/** Per-school counts the aggregates are made from; raw, before suppression. */
export interface SupportCounts {
  school_id: string;
  /** Active plans (pupils with one, one plan per pupil per semester) by risk group, in the given semester. */
  active_by_group: Record<string, number>;
  /** Pupils with an active plan in the semester (each counted once, whatever its risk groups). */
  active_pupils: number;
  /** Laptops issued and not returned. */
  laptops_issued: number;
}

const toPlan = (row: PlanRow): PlanRecord => ({
  ...row,
  status: row.status as PlanStatus,
  founder: row.founder as SchoolFounder,
  body: JSON.parse(row.body) as PlanBody,
  spent_cents: Number(row.spent_cents),
  version: Number(row.version),
});

const toOrder = (row: OrderRow): OrderRecord => ({
  ...(JSON.parse(row.body) as Omit<
    OrderRecord,
    'id' | 'school_id' | 'valid_from' | 'valid_to' | 'created_at'
  >),
  id: row.id,
  school_id: row.school_id,
  valid_from: row.valid_from,
  valid_to: row.valid_to,
  created_at: row.created_at,
});

const orderRow = (o: OrderRecord): OrderRow => {
  const { id, school_id, valid_from, valid_to, created_at, ...rest } = o;
  return { id, school_id, valid_from, valid_to, created_at, body: JSON.stringify(rest) };
};

const planRow = (p: PlanRecord): PlanRow => ({ ...p, body: JSON.stringify(p.body) });

const spentOf = (body: PlanBody): number => body.compensations.reduce((sum, c) => sum + c.amount_cents, 0);

/**
 * What callers use of the support store: its public methods only, so a
 * test built against the compiled store and one built against the source
 * see the same type (a class with private fields is nominal).
 */
export type SupportStore = Pick<KyselySupportStore, keyof KyselySupportStore>;

/**
 * Pupil-support records over the collector's database. Plans are written
 * whole, with a version check: a write made from an older read is refused
 * (`SKOLNET_API_CONFLICT`) rather than merged over someone else's.
 */
export class KyselySupportStore {
  readonly #db: Kysely<SupportTables>;
  readonly #dialect: StoreDialect;

  constructor(db: Kysely<SupportTables>, dialect: StoreDialect) {
    this.#db = db;
    this.#dialect = dialect;
  }

  #transaction<T>(fn: (trx: Transaction<SupportTables>) => Promise<T>): Promise<T> {
    const run = (): Promise<T> => this.#db.transaction().execute(fn);
    return this.#dialect === 'sqlite' ? retryWhileBusy(run) : run();
  }

  /** The school's founder; a school not set is taken as municipal, as most are. */
  async getFounder(schoolId: string): Promise<SchoolFounder> {
    const row = await this.#db
      .selectFrom('support_schools')
      .select('founder')
      .where('school_id', '=', schoolId)
      .executeTakeFirst();
    return (row?.founder as SchoolFounder | undefined) ?? 'municipality';
  }

  async setFounder(schoolId: string, founder: SchoolFounder): Promise<void> {
    await this.#db
      .insertInto('support_schools')
      .values({ school_id: schoolId, founder })
      .onConflict((oc) => oc.column('school_id').doUpdateSet({ founder }))
      .execute();
  }

  async insertPupil(pupil: PupilRecord): Promise<void> {
    await this.#db.insertInto('support_pupils').values(pupil).execute();
  }

  async updatePupil(pupil: PupilRecord): Promise<void> {
    await this.#db.updateTable('support_pupils').set(pupil).where('id', '=', pupil.id).execute();
  }

  async getPupil(id: string): Promise<PupilRecord | undefined> {
    return this.#db.selectFrom('support_pupils').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findPupilByPseudonym(pseudonym: string): Promise<PupilRecord | undefined> {
    return this.#db
      .selectFrom('support_pupils')
      .selectAll()
      .where('pseudonym', '=', pseudonym)
      .executeTakeFirst();
  }

  async listPupils(schoolId: string): Promise<PupilRecord[]> {
    return this.#db
      .selectFrom('support_pupils')
      .selectAll()
      .where('school_id', '=', schoolId)
      .orderBy('class_label')
      .orderBy('id')
      .execute();
  }

  /** Ids of the schools that have at least one pupil. */
  async schoolsWithPupils(): Promise<string[]> {
    const rows = await this.#db.selectFrom('support_pupils').select('school_id').distinct().execute();
    return rows.map((r) => r.school_id);
  }

  /** Every pupil, for re-keying. */
  async allPupils(): Promise<PupilRecord[]> {
    return this.#db.selectFrom('support_pupils').selectAll().orderBy('id').execute();
  }

  async insertPlan(plan: Omit<PlanRecord, 'spent_cents' | 'version'>): Promise<PlanRecord> {
    const full: PlanRecord = { ...plan, spent_cents: spentOf(plan.body), version: 1 };
    try {
      await this.#db.insertInto('support_plans').values(planRow(full)).execute();
    } catch (err) {
      if (await this.findPlan(plan.pupil_id, plan.semester)) {
        throw new SkolnetError(ErrorCodes.API_CONFLICT, `the pupil has a plan for ${plan.semester} already`, {
          cause: err,
        });
      }
      throw err;
    }
    return full;
  }

  /**
   * Writes `plan` over the stored one if that is still at `plan.version`;
   * returns the stored plan with its new version.
   */
  async updatePlan(plan: PlanRecord, now: Date): Promise<PlanRecord> {
    const next: PlanRecord = {
      ...plan,
      spent_cents: spentOf(plan.body),
      version: plan.version + 1,
      updated_at: now.toISOString(),
    };
    const result = await this.#db
      .updateTable('support_plans')
      .set(planRow(next))
      .where('id', '=', plan.id)
      .where('version', '=', plan.version)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) {
      throw new SkolnetError(ErrorCodes.API_CONFLICT, 'the plan changed since it was read: read it again');
    }
    return next;
  }

  async getPlan(id: string): Promise<PlanRecord | undefined> {
    const row = await this.#db
      .selectFrom('support_plans')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && toPlan(row);
  }

  async findPlan(pupilId: string, semester: string): Promise<PlanRecord | undefined> {
    const row = await this.#db
      .selectFrom('support_plans')
      .selectAll()
      .where('pupil_id', '=', pupilId)
      .where('semester', '=', semester)
      .executeTakeFirst();
    return row && toPlan(row);
  }

  /** Plans of some schools (all when `schoolIds` is undefined), newest semester first. */
  async listPlans(schoolIds?: readonly string[]): Promise<PlanRecord[]> {
    if (schoolIds !== undefined && schoolIds.length === 0) return [];
    let query = this.#db.selectFrom('support_plans').selectAll();
    if (schoolIds !== undefined) query = query.where('school_id', 'in', schoolIds);
    const rows = await query.orderBy('semester', 'desc').orderBy('id').execute();
    return rows.map(toPlan);
  }

  /** Deletes a plan if nothing is spent on it (checked again in the statement); returns whether it did. */
  async deletePlan(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('support_plans')
      .where('id', '=', id)
      .where('spent_cents', '=', 0)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async insertAttestation(row: AttestationRecord): Promise<void> {
    await this.#db.insertInto('support_attestations').values(row).execute();
  }

  async listAttestations(municipality: string): Promise<AttestationRecord[]> {
    return this.#db
      .selectFrom('support_attestations')
      .selectAll()
      .where('municipality', '=', municipality)
      .orderBy('obtained_on')
      .orderBy('id')
      .execute();
  }

  async insertOrder(order: OrderRecord): Promise<void> {
    await this.#db.insertInto('support_orders').values(orderRow(order)).execute();
  }

  async listOrders(schoolId: string): Promise<OrderRecord[]> {
    const rows = await this.#db
      .selectFrom('support_orders')
      .selectAll()
      .where('school_id', '=', schoolId)
      .orderBy('valid_from')
      .orderBy('id')
      .execute();
    return rows.map(toOrder);
  }

  async insertLaptop(laptop: LaptopRecord): Promise<void> {
    await this.#db.insertInto('support_laptops').values(laptop).execute();
  }

  async updateLaptop(laptop: LaptopRecord): Promise<void> {
    await this.#db.updateTable('support_laptops').set(laptop).where('id', '=', laptop.id).execute();
  }

  async getLaptop(id: string): Promise<LaptopRecord | undefined> {
    return this.#db.selectFrom('support_laptops').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async findLaptopBySerial(serial: string): Promise<LaptopRecord | undefined> {
    return this.#db.selectFrom('support_laptops').selectAll().where('serial', '=', serial).executeTakeFirst();
  }

  async listLaptops(schoolId?: string): Promise<LaptopRecord[]> {
    let query = this.#db.selectFrom('support_laptops').selectAll();
    if (schoolId !== undefined) query = query.where('school_id', '=', schoolId);
    return query.orderBy('serial').execute();
  }

  /** Everything held about one pupil. */
  async pupilHoldings(pupilId: string): Promise<PupilHoldings | undefined> {
    const pupil = await this.getPupil(pupilId);
    if (!pupil) return undefined;
    const plans = (
      await this.#db
        .selectFrom('support_plans')
        .selectAll()
        .where('pupil_id', '=', pupilId)
        .orderBy('semester')
        .execute()
    ).map(toPlan);
    const laptops = await this.#db
      .selectFrom('support_laptops')
      .selectAll()
      .where('pupil_id', '=', pupilId)
      .orderBy('serial')
      .execute();
    const orders = (await this.listOrders(pupil.school_id)).filter((o) => o.pupil_ids.includes(pupilId));
    return { pupil, plans, laptops, orders };
  }

  /**
   * Erases one pupil in one transaction: the pupil, their plans, their
   * place in directors' orders; laptops stay (school property) without the
   * pupil. Returns whether there was such a pupil.
   */
  async erasePupil(pupilId: string, now: Date): Promise<boolean> {
    return this.#transaction(async (trx) => {
      const pupil = await trx
        .selectFrom('support_pupils')
        .select('school_id')
        .where('id', '=', pupilId)
        .executeTakeFirst();
      if (!pupil) return false;
      await trx.deleteFrom('support_plans').where('pupil_id', '=', pupilId).execute();
      await trx
        .updateTable('support_laptops')
        .set({ pupil_id: null, updated_at: now.toISOString() })
        .where('pupil_id', '=', pupilId)
        .execute();
      const orders = await trx
        .selectFrom('support_orders')
        .selectAll()
        .where('school_id', '=', pupil.school_id)
        .execute();
      for (const row of orders) {
        const order = toOrder(row);
        if (!order.pupil_ids.includes(pupilId)) continue;
        const kept = { ...order, pupil_ids: order.pupil_ids.filter((id) => id !== pupilId) };
        await trx
          .updateTable('support_orders')
          .set({ body: orderRow(kept).body })
          .where('id', '=', row.id)
          .execute();
      }
      await trx.deleteFrom('support_pupils').where('id', '=', pupilId).execute();
      return true;
    });
  }

  /**
   * Replaces every pupil's pseudonym and sealed fields with `rekey`'s, and
   * records the key ids, in one transaction: either every pupil is re-keyed
   * or none is.
   */
  async rekeyPupils(
    rekey: (pupil: PupilRecord) => Pick<PupilRecord, 'pseudonym' | 'name_sealed' | 'code_sealed'>,
    keyIds: { pseudonym: string; encryption: string },
    now: Date,
  ): Promise<number> {
    return this.#transaction(async (trx) => {
      const pupils = await trx.selectFrom('support_pupils').selectAll().orderBy('id').execute();
      const next = pupils.map((p) => ({ id: p.id, ...rekey(p) }));
      // Pseudonyms are unique: move every row out of the way first, so a new
      // pseudonym equal to another pupil's old one cannot collide mid-way.
      for (const p of next) {
        await trx
          .updateTable('support_pupils')
          .set({ pseudonym: `rekey:${p.id}` })
          .where('id', '=', p.id)
          .execute();
      }
      for (const p of next) {
        await trx
          .updateTable('support_pupils')
          .set({ ...p, updated_at: now.toISOString() })
          .where('id', '=', p.id)
          .execute();
      }
      for (const [key, value] of [
        [PSEUDONYM_KEY_META, keyIds.pseudonym],
        [ENCRYPTION_KEY_META, keyIds.encryption],
      ] as const) {
        await trx
          .insertInto('meta')
          .values({ key, value })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
          .execute();
      }
      return pupils.length;
    });
  }

  /** The key ids recorded with the data, when any pupil was ever stored. */
  async recordedKeyIds(): Promise<{ pseudonym?: string; encryption?: string }> {
    const rows = await this.#db
      .selectFrom('meta')
      .selectAll()
      .where('key', 'in', [PSEUDONYM_KEY_META, ENCRYPTION_KEY_META])
      .execute();
    const get = (k: string): string | undefined => rows.find((r) => r.key === k)?.value;
    const pseudonym = get(PSEUDONYM_KEY_META);
    const encryption = get(ENCRYPTION_KEY_META);
    return { ...(pseudonym ? { pseudonym } : {}), ...(encryption ? { encryption } : {}) };
  }

  /** Records the key ids (the first time pupil data is written). */
  async recordKeyIds(keyIds: { pseudonym: string; encryption: string }): Promise<void> {
    for (const [key, value] of [
      [PSEUDONYM_KEY_META, keyIds.pseudonym],
      [ENCRYPTION_KEY_META, keyIds.encryption],
    ] as const) {
      await this.#db
        .insertInto('meta')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    }
  }

  /** Pupils whose newest plan's semester ended before `cutoff` (or who have none and were created before it). */
  async pupilsInactiveSince(
    cutoff: string,
    semesterEnd: (code: string) => string | undefined,
  ): Promise<string[]> {
    const pupils = await this.#db.selectFrom('support_pupils').select(['id', 'created_at']).execute();
    const plans = await this.#db.selectFrom('support_plans').select(['pupil_id', 'semester']).execute();
    const latest = new Map<string, string>();
    for (const p of plans) {
      const end = semesterEnd(p.semester) ?? '9999-12-31';
      if ((latest.get(p.pupil_id) ?? '') < end) latest.set(p.pupil_id, end);
    }
    return pupils
      .filter((p) => (latest.get(p.id) ?? p.created_at.slice(0, 10)) < cutoff)
      .map((p) => p.id)
      .sort();
  }
}
