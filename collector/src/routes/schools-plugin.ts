import type { FastifyPluginAsync } from 'fastify';
import {
  AGENT_ROLES,
  CreateSchool,
  ErrorCodes,
  SchoolRegisterFields,
  SchoolSummary,
  SkolnetError,
  type AgentRole,
} from '@skolnet/shared';

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
    ...SchoolRegisterFields,
  },
  required: [
    'id',
    'name',
    'municipality',
    'pupils',
    'created_at',
    ...(Object.keys(SchoolRegisterFields) as (keyof typeof SchoolRegisterFields)[]),
  ],
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

export type { SchoolDetail } from '../services/school-service.js';

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
    async () => app.services.schools.list(),
  );

  app.get<{ Params: SchoolParams; Querystring: SchoolQuery }>(
    '/api/v1/schools/:id',
    {
      config: {
        access: { roles: ['admin', 'planner', 'municipality_planner', 'school_it'], target: 'school' },
      },
      schema: { params: SchoolParams, querystring: SchoolQuery },
    },
    async (request) =>
      app.services.schools.detail(
        request.params.id,
        request.query.latest ?? DEFAULT_LATEST_RESULTS,
        app.connectedAgents.countForSchool(request.params.id),
      ),
  );

  app.post<{ Body: CreateSchool }>(
    '/api/v1/schools',
    {
      config: { access: { roles: ['admin'] } },
      schema: { body: CreateSchool, response: { 201: SchoolCreated } },
    },
    async (request, reply) => {
      const school = await app.services.schools.create(request.body);
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
