import { ErrorCodes, SkolnetError, type SchoolSummary, type Timetable } from '@skolnet/shared';
import { summarizeCoverage, type CoverageSummary } from '../coverage/coverage-analysis.js';
import type { PlanSchool } from '../planning/options.js';
import {
  PLANNING_INPUTS_META_KEY,
  SNMP_NETWORK_MEASUREMENT,
  planSchool,
  planningInputsById,
  scoringFacts,
  withMeasurements,
  withSupportRecords,
  BOTTLENECK_MEASUREMENT,
  type SchoolPlanningInput,
} from '../planning/plan-data.js';
import {
  SCORING_MEASUREMENTS,
  extractFiguresFromRollups,
  schoolLessonTimetable,
  scoreFigures,
  type SchoolScore,
} from '../scoring/school-score.js';
import type { ScoringConfig } from '../scoring/score-config.js';
import { explainScoring, type ScoreExplanation } from '../scoring/score-explanation.js';
import type { NewSchool, SchoolRow, Store, StoredResult } from '../storage/store.js';
import { checkRegisterFields, type RegisterProblem } from '../schools/register-rules.js';
import { loadSchoolCoverage } from './coverage-service.js';
import type { DataChange, DataChanges } from './data-changes.js';
import { supportAggregates } from './support-aggregates-service.js';

/** One school in the read model: everything its score, its record and the plan need. */
export interface SchoolView {
  row: SchoolRow;
  /** The score with the configured scoring over the window ending when the entry was built. */
  score: SchoolScore;
  /** The school as the planner sees it (figures of the same window, measured inventory). */
  plan: PlanSchool;
  /** Wi-Fi coverage summary with the default choices (docs/wifi.md). */
  coverage: CoverageSummary;
  /** The planning input with measurements laid over it; undefined when there is none. */
  input: SchoolPlanningInput | undefined;
}

/**
 * The read model of every school: built from the store once, then served
 * until the data it rests on changes, the scoring config is replaced or it
 * grows older than the service's `maxAgeMs`.
 */
export interface SchoolSnapshot {
  /** Build number, increasing: a plan cached for one build is stale for the next. */
  readonly id: number;
  /** The data version ({@link DataChanges.version}) the build started from. */
  readonly dataVersion: number;
  /** When it was built, by the service's clock, ms since the epoch. */
  readonly builtAtMs: number;
  readonly scoring: ScoringConfig;
  /** Schools by name, as `GET /api/v1/schools` lists them. */
  readonly summaries: readonly SchoolSummary[];
  /** Schools by name, as the planner takes them. */
  readonly planSchools: readonly PlanSchool[];
  readonly schools: ReadonlyMap<string, SchoolView>;
}

/** `GET /api/v1/schools/:id`: a school, its score with components, and its newest results. */
export interface SchoolDetail extends SchoolSummary {
  created_at: string;
  components: SchoolScore['components'];
  /** How much data stands behind the score (school days, lesson hours). */
  confidence: SchoolScore['confidence'];
  /** Hard caps that lowered the score. */
  caps_applied: SchoolScore['caps_applied'];
  /** Each component's thresholds (with units) and sources, under the scoring config in force. */
  explanation: ScoreExplanation;
  /** True for generated demo data. */
  synthetic?: boolean;
  /** Agents of this school connected right now. */
  connected_agents: number;
  /** Agents of this school flagged as possible clones (details in the admin agent listing). */
  flagged_agents: number;
  /** Newest result per measurement and target, newest first. */
  latest: StoredResult[];
  /** Wi-Fi coverage summary (docs/wifi.md); the full picture is at `/coverage`. */
  coverage: CoverageSummary;
}

/**
 * Default longest life of the read model when nothing in this process
 * changed, ms. Writes through this process's store invalidate it at once;
 * this bounds how long writes made elsewhere go unseen (another collector
 * on the same PostgreSQL database, a demo seed into a running collector)
 * and how far the scoring window may slide. One minute: scores move on
 * the scale of hourly rollups, and a full rebuild of 650 schools takes
 * seconds (docs/scaling.md), so it is paid at most once a minute.
 */
export const DEFAULT_READ_MODEL_MAX_AGE_MS = 60_000;

/** Dependencies and settings of {@link createSchoolService}. */
export interface SchoolServiceOptions {
  store: Store;
  /** The scoring config in force; a different object rebuilds the read model. */
  scoring: () => ScoringConfig;
  /** Clock; the scoring window ends now. */
  now: () => Date;
  /** Changes made through this process's store; without it only `maxAgeMs` refreshes. */
  changes?: DataChanges;
  /** False: every read builds from the store (no read model; the pre-service behaviour). Default true. */
  cache?: boolean;
  /** See {@link DEFAULT_READ_MODEL_MAX_AGE_MS}. */
  maxAgeMs?: number;
  /** Told when a rebuild run behind a served read model fails (the next read tries again). */
  onBackgroundError?: (err: unknown) => void;
}

/** Schools, their scores and what the planner needs of them: the one code path for a school's score. */
export interface SchoolService {
  /**
   * The read model. After a change made through this process's store (or
   * a new scoring config) it is rebuilt first, one build at a time,
   * concurrent reads sharing it; when it is merely older than `maxAgeMs`
   * it is served as it is while a full rebuild runs behind it.
   */
  snapshot(): Promise<SchoolSnapshot>;
  /** Resolves when no build is running (tests, and a clean shutdown). */
  settled(): Promise<void>;
  /** Every school with its current score and band, by name. */
  list(): Promise<readonly SchoolSummary[]>;
  /** One school of the read model, or undefined. */
  get(schoolId: string): Promise<SchoolView | undefined>;
  /**
   * A school's record with its newest results. Throws
   * `SKOLNET_API_NOT_FOUND` for an unknown school. `connectedAgents`
   * counts this process's agent streams.
   */
  detail(schoolId: string, latest: number, connectedAgents: number): Promise<SchoolDetail>;
  /** Every school as the planner takes it, by name. */
  planSchools(): Promise<readonly PlanSchool[]>;
  /**
   * Creates a school (the store reports the change to the read model).
   * Throws `SKOLNET_API_BAD_REQUEST` naming each broken register rule
   * (municipality, coordinates, registration number); the municipality is
   * stored in its official spelling.
   */
  create(school: NewSchool): Promise<SchoolRow>;
}

const DAY_MS = 86_400_000;

/**
 * A request's broken register rules as one error: `body/<field>: <text>
 * (<code>)` per rule, so a client can branch on the code and a person
 * reads what to fix.
 */
export function registerError(problems: readonly RegisterProblem[]): SkolnetError {
  return new SkolnetError(
    ErrorCodes.API_BAD_REQUEST,
    problems.map((p) => `body/${p.field}: ${p.en} (${p.code})`).join('; '),
  );
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What a rebuild must re-read. */
interface Work {
  all: boolean;
  list: boolean;
  /** Schools' timetables (one read for every school). */
  timetables: boolean;
  schools: Set<string>;
}

/**
 * Scores one school: hourly rollups of the scoring window, its Wi-Fi
 * coverage and SNMP sweeps, over its planning input, in its own lesson
 * hours (`timetable`, read for every school at once) or, without one, the
 * scoring config's. Three reads.
 */
async function buildView(
  store: Store,
  row: SchoolRow,
  stored: SchoolPlanningInput | undefined,
  scoring: ScoringConfig,
  now: Date,
  timetable: Timetable | undefined,
): Promise<SchoolView> {
  const since = new Date(now.getTime() - scoring.window_days * DAY_MS);
  // The time series come from hourly rollups; Wi-Fi and SNMP inventory from raw results.
  const rollups = await store.hourlyRollups({ schoolId: row.id, since, measurements: SCORING_MEASUREMENTS });
  const coverage = await loadSchoolCoverage(store, row.id, now);
  const raw = await store.resultsForScoring(row.id, since, [
    SNMP_NETWORK_MEASUREMENT,
    BOTTLENECK_MEASUREMENT,
  ]);
  const sweeps = raw.filter((r) => r.measurement === SNMP_NETWORK_MEASUREMENT);
  const bottlenecks = raw.filter((r) => r.measurement === BOTTLENECK_MEASUREMENT);
  const input = withMeasurements(row.id, stored, coverage, sweeps, bottlenecks);
  const lessons = schoolLessonTimetable(timetable, scoring);
  const figures = {
    ...extractFiguresFromRollups(rollups, scoring, lessons.timetable),
    lesson_hours_from: lessons.from,
  };
  // The same figures feed the score and the plan, so they agree.
  const score = scoreFigures({ ...figures, ...scoringFacts(input) }, row.pupils, scoring);
  return {
    row,
    score,
    // The evidence the plan asks for is the score's: school days with a
    // throughput run in this school's lesson hours.
    plan: planSchool(row, figures, input, figures.evidence_school_days ?? 0),
    coverage: summarizeCoverage(coverage),
    input,
  };
}

/**
 * The planning inputs document with the pupil-support records' published
 * aggregates laid over it (planning/plan-data.ts, withSupportRecords).
 */
async function readPlanningInputs(store: Store, now: Date): Promise<Map<string, SchoolPlanningInput>> {
  const document = planningInputsById(await store.getMeta(PLANNING_INPUTS_META_KEY));
  return withSupportRecords(document, await supportAggregates(store, now));
}

/** Every column counts: a register edit (a new address, a retirement) must reach the list. */
const sameRow = (a: SchoolRow, b: SchoolRow): boolean =>
  (Object.keys(a) as (keyof SchoolRow)[]).every((key) => a[key] === b[key]);

/**
 * The school service: a read model of every school's score, coverage
 * summary and planning figures, refreshed lazily on the first read after
 * a change. A change to some schools' results re-reads those schools only;
 * new schools, new planning inputs, retention, a new scoring config or age
 * re-read everything.
 */
export function createSchoolService(options: SchoolServiceOptions): SchoolService {
  const { store } = options;
  const cache = options.cache ?? true;
  const maxAgeMs = options.maxAgeMs ?? DEFAULT_READ_MODEL_MAX_AGE_MS;
  let builds = 0;
  let current: SchoolSnapshot | undefined;
  let inputs: Map<string, SchoolPlanningInput> = new Map();
  /** Schools' own timetables, read with the planning inputs and when an agent configuration changes. */
  let timetables: Map<string, Timetable> = new Map();
  /** The build running, with the change count and scoring it covers. */
  let building: { promise: Promise<SchoolSnapshot>; seq: number; scoring: ScoringConfig } | undefined;
  /** Changes reported so far; `currentSeq` of them are in the model. */
  let changeSeq = 0;
  let currentSeq = -1;
  /** What the current model holds, as JSON, to tell a rebuild that changed nothing. */
  let currentFingerprint = '';
  const pending: Work = { all: true, list: false, timetables: false, schools: new Set() };
  /** The store's last {@link Store.externalChangeVersion}: another process's commit changes it. */
  let externalVersion: number | undefined;

  options.changes?.subscribe((change: DataChange) => {
    changeSeq += 1;
    if (change.all) pending.all = true;
    if (change.schoolList) pending.list = true;
    if (change.timetables) pending.timetables = true;
    for (const id of change.schoolIds ?? []) pending.schools.add(id);
  });

  async function build(work: Work, scoring: ScoringConfig, now: Date): Promise<SchoolSnapshot> {
    const dataVersion = options.changes?.version ?? 0;
    const previous = work.all ? undefined : current;
    // Pupil-support records over the planning-inputs document, which stays the fallback.
    if (!previous) inputs = await readPlanningInputs(store, now);
    if (!previous || work.timetables) timetables = await store.schoolTimetables();
    const rows =
      !previous || work.list ? await store.listSchools() : [...previous.schools.values()].map((v) => v.row);
    const schools = new Map<string, SchoolView>();
    for (const row of rows) {
      // SQLite answers synchronously, so a build of 650 schools would otherwise hold the
      // event loop for seconds; between schools, requests (and agents' batches) get their turn.
      await yieldToEventLoop();
      const old = previous?.schools.get(row.id);
      const keep = old !== undefined && !work.schools.has(row.id) && sameRow(old.row, row);
      schools.set(
        row.id,
        keep ? old : await buildView(store, row, inputs.get(row.id), scoring, now, timetables.get(row.id)),
      );
    }
    // A retired school keeps its record (its page, its history) but leaves the list and the plan.
    const views = [...schools.values()].filter((v) => v.row.retired_at === null);
    // A rebuild that found nothing new (the periodic one, mostly) keeps the model's id, so
    // the plans cached for it stay valid and are not solved again.
    const fingerprint = JSON.stringify(
      [...schools.values()].map((v) => [v.row, v.score, v.plan, v.coverage]),
    );
    if (current && current.scoring === scoring && fingerprint === currentFingerprint) {
      return { ...current, dataVersion, builtAtMs: now.getTime() };
    }
    currentFingerprint = fingerprint;
    builds += 1;
    return {
      id: builds,
      dataVersion,
      builtAtMs: now.getTime(),
      scoring,
      summaries: views.map(({ row, score }) => ({
        id: row.id,
        name: row.name,
        municipality: row.municipality,
        pupils: row.pupils,
        registration_number: row.registration_number,
        address: row.address,
        lat: row.lat,
        lon: row.lon,
        school_type: row.school_type,
        retired_at: row.retired_at,
        score: score.score,
        band: score.band,
      })),
      planSchools: views.map((v) => v.plan),
      schools,
    };
  }

  // A clock that went back counts as old: the window the model was built for is not now's.
  const young = (snap: SchoolSnapshot, nowMs: number): boolean =>
    nowMs >= snap.builtAtMs && nowMs - snap.builtAtMs < maxAgeMs;

  /** Starts a build of what is pending (plus everything when `all`); one at a time. */
  function startBuild(all: boolean, scoring: ScoringConfig, now: Date): Promise<SchoolSnapshot> {
    const work: Work = {
      all: pending.all || all,
      list: pending.list,
      timetables: pending.timetables,
      schools: new Set(pending.schools),
    };
    pending.all = false;
    pending.list = false;
    pending.timetables = false;
    pending.schools.clear();
    const seq = changeSeq;
    const started = build(work, scoring, now).then(
      (snap) => {
        current = snap;
        currentSeq = seq;
        building = undefined;
        return snap;
      },
      (err: unknown) => {
        // What this build was to re-read is re-read by the next one.
        pending.all = true;
        building = undefined;
        throw err;
      },
    );
    building = { promise: started, seq, scoring };
    return started;
  }

  async function snapshot(): Promise<SchoolSnapshot> {
    const scoring = options.scoring();
    const now = options.now();
    if (!cache) return build({ all: true, list: true, timetables: true, schools: new Set() }, scoring, now);
    // Another process (demo:seed, the user command) wrote to the database: a change like
    // one of this process's, so the next read shows it instead of waiting for the model's age.
    const external = await store.externalChangeVersion?.();
    if (external !== undefined) {
      if (externalVersion !== undefined && external !== externalVersion) {
        changeSeq += 1;
        pending.all = true;
      }
      externalVersion = external;
    }
    for (;;) {
      const sameScoring = current !== undefined && current.scoring === scoring;
      if (current && sameScoring && currentSeq === changeSeq) {
        if (young(current, now.getTime())) return current;
        // Only old: nothing written through this process is missing from it, so it is
        // served while a full rebuild (for other processes' writes, and the sliding
        // window) runs behind it; a failed one is tried again by a later read.
        if (!building) {
          startBuild(true, scoring, now).catch((err: unknown) => options.onBackgroundError?.(err));
        }
        return current;
      }
      // A change (or a new scoring config) since the model was built: the caller waits, so
      // a write is seen by the next read. Reads share a build that covers every change so far;
      // one started before the latest change is waited out, then another starts.
      if (building) {
        if (building.seq === changeSeq && building.scoring === scoring) return building.promise;
        await building.promise.catch(() => undefined);
        continue;
      }
      const expired = !current || !sameScoring || !young(current, now.getTime());
      return startBuild(expired, scoring, now);
    }
  }

  return {
    snapshot,
    async settled() {
      while (building) await building.promise.catch(() => undefined);
    },
    async list() {
      return (await snapshot()).summaries;
    },
    async get(schoolId) {
      if (cache) return (await snapshot()).schools.get(schoolId);
      // Without the read model, one school's reads (as before the service layer), not every school's.
      const row = await store.getSchool(schoolId);
      if (!row) return undefined;
      const stored = (await readPlanningInputs(store, options.now())).get(row.id);
      const own = (await store.schoolTimetables()).get(row.id);
      return buildView(store, row, stored, options.scoring(), options.now(), own);
    },
    async planSchools() {
      return (await snapshot()).planSchools;
    },
    async detail(schoolId, latest, connectedAgents) {
      const view = await this.get(schoolId);
      // A school created elsewhere after the last build is not in the model yet.
      const row = view?.row ?? (await store.getSchool(schoolId));
      if (!row) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${schoolId} does not exist`);
      const { score, coverage, input } =
        view ??
        (await buildView(
          store,
          row,
          inputs.get(row.id),
          options.scoring(),
          options.now(),
          (await store.schoolTimetables()).get(row.id),
        ));
      return {
        ...row,
        score: score.score,
        band: score.band,
        components: score.components,
        confidence: score.confidence,
        caps_applied: score.caps_applied,
        explanation: explainScoring(options.scoring()),
        ...(input?.synthetic ? { synthetic: true } : {}),
        connected_agents: connectedAgents,
        flagged_agents: (await store.listAgents(row.id)).filter((a) => a.flags.length > 0).length,
        latest: await store.latestResults(row.id, { perMeasurement: true, limit: latest }),
        coverage,
      };
    },
    create(school) {
      const { problems, municipality } = checkRegisterFields(school);
      if (problems.length > 0) throw registerError(problems);
      return store.createSchool(
        { ...school, municipality: municipality ?? school.municipality },
        options.now(),
      );
    },
  };
}
