import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  AGENT_ROLES,
  CreateSchool,
  ErrorCodes,
  SchoolRegisterFields,
  SchoolSummary,
  SkolnetError,
} from '@skolnet/shared';
import { MAX_HISTORY_DAYS } from '../services/school-page-service.js';
import { IdParams, MAX_ID_LENGTH, StringEnum } from './schemas.js';

const CodeParams = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }),
    // The code's public id (a prefix of its hash), as the listing gives it.
    code_id: Type.String({ pattern: '^[0-9a-f]{16}$' }),
  },
  { additionalProperties: false },
);

/** Days of history a school page charts when `?days` is omitted: the scoring window's usual length. */
const DEFAULT_HISTORY_DAYS = 30;
const HistoryQuery = Type.Object(
  { days: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HISTORY_DAYS })) },
  { additionalProperties: false },
);

const CreateEnrollmentCode = Type.Object(
  {
    ttl_hours: Type.Optional(Type.Integer({ minimum: 1 })),
    // When set, only an agent enrolling with this role can redeem the code.
    role: Type.Optional(StringEnum(AGENT_ROLES)),
  },
  { additionalProperties: false },
);

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
const SchoolQuery = Type.Object(
  { latest: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_LATEST_RESULTS })) },
  { additionalProperties: false },
);
/** Results on a school's page when `?latest` is omitted. */
const DEFAULT_LATEST_RESULTS = 50;

export type { SchoolDetail } from '../services/school-service.js';
export type { SchoolHistory, SchoolInventory } from '../services/school-page-service.js';

/**
 * School routes: public reads (list with scores, one school in detail)
 * and admin writes (create a school, issue an enrollment code).
 */
export const schoolsPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const notFound = (id: string): SkolnetError =>
    new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${id} does not exist`);

  app.get(
    '/api/v1/schools',
    { config: { access: 'public_scores' }, schema: { response: { 200: SchoolList } } },
    async () => app.services.schools.list(),
  );

  app.get(
    '/api/v1/schools/:id',
    {
      config: {
        // A vendor reads the schools its contracts name (auth/roles.ts, scopeCovers).
        access: {
          roles: ['admin', 'planner', 'municipality_planner', 'school_it', 'vendor'],
          target: 'school',
        },
      },
      schema: { params: IdParams, querystring: SchoolQuery },
    },
    async (request) =>
      app.services.schools.detail(
        request.params.id,
        request.query.latest ?? DEFAULT_LATEST_RESULTS,
        app.connectedAgents.countForSchool(request.params.id),
      ),
  );

  app.post(
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

  app.post(
    '/api/v1/schools/:id/enrollment-codes',
    {
      config: { access: { roles: ['admin', 'school_it'], target: 'school' } },
      // The body is optional: an empty POST takes the default lifetime.
      preValidation: async (request) => {
        request.body ??= {};
        return Promise.resolve();
      },
      schema: { params: IdParams, body: CreateEnrollmentCode, response: { 201: IssuedCode } },
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
  const schoolPageAccess = {
    access: { roles: ['admin', 'planner', 'municipality_planner', 'school_it'], target: 'school' },
  } as const;

  app.get(
    '/api/v1/schools/:id/history',
    { config: schoolPageAccess, schema: { params: IdParams, querystring: HistoryQuery } },
    async (request) => {
      if (!(await app.store.getSchool(request.params.id))) throw notFound(request.params.id);
      return app.services.schoolPage.history(request.params.id, request.query.days ?? DEFAULT_HISTORY_DAYS);
    },
  );

  app.get(
    '/api/v1/schools/:id/inventory',
    { config: schoolPageAccess, schema: { params: IdParams } },
    async (request) => {
      if (!(await app.store.getSchool(request.params.id))) throw notFound(request.params.id);
      return app.services.schoolPage.inventory(request.params.id);
    },
  );

  app.get(
    '/api/v1/schools/:id/enrollment-codes',
    {
      config: { access: { roles: ['admin', 'school_it'], target: 'school' } },
      schema: { params: IdParams },
    },
    async (request) => {
      if (!(await app.store.getSchool(request.params.id))) throw notFound(request.params.id);
      return { codes: await app.store.schoolIt.listEnrollmentCodes(request.params.id, app.config.now()) };
    },
  );

  for (const how of ['expire', 'revoke'] as const) {
    app.post(
      `/api/v1/schools/:id/enrollment-codes/:code_id/${how}`,
      {
        config: { access: { roles: ['admin', 'school_it'], target: 'school' } },
        schema: { params: CodeParams },
      },
      async (request) => {
        const { id, code_id: codeId } = request.params;
        const code = await app.store.schoolIt.endEnrollmentCode(id, codeId, how, app.config.now());
        await app.store.accounts.appendAudit(
          {
            actor_user_id: request.principal?.user_id ?? null,
            actor: request.principal?.email ?? 'anonymous',
            action: how === 'expire' ? 'enrollment_code_expired' : 'enrollment_code_revoked',
            target: id,
            details: { code_id: codeId },
            ip: request.ip,
          },
          app.config.now(),
        );
        return code;
      },
    );
  }
  return Promise.resolve();
};
