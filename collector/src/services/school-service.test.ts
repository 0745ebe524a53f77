import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Result } from '@skolnet/shared';
import { loadCostCatalog } from '../planning/catalog.js';
import { PLANNING_INPUTS_META_KEY, type PlanningInputs } from '../planning/plan-data.js';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from '../scoring/score-config.js';
import { createSqliteStore, type KyselyStore } from '../storage/kysely-store.js';
import type { HourlyRollup, RollupQuery, Store } from '../storage/store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { createDataChanges, trackStoreChanges, type DataChanges } from './data-changes.js';
import { createPlanService, type PlanService } from './plan-service.js';
import { createSchoolService, type SchoolService, type SchoolServiceOptions } from './school-service.js';

const NOW = new Date('2026-03-10T12:00:00.000Z');
const HOUR_MS = 3_600_000;

/**
 * The store with a count of calls per method, so a test can tell whether a
 * read reached the database. `externalChangeVersion` (a pragma answered
 * from the connection's memory, asked on every read) is not a read of data
 * and is left out of `total`.
 */
function countingStore(store: Store): { store: Store; calls: Map<string, number>; total: () => number } {
  const calls = new Map<string, number>();
  const counted = new Proxy(store, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        calls.set(String(property), (calls.get(String(property)) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  const total = (): number =>
    [...calls].filter(([name]) => name !== 'externalChangeVersion').reduce((sum, [, n]) => sum + n, 0);
  return { store: counted, calls, total };
}

/** A week's worth of one school's data in one hour: `download_mbps` and 160 ms, 0.5 % loss (app.test.ts). */
function measured(agentId: string, schoolId: string, downloadMbps: number): Result[] {
  const at = new Date(NOW.getTime() - HOUR_MS).toISOString();
  return [
    makeResult(agentId, schoolId, {
      measurement: 'throughput',
      fields: { download_mbps: downloadMbps },
      tags: {},
      at,
    }),
    makeResult(agentId, schoolId, { fields: { rtt_avg_ms: 160, loss_pct: 0.5 }, at }),
  ];
}

describe('school service read model', () => {
  let raw: KyselyStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  let changes: DataChanges;
  /** The app's view: writes through it are reported to `changes`. */
  let tracked: Store;
  let counting: ReturnType<typeof countingStore>;
  let now: Date;
  let scoring: ScoringConfig;
  let agentId: string;
  let schoolA: string;
  let schoolB: string;

  const service = (over: Partial<SchoolServiceOptions> = {}): SchoolService =>
    createSchoolService({
      store: counting.store,
      scoring: () => scoring,
      now: () => now,
      changes,
      ...over,
    });

  beforeEach(async () => {
    ({ store: raw, dir, cleanup } = await createTempStore());
    changes = createDataChanges();
    tracked = trackStoreChanges(raw, changes);
    counting = countingStore(tracked);
    now = NOW;
    scoring = DEFAULT_SCORING_CONFIG;
    schoolA = (await tracked.createSchool({ name: 'A skola', municipality: 'Rīga', pupils: 100 }, NOW)).id;
    schoolB = (await tracked.createSchool({ name: 'B skola', municipality: 'Cēsis', pupils: 50 }, NOW)).id;
    const code = await raw.createEnrollmentCode(schoolA, HOUR_MS, NOW);
    agentId = (await raw.redeemEnrollmentCode(code.code, { hostname: 'h', agent_version: '1' }, NOW))
      .agent_id;
    await tracked.insertResults(measured(agentId, schoolA, 50));
    counting.calls.clear();
  });
  afterEach(async () => {
    await cleanup();
  });

  it('answers a second read without touching the store', async () => {
    const schools = service();
    const first = await schools.list();
    expect(first.map((s) => [s.name, s.score, s.band])).toEqual([
      ['A skola', 65, 'moderate'],
      ['B skola', null, 'insufficient_data'],
    ]);
    expect(counting.calls.get('listSchools')).toBe(1);
    // Three reads per school: rollups, coverage results, SNMP results.
    expect(counting.calls.get('hourlyRollups')).toBe(2);
    const before = counting.total();
    expect(await schools.list()).toBe(first);
    expect((await schools.get(schoolA))?.score.score).toBe(65);
    expect(await schools.planSchools()).toHaveLength(2);
    expect(counting.total()).toBe(before);
  });

  it("sees another process's write at the next read, not only when the model is old", async () => {
    const schools = service();
    expect((await schools.list()).map((s) => s.name)).toEqual(['A skola', 'B skola']);
    // A second connection to the same file, as `npm run demo:seed` beside a running collector.
    const other = await createSqliteStore(join(dir, 'test.db'));
    try {
      await other.createSchool({ name: 'C skola', municipality: 'Valka', pupils: 20 }, NOW);
    } finally {
      await other.close();
    }
    expect((await schools.list()).map((s) => s.name)).toEqual(['A skola', 'B skola', 'C skola']);
    // Its own writes do not count as foreign: a read after none rebuilds nothing.
    const before = counting.total();
    await schools.list();
    expect(counting.total()).toBe(before);
  });

  it('re-reads only the school whose results changed, and shows the new score', async () => {
    const schools = service();
    await schools.list();
    counting.calls.clear();
    // 1 Mbit/s for 100 pupils: far below the school minimum.
    const version = changes.version;
    await tracked.insertResults(measured(agentId, schoolA, 1));
    expect(changes.version).toBeGreaterThan(version);
    counting.calls.clear();
    const after = await schools.list();
    expect(after[0]?.score).toBeLessThan(65);
    expect(counting.calls.get('hourlyRollups')).toBe(1);
    expect(counting.calls.get('listSchools')).toBeUndefined();
  });

  it('takes in a new school, new planning inputs and a new scoring config', async () => {
    const schools = service();
    await schools.list();
    const created = await tracked.createSchool({ name: 'C skola', municipality: 'Rīga', pupils: 10 }, NOW);
    counting.calls.clear();
    expect((await schools.list()).map((s) => s.id)).toEqual([schoolA, schoolB, created.id]);
    // Only the new school is scored; the others are unchanged.
    expect(counting.calls.get('hourlyRollups')).toBe(1);

    const doc: PlanningInputs = {
      version: 1,
      schools: [{ school_id: schoolB, synthetic: true, support: { pupils_vulnerable: 7 } }],
    };
    await tracked.setMeta(PLANNING_INPUTS_META_KEY, JSON.stringify(doc));
    counting.calls.clear();
    expect((await schools.get(schoolB))?.plan.support).toEqual({ pupils_vulnerable: 7 });
    expect(counting.calls.get('hourlyRollups')).toBe(3);

    // Another config object (a reload): the 65 is moderate by default, priority from 70 on.
    scoring = { ...DEFAULT_SCORING_CONFIG, bands: { good: 80, moderate: 70 } };
    expect((await schools.get(schoolA))?.score.band).toBe('priority');
  });

  it('rebuilds once it is older than maxAgeMs, for writes it cannot see', async () => {
    const schools = service({ maxAgeMs: 60_000 });
    await schools.list();
    // Written past the tracking (as another collector on the same database would).
    await raw.insertResults(measured(agentId, schoolA, 1));
    now = new Date(NOW.getTime() + 59_000);
    expect((await schools.list())[0]?.score).toBe(65);
    now = new Date(NOW.getTime() + 60_000);
    // Old, not changed here: served at once while the rebuild runs behind it.
    expect((await schools.list())[0]?.score).toBe(65);
    await schools.settled();
    expect((await schools.list())[0]?.score).toBeLessThan(65);
  });

  it('keeps its build id when a rebuild finds nothing new, so cached plans stay valid', async () => {
    const schools = service({ maxAgeMs: 1000 });
    const first = await schools.snapshot();
    now = new Date(NOW.getTime() + 1000);
    await schools.snapshot();
    await schools.settled();
    const rebuilt = await schools.snapshot();
    expect(rebuilt.builtAtMs).toBe(NOW.getTime() + 1000);
    expect(rebuilt.id).toBe(first.id);
    await raw.insertResults(measured(agentId, schoolA, 1));
    now = new Date(NOW.getTime() + 2000);
    await schools.snapshot();
    await schools.settled();
    expect((await schools.snapshot()).id).toBeGreaterThan(first.id);
  });

  it('serves the old read model when a rebuild behind it fails, and tries again on the next read', async () => {
    let fail = false;
    const errors: unknown[] = [];
    const schools = createSchoolService({
      store: new Proxy(counting.store, {
        get(target, property) {
          if (property === 'listSchools' && fail)
            return () => Promise.reject(new Error('database is locked'));
          return Reflect.get(target, property, target) as unknown;
        },
      }),
      scoring: () => scoring,
      now: () => now,
      changes,
      maxAgeMs: 1000,
      onBackgroundError: (err) => errors.push(err),
    });
    const first = await schools.list();
    fail = true;
    now = new Date(NOW.getTime() + 1000);
    expect(await schools.list()).toBe(first);
    await schools.settled();
    expect(errors).toHaveLength(1);
    fail = false;
    expect(await schools.list()).toBe(first);
    await schools.settled();
    // Retried behind the served model, and this time built (with nothing new in it).
    const again = await schools.snapshot();
    expect(again.builtAtMs).toBe(NOW.getTime() + 1000);
    expect(again.summaries).toEqual(first);
  });

  it('shows a write to the next read even while a rebuild behind the old model runs', async () => {
    // The rebuild behind the model reads each school's rollups as they were before the
    // write (as a rebuild that read them just before it would), whenever it runs.
    const before = new Map<string, HourlyRollup[]>();
    for (const id of [schoolA, schoolB]) {
      before.set(id, await tracked.hourlyRollups({ schoolId: id, since: new Date(0) }));
    }
    let staleReads = 0;
    const schools = service({
      maxAgeMs: 1000,
      store: new Proxy(counting.store, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (property !== 'hourlyRollups' || staleReads === 0) return value;
          return (query: RollupQuery) => {
            staleReads -= 1;
            return Promise.resolve(before.get(query.schoolId) ?? []);
          };
        },
      }),
    });
    await schools.list();
    staleReads = 2;
    now = new Date(NOW.getTime() + 1000);
    // Old, not changed: served as it is while the rebuild runs behind it.
    expect((await schools.list())[0]?.score).toBe(65);
    await tracked.insertResults(measured(agentId, schoolA, 1));
    expect((await schools.list())[0]?.score).toBeLessThan(65);
  });

  it('builds once for concurrent first reads', async () => {
    const schools = service();
    const [a, b, c] = await Promise.all([schools.list(), schools.list(), schools.snapshot()]);
    expect(b).toBe(a);
    expect(c.summaries).toBe(a);
    expect(counting.calls.get('listSchools')).toBe(1);
  });

  it('reads again after a failed build', async () => {
    let fail = true;
    const schools = createSchoolService({
      store: new Proxy(counting.store, {
        get(target, property) {
          if (property === 'listSchools' && fail)
            return () => Promise.reject(new Error('database is locked'));
          return Reflect.get(target, property, target) as unknown;
        },
      }),
      scoring: () => scoring,
      now: () => now,
      changes,
    });
    await expect(schools.list()).rejects.toThrow('database is locked');
    fail = false;
    expect(await schools.list()).toHaveLength(2);
  });

  it('reads the store on every call with the cache off (the pre-service path)', async () => {
    const schools = service({ cache: false });
    await schools.list();
    const once = counting.total();
    await schools.list();
    expect(counting.total()).toBe(2 * once);
  });
});

describe('plan service cache', () => {
  let raw: KyselyStore;
  let cleanup: () => Promise<void>;
  let changes: DataChanges;
  let tracked: Store;
  let schools: SchoolService;
  let plans: PlanService;
  let agentId: string;
  let schoolA: string;

  beforeEach(async () => {
    ({ store: raw, cleanup } = await createTempStore());
    changes = createDataChanges();
    tracked = trackStoreChanges(raw, changes);
    schoolA = (await tracked.createSchool({ name: 'A skola', municipality: 'Rīga', pupils: 100 }, NOW)).id;
    const code = await raw.createEnrollmentCode(schoolA, HOUR_MS, NOW);
    agentId = (await raw.redeemEnrollmentCode(code.code, { hostname: 'h', agent_version: '1' }, NOW))
      .agent_id;
    await tracked.insertResults(measured(agentId, schoolA, 50));
    schools = createSchoolService({
      store: tracked,
      scoring: () => DEFAULT_SCORING_CONFIG,
      now: () => NOW,
      changes,
    });
    plans = createPlanService({ schools, catalog: () => loadCostCatalog(), maxEntries: 2 });
  });
  afterEach(async () => {
    await cleanup();
  });

  it('solves once per data version, budget and constraints', async () => {
    // Concurrent first views share one solve: the same plan object.
    const [a, b] = await Promise.all([
      plans.plan({ budget_eur: 100_000 }),
      plans.plan({ budget_eur: 100_000, constraints: {} }),
    ]);
    expect(b).toBe(a);
    expect(a.schools.map((s) => s.school_id)).toEqual([schoolA]);
    // Key order of the constraints does not matter.
    const capped = await plans.plan({
      budget_eur: 100_000,
      constraints: { min_score: 10, months_to_deadline: 6 },
    });
    expect(
      await plans.plan({ budget_eur: 100_000, constraints: { months_to_deadline: 6, min_score: 10 } }),
    ).toBe(capped);
    expect(await plans.plan({ budget_eur: 100_000 })).toBe(a);
    // Its JSON is written once and served as it is.
    const json = await plans.planJson({ budget_eur: 100_000 });
    expect(JSON.parse(json.json.toString('utf8'))).toEqual(a);
    expect(JSON.parse(gunzipSync(json.gzip).toString('utf8'))).toEqual(a);
    expect(await plans.planJson({ budget_eur: 100_000 })).toBe(json);
    // A change in the data: solved again over the new read model.
    await tracked.insertResults(measured(agentId, schoolA, 1));
    const after = await plans.plan({ budget_eur: 100_000 });
    expect(after).not.toBe(a);
    expect(Number(after.schools[0]?.score_before)).toBeLessThan(Number(a.schools[0]?.score_before));
  });

  it('keeps at most maxEntries plans, dropping the least recently used', async () => {
    const one = await plans.plan({ budget_eur: 1000 });
    const two = await plans.plan({ budget_eur: 2000 });
    expect(await plans.plan({ budget_eur: 1000 })).toBe(one);
    await plans.plan({ budget_eur: 3000 });
    // 2000 was the least recently used of the three.
    expect(await plans.plan({ budget_eur: 1000 })).toBe(one);
    expect(await plans.plan({ budget_eur: 2000 })).not.toBe(two);
  });
});
