import { PLANNING_INPUTS_META_KEY } from '../planning/plan-data.js';
import type { SchoolRegisterPatch, SchoolRegisterStore } from '../storage/school-register-store.js';
import type { Store } from '../storage/store.js';

/**
 * What changed in the data the read models are built from. A read model
 * re-reads only what a change names: the named schools' results, the
 * list of schools, or everything.
 */
export interface DataChange {
  /** Schools whose results changed (ingest). */
  schoolIds?: readonly string[];
  /** Schools were created (or their name, municipality or pupils changed). */
  schoolList?: boolean;
  /** Anything may have changed: planning inputs, retention deleted old rows. */
  all?: boolean;
  /** A school's agent configuration, and so perhaps its timetable (its lesson hours), changed. */
  timetables?: boolean;
}

/**
 * The collector's data version: a counter bumped by every write that can
 * change a score or a plan, with listeners (the read models) told what
 * changed. One per app; nothing module-level.
 */
export interface DataChanges {
  /** Bumped by every {@link DataChanges.notify}; starts at 0. */
  readonly version: number;
  /** Records a change and tells every listener, synchronously. */
  notify(change: DataChange): void;
  /** Calls `listener` on every change from now on; returns the unsubscribe function. */
  subscribe(listener: (change: DataChange) => void): () => void;
}

/** A fresh {@link DataChanges} at version 0. */
export function createDataChanges(): DataChanges {
  const listeners = new Set<(change: DataChange) => void>();
  let version = 0;
  return {
    get version() {
      return version;
    },
    notify(change) {
      version += 1;
      for (const listener of listeners) listener(change);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/**
 * The store with every write that can change a score or a plan reported
 * to `changes` once it has succeeded:
 *
 * - `insertResults` that stored anything: its schools' results changed;
 * - `createSchool`: the list of schools changed;
 * - `setSchoolAgentConfig`: that school's timetable, its lesson hours, may have changed;
 * - the register's edits (`register.updateSchool`, `retireSchool`,
 *   `reinstateSchool`): the list of schools changed;
 * - `setMeta` of the planning inputs: every school's inputs may have changed;
 * - retention (`deleteResultsBefore`, `deleteRollupsBefore`) that deleted
 *   anything: old rows left, so everything is re-read.
 *
 * `refreshRollups` is not reported: a read of rollups brings the hours it
 * covers up to date first (see {@link Store.hourlyRollups}), so what a read
 * model would compute depends on the raw results alone, whose ingest is
 * reported. Every other method is passed through unchanged, including
 * methods added to the store later.
 */
export function trackStoreChanges<S extends Store>(store: S, changes: DataChanges): S {
  const tracked: Partial<Store> = {
    async insertResults(results, receivedAt) {
      const outcome = await store.insertResults(results, receivedAt);
      if (outcome.inserted > 0) changes.notify({ schoolIds: [...new Set(results.map((r) => r.school_id))] });
      return outcome;
    },
    async createSchool(school, now) {
      const row = await store.createSchool(school, now);
      changes.notify({ schoolList: true });
      return row;
    },
    async setSchoolAgentConfig(schoolId, config, now) {
      const pushed = await store.setSchoolAgentConfig(schoolId, config, now);
      changes.notify({ schoolIds: [schoolId], timetables: true });
      return pushed;
    },
    register: trackRegister(store.register, changes),
    async setMeta(key, value) {
      await store.setMeta(key, value);
      if (key === PLANNING_INPUTS_META_KEY) changes.notify({ all: true });
    },
    async deleteResultsBefore(cutoff, limit) {
      const outcome = await store.deleteResultsBefore(cutoff, limit);
      if (outcome.deleted > 0) changes.notify({ all: true });
      return outcome;
    },
    async deleteRollupsBefore(cutoff, limit) {
      const outcome = await store.deleteRollupsBefore(cutoff, limit);
      if (outcome.deleted > 0) changes.notify({ all: true });
      return outcome;
    },
  };
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(tracked, property)) return tracked[property as keyof Store];
      // Bound to the store itself: its methods use private fields, which a proxy as `this` lacks.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** The register's writes, each reported as a change to the list of schools once it succeeded. */
function trackRegister(register: SchoolRegisterStore, changes: DataChanges): SchoolRegisterStore {
  const notified =
    <A extends unknown[], R>(write: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const out = await write(...args);
      changes.notify({ schoolList: true });
      return out;
    };
  return {
    findByRegistrationNumber: (number) => register.findByRegistrationNumber(number),
    updateSchool: notified((id: string, patch: SchoolRegisterPatch) => register.updateSchool(id, patch)),
    retireSchool: notified((id: string, now: Date) => register.retireSchool(id, now)),
    reinstateSchool: notified((id: string) => register.reinstateSchool(id)),
  };
}
