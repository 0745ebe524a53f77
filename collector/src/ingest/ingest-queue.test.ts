import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isSkolnetError, uuidv7, type Result } from '@skolnet/shared';
import type { KyselyStore } from '../storage/kysely-store.js';
import type { InsertOutcome, Store } from '../storage/store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { createIngestQueue } from './ingest-queue.js';

/** The real store, with every insertResults call recorded (its result count) and optionally held. */
function recording(store: Store): {
  store: Pick<Store, 'insertResults'>;
  calls: number[];
  hold: () => () => void;
} {
  const calls: number[] = [];
  let gate: Promise<void> | undefined;
  return {
    calls,
    hold() {
      let open!: () => void;
      gate = new Promise((r) => (open = r));
      return () => {
        gate = undefined;
        open();
      };
    },
    store: {
      async insertResults(results: readonly Result[], at?: Date): Promise<InsertOutcome> {
        calls.push(results.length);
        if (gate) await gate;
        return store.insertResults(results, at);
      },
    },
  };
}

describe('ingest queue', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let agentId: string;
  let schoolId: string;

  const batch = (n: number, over: Partial<Result> = {}): Result[] =>
    Array.from({ length: n }, () => makeResult(agentId, schoolId, over));

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    const school = await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 });
    schoolId = school.id;
    const enrolled = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(school.id, 3_600_000)).code,
      { hostname: 'pc', agent_version: '0.1.0' },
    );
    agentId = enrolled.agent_id;
  });

  afterEach(async () => {
    await cleanup();
  });

  it('stores concurrent batches in one transaction and settles each after the commit', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date() });
    const release = rec.hold();
    const settled: number[] = [];
    const batches = [batch(3), batch(5), batch(7)];
    const done = batches.map((b, i) =>
      queue.insert(b).then((o) => {
        settled.push(i);
        return o;
      }),
    );
    // The group is taken on the next turn of the event loop and then held
    // inside its transaction: nothing may be settled before the commit.
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(rec.calls).toEqual([15]);
    expect(settled).toEqual([]);
    expect(await store.countResults()).toBe(0);
    release();
    const outcomes = await Promise.all(done);
    expect(outcomes.map((o) => o.stored)).toEqual([3, 5, 7]);
    expect(outcomes.every((o) => o.group_batches === 3)).toBe(true);
    expect(outcomes[0]!.group).toEqual({ inserted: 15, duplicates: 0 });
    expect(await store.countResults()).toBe(15);
  });

  it('batches arriving during a commit join the next group', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date() });
    const release = rec.hold();
    const first = queue.insert(batch(2));
    await new Promise((r) => setImmediate(r));
    const later = [queue.insert(batch(4)), queue.insert(batch(6))];
    release();
    await Promise.all([first, ...later]);
    expect(rec.calls).toEqual([2, 10]);
    expect(await store.countResults()).toBe(12);
  });

  it('runs up to concurrentGroups groups at once, each settling after its own commit', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date(), concurrentGroups: 2 });
    const release = rec.hold();
    const settled: number[] = [];
    const track = (p: Promise<unknown>, i: number): Promise<unknown> => p.then(() => settled.push(i));
    const first = track(queue.insert(batch(2)), 0);
    await new Promise((r) => setImmediate(r));
    // The first group is held in its transaction; the second starts beside it.
    const second = track(queue.insert(batch(3)), 1);
    await new Promise((r) => setImmediate(r));
    // A third waits for one of the two to finish, then forms the next group.
    const third = [track(queue.insert(batch(4)), 2), track(queue.insert(batch(5)), 3)];
    await new Promise((r) => setImmediate(r));
    expect(rec.calls).toEqual([2, 3]);
    expect(settled).toEqual([]);
    let drained = false;
    const draining = queue.drain().then(() => (drained = true));
    release();
    await Promise.all([first, second, ...third, draining]);
    expect(rec.calls).toEqual([2, 3, 9]);
    expect(drained).toBe(true);
    expect(await store.countResults()).toBe(14);
  });

  it('refuses a concurrentGroups that is not a positive integer', () => {
    for (const concurrentGroups of [0, 1.5]) {
      expect(() => createIngestQueue({ store, now: () => new Date(), concurrentGroups })).toThrow(
        expect.objectContaining({ code: ErrorCodes.CONFIG_INVALID }) as unknown,
      );
    }
  });

  it('keeps a group within maxGroupResults, but never splits a batch', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date(), maxGroupResults: 10 });
    await Promise.all([batch(4), batch(4), batch(4), batch(12), batch(1)].map((b) => queue.insert(b)));
    expect(rec.calls).toEqual([8, 4, 12, 1]);
    expect(await store.countResults()).toBe(25);
  });

  it('stays idempotent when two batches in one group carry the same results', async () => {
    const queue = createIngestQueue({ store, now: () => new Date() });
    const b = batch(5);
    const [a, again] = await Promise.all([queue.insert(b), queue.insert(b.map((r) => ({ ...r })))]);
    expect(a.stored).toBe(5);
    expect(again.stored).toBe(5);
    expect(a.group).toEqual({ inserted: 5, duplicates: 5 });
    expect(await store.countResults()).toBe(5);
    // A later resend changes nothing either.
    expect((await queue.insert(b)).group).toEqual({ inserted: 0, duplicates: 5 });
    expect(await store.countResults()).toBe(5);
  });

  it('fails only the poison batch of a failed group and stores the others', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date() });
    // A school that does not exist violates the results' foreign key: the
    // whole group transaction fails, as a real store failure would.
    const poison = batch(2, { school_id: uuidv7() });
    const good1 = batch(3);
    const good2 = batch(4);
    const outcomes = await Promise.allSettled([
      queue.insert(good1),
      queue.insert(poison),
      queue.insert(good2),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(rec.calls).toEqual([9, 3, 2, 4]);
    expect(await store.countResults()).toBe(7);
    expect(await store.countResults({ schoolId })).toBe(7);
  });

  it('a failed lone batch rejects without a retry', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date() });
    await expect(queue.insert(batch(2, { school_id: uuidv7() }))).rejects.toThrow();
    expect(rec.calls).toEqual([2]);
    // The queue keeps working after a failure.
    expect((await queue.insert(batch(1))).stored).toBe(1);
  });

  it('drain waits for the group being stored', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date() });
    await queue.drain();
    const release = rec.hold();
    let stored = false;
    void queue.insert(batch(3)).then(() => (stored = true));
    const drained = queue.drain();
    await new Promise((r) => setImmediate(r));
    expect(stored).toBe(false);
    release();
    await drained;
    expect(stored).toBe(true);
  });

  it('an empty batch settles at once without a transaction', async () => {
    const rec = recording(store);
    const queue = createIngestQueue({ store: rec.store, now: () => new Date() });
    expect((await queue.insert([])).stored).toBe(0);
    expect(rec.calls).toEqual([]);
  });

  it('admits message handling within the byte budget, first come first served', async () => {
    const queue = createIngestQueue({ store, now: () => new Date(), maxAdmittedBytes: 100 });
    let running = 0;
    let most = 0;
    const order: string[] = [];
    const gates = new Map<string, () => void>();
    const task = (name: string) => async (): Promise<string> => {
      running += 1;
      most = Math.max(most, running);
      order.push(name);
      await new Promise<void>((r) => gates.set(name, r));
      running -= 1;
      return name;
    };
    const a = queue.admit(60, task('a'));
    const b = queue.admit(60, task('b'));
    const c = queue.admit(30, task('c'));
    // A message larger than the whole budget still runs, alone.
    const big = queue.admit(500, task('big'));
    await new Promise((r) => setImmediate(r));
    // b does not fit beside a, and c waits its turn behind b.
    expect(order).toEqual(['a']);
    gates.get('a')!();
    expect(await a).toBe('a');
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a', 'b', 'c']);
    gates.get('b')!();
    gates.get('c')!();
    await Promise.all([b, c]);
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['a', 'b', 'c', 'big']);
    gates.get('big')!();
    expect(await big).toBe('big');
    expect(most).toBe(2);
  });

  it('frees the budget of a task that fails', async () => {
    const queue = createIngestQueue({ store, now: () => new Date(), maxAdmittedBytes: 10 });
    await expect(queue.admit(10, () => Promise.reject(new Error('bad message')))).rejects.toThrow(
      'bad message',
    );
    expect(await queue.admit(10, () => Promise.resolve('next'))).toBe('next');
  });

  it('refuses a group size or byte budget that is not a positive integer', () => {
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      let caught: unknown;
      try {
        createIngestQueue({ store, now: () => new Date(), maxAdmittedBytes: bad });
      } catch (err) {
        caught = err;
      }
      expect(isSkolnetError(caught) && caught.code === ErrorCodes.CONFIG_INVALID).toBe(true);
    }
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      let caught: unknown;
      try {
        createIngestQueue({ store, now: () => new Date(), maxGroupResults: bad });
      } catch (err) {
        caught = err;
      }
      expect(isSkolnetError(caught) && caught.code === ErrorCodes.CONFIG_INVALID).toBe(true);
    }
  });
});
