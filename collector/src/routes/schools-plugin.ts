import type { FastifyPluginAsync } from 'fastify';
import {
  AGENT_ROLES,
  CreateSchool,
  ErrorCodes,
  SchoolSummary,
  SkolnetError,
  type AgentRole,
} from '@skolnet/shared';
import {
  loadPlanningInputs,
  scoringFacts,
  withMeasuredInventory,
  type SchoolPlanningInput,
} from '../planning/plan-data.js';
import { SCORING_MEASUREMENTS, scoreSchool, type SchoolScore } from '../scoring/school-score.js';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from '../scoring/score-config.js';
import type { SchoolRow, Store, StoredResult } from '../storage/store.js';
import { loadCoverageSummary } from './coverage-plugin.js';

// Small route-local schemas are written as plain JSON Schema; the shared
// contract types come from @skolnet/shared.
const SchoolParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const;
interface SchoolParams {
  id: string;
}

const CreateEnrollmentCode = {
  type: 'object',
  properties: {
    ttl_hours: { type: 'integer', minimum: 1 },
    // When set, only an agent enrolling with this role can redeem the code.
    role: { type: 'string', enum: [...AGENT_ROLES] },
  },
  additionalProperties: false,
} as const;
interface CreateEnrollmentCode {
  ttl_hours?: number;
  role?: AgentRole;
}

const SchoolList = { type: 'array', items: SchoolSummary } as const;

/** A school as created (`POST /api/v1/schools`). */
const SchoolCreated = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    municipality: { type: 'string' },
    pupils: { type: 'integer', minimum: 0 },
    created_at: { type: 'string', format: 'date-time' },
  },
  required: ['id', 'name', 'municipality', 'pupils', 'created_at'],
  additionalProperties: false,
} as const;

/** A freshly issued enrollment code, shown once. */
const IssuedCode = {
  type: 'object',
  properties: {
    code: { type: 'string', description: 'one-time code for `skolnet-agent enroll --code`' },
    expires_at: { type: 'string', format: 'date-time' },
    role: {
      type: ['string', 'null'],
      enum: [...AGENT_ROLES, null],
      description: 'the role an agent enrolling with this code must take; null lets it choose',
    },
  },
  required: ['code', 'expires_at'],
  additionalProperties: false,
} as const;

/** Most results a school's page lists (one per measurement and target by default). */
const MAX_LATEST_RESULTS = 500;
const SchoolQuery = {
  type: 'object',
  properties: { latest: { type: 'integer', minimum: 1, maximum: MAX_LATEST_RESULTS } },
  additionalProperties: false,
} as const;
interface SchoolQuery {
  latest?: number;
}
/** Results on a school's page when `?latest` is omitted. */
const DEFAULT_LATEST_RESULTS = 50;

/** `GET /api/v1/schools/:id`: a school, its score with components, and its newest results. */
export interface SchoolDetail extends SchoolSummary {
  created_at: string;
  components: SchoolScore['components'];
  /** How much data stands behind the score (school days, lesson hours). */
  confidence: SchoolScore['confidence'];
  /** Hard caps that lowered the score. */
  caps_applied: SchoolScore['caps_applied'];
  /** True for generated demo data. */
  synthetic?: boolean;
  /** Agents of this school connected right now. */
  connected_agents: number;
  /** Agents of this school flagged as possible clones (details in the admin agent listing). */
  flagged_agents: number;
  /** Newest result per measurement and target, newest first. */
  latest: StoredResult[];
}

/**
 * Scores a school over the scoring window ending at `now`, with Wi-Fi and
 * internal-network facts from its planning inputs when there are any.
 */
export async function scoreStoredSchool(
  store: Store,
  school: SchoolRow,
  now: Date,
  scoring: ScoringConfig = DEFAULT_SCORING_CONFIG,
  input?: SchoolPlanningInput,
): Promise<SchoolScore> {
  const since = new Date(now.getTime() - scoring.window_days * 86_400_000);
  // The time series come from hourly rollups; Wi-Fi and SNMP inventory from raw results.
  const rollups = await store.hourlyRollups({
    schoolId: school.id,
    since,
    measurements: SCORING_MEASUREMENTS,
  });
  const measured = await withMeasuredInventory(store, school.id, input, now, since);
  return scoreSchool({ pupils: school.pupils, rollups, ...scoringFacts(measured) }, scoring);
}

/** Every school with its current score and band, by name: what `GET /api/v1/schools` answers. */
export async function listSchoolSummaries(
  store: Store,
  now: Date,
  scoring: ScoringConfig = DEFAULT_SCORING_CONFIG,
): Promise<SchoolSummary[]> {
  const summaries: SchoolSummary[] = [];
  const inputs = await loadPlanningInputs(store);
  for (const school of await store.listSchools()) {
    const { score, band } = await scoreStoredSchool(store, school, now, scoring, inputs.get(school.id));
    summaries.push({
      id: school.id,
      name: school.name,
      municipality: school.municipality,
      pupils: school.pupils,
      score,
      band,
    });
  }
  return summaries;
}

/**
 * School routes: public reads (list with scores, one school in detail)
 * and admin writes (create a school, issue an enrollment code).
 */
export const schoolsPlugin: FastifyPluginAsync = async (app) => {
  const notFound = (id: string): SkolnetError =>
    new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${id} does not exist`);

  app.get(
    '/api/v1/schools',
    { config: { access: 'public_scores' }, schema: { response: { 200: SchoolList } } },
    async () => listSchoolSummaries(app.store, app.config.now(), app.config.scoring),
  );

  app.get<{ Params: SchoolParams; Querystring: SchoolQuery }>(
    '/api/v1/schools/:id',
    {
      config: {
        access: { roles: ['admin', 'planner', 'municipality_planner', 'school_it'], target: 'school' },
      },
      schema: { params: SchoolParams, querystring: SchoolQuery },
    },
    async (request) => {
      const school = await app.store.getSchool(request.params.id);
      if (!school) throw notFound(request.params.id);
      const input = (await loadPlanningInputs(app.store)).get(school.id);
      const { score, band, components, confidence, caps_applied } = await scoreStoredSchool(
        app.store,
        school,
        app.config.now(),
        app.config.scoring,
        input,
      );
      const latest = await app.store.latestResults(school.id, {
        perMeasurement: true,
        limit: request.query.latest ?? DEFAULT_LATEST_RESULTS,
      });
      const detail: SchoolDetail = {
        ...school,
        score,
        band,
        components,
        confidence,
        caps_applied,
        ...(input?.synthetic ? { synthetic: true } : {}),
        connected_agents: app.connectedAgents.countForSchool(school.id),
        flagged_agents: (await app.store.listAgents(school.id)).filter((a) => a.flags.length > 0).length,
        latest,
      };
      // Wi-Fi coverage summary (docs/wifi.md); the full picture is at /coverage.
      return { ...detail, coverage: await loadCoverageSummary(app.store, school.id, app.config.now()) };
    },
  );

  app.post<{ Body: CreateSchool }>(
    '/api/v1/schools',
    {
      config: { access: { roles: ['admin'] } },
      schema: { body: CreateSchool, response: { 201: SchoolCreated } },
    },
    async (request, reply) => {
      const school = await app.store.createSchool(request.body, app.config.now());
      request.log.info({ school_id: school.id }, 'school created');
      return reply.code(201).send(school);
    },
  );

  app.post<{ Params: SchoolParams; Body: CreateEnrollmentCode }>(
    '/api/v1/schools/:id/enrollment-codes',
    {
      config: { access: { roles: ['admin', 'school_it'], target: 'school' } },
      // The body is optional: an empty POST takes the default lifetime.
      preValidation: async (request) => {
        request.body ??= {};
        return Promise.resolve();
      },
      schema: { params: SchoolParams, body: CreateEnrollmentCode, response: { 201: IssuedCode } },
    },
    async (request, reply) => {
      const { defaultTtlHours, maxTtlHours } = app.config.enrollment;
      const ttlHours = request.body.ttl_hours ?? defaultTtlHours;
      if (ttlHours > maxTtlHours) {
        throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, `body/ttl_hours must be <= ${maxTtlHours}`);
      }
      if (!(await app.store.getSchool(request.params.id))) throw notFound(request.params.id);
      const issued = await app.store.createEnrollmentCode(
        request.params.id,
        ttlHours * 3_600_000,
        app.config.now(),
        request.body.role,
      );
      // The code is not logged: it is a credential until redeemed.
      request.log.info(
        { school_id: request.params.id, expires_at: issued.expires_at, role: issued.role },
        'enrollment code issued',
      );
      return reply.code(201).send(issued);
    },
  );
  return Promise.resolve();
};
