import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import { CSV_DELIMITERS, ErrorCodes, SkolnetError, isSkolnetError } from '@skolnet/shared';
import { planToCsv, type Plan } from '../planning/plan.js';
import { PLAN_OBJECTIVES } from '../planning/economics.js';
import type { PlanRequest } from '../services/plan-service.js';
import { planWorkbook, XLSX_CONTENT_TYPE } from '../export/plan-workbook.js';
import { PLAN_LANGS } from '../planning/plan-labels.js';
import { IdParams, StringEnum } from './schemas.js';

const PlanQuery = Type.Object(
  {
    budget: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    municipality_cap: Type.Optional(Type.Number({ minimum: 0 })),
    installs_per_month: Type.Optional(Type.Number({ minimum: 0 })),
    months: Type.Optional(Type.Number({ minimum: 0 })),
    format: Type.Optional(StringEnum(['json', 'csv', 'xlsx'])),
    /** Language of the xlsx headers and sheet names (CSV and JSON keep their keys). */
    lang: Type.Optional(StringEnum(PLAN_LANGS)),
    objective: Type.Optional(StringEnum(PLAN_OBJECTIVES)),
    /** CSV dialect: `comma` (default) or `semicolon` for Excel with Latvian regional settings. */
    delimiter: Type.Optional(StringEnum(CSV_DELIMITERS)),
  },
  { additionalProperties: false },
);
/** The plan routes' query. */
type PlanQuery = Static<typeof PlanQuery>;

/** Whether an Accept-Encoding header (RFC 9110 §12.5.3) takes gzip: named, or `*`, without q=0. */
export function acceptsGzip(header: string | undefined): boolean {
  for (const part of (header ?? '').toLowerCase().split(',')) {
    const [coding, ...params] = part.split(';').map((p) => p.trim());
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') continue;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

/**
 * The upgrade plan over the collector's data (docs/methodology.md):
 * `GET /api/v1/plan` (the plan, JSON, CSV or xlsx with `lang=lv|en`), `GET /api/v1/plan/schools/:id`
 * (why this school gets what it gets), `GET /api/v1/scoring/sensitivity`.
 * Planners' tools: they need sign-in (the plan is weighted by pupil-support
 * aggregates); a municipality planner sees the explanation of a school of
 * their municipality.
 */
export const planPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const planRequest = (q: PlanQuery): PlanRequest => ({
    // The configured budget (serve --budget), the programme total until one is.
    budget_eur: q.budget ?? app.config.plan.budget_eur,
    ...(q.objective === undefined ? {} : { objective: q.objective }),
    constraints: {
      ...(q.min_score === undefined ? {} : { min_score: q.min_score }),
      ...(q.municipality_cap === undefined ? {} : { municipality_cap_eur: q.municipality_cap }),
      ...(q.installs_per_month === undefined ? {} : { installs_per_month: q.installs_per_month }),
      ...(q.months === undefined ? {} : { months_to_deadline: q.months }),
    },
  });
  // An infeasible constraint is the caller's to fix: 400, not 500.
  const asBadRequest = (err: unknown): never => {
    if (isSkolnetError(err, ErrorCodes.PLAN_INFEASIBLE)) {
      throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, err.message, { cause: err });
    }
    throw err;
  };
  const plan = (q: PlanQuery): Promise<Plan> => app.services.plan.plan(planRequest(q)).catch(asBadRequest);

  app.get(
    '/api/v1/plan',
    { config: { access: { roles: ['admin', 'planner'] } }, schema: { querystring: PlanQuery } },
    async (request, reply) => {
      if (request.query.format === 'csv')
        return reply
          .type('text/csv; charset=utf-8')
          .send(planToCsv(await plan(request.query), request.query.delimiter));
      if (request.query.format === 'xlsx') {
        const now = app.config.now();
        const file = await planWorkbook(await plan(request.query), { lang: request.query.lang, now });
        return reply
          .type(XLSX_CONTENT_TYPE)
          .header(
            'content-disposition',
            `attachment; filename="skolnet-plan-${now.toISOString().slice(0, 10)}.xlsx"`,
          )
          .send(file);
      }
      // Serialised and compressed once per cached plan, not on every view.
      const body = await app.services.plan.planJson(planRequest(request.query)).catch(asBadRequest);
      void reply.type('application/json; charset=utf-8').header('vary', 'accept-encoding');
      if (acceptsGzip(request.headers['accept-encoding'])) {
        return reply.header('content-encoding', 'gzip').send(body.gzip);
      }
      return reply.send(body.json);
    },
  );

  app.get(
    '/api/v1/plan/schools/:id',
    {
      config: { access: { roles: ['admin', 'planner', 'municipality_planner'], target: 'school' } },
      schema: { params: IdParams, querystring: PlanQuery },
    },
    async (request) =>
      app.services.plan.explain(request.params.id, planRequest(request.query)).catch(asBadRequest),
  );

  app.get(
    '/api/v1/plan/scenarios',
    { config: { access: { roles: ['admin', 'planner'] } }, schema: { querystring: PlanQuery } },
    async (request) => app.services.plan.scenarios(planRequest(request.query)).catch(asBadRequest),
  );

  app.get('/api/v1/scoring/sensitivity', { config: { access: { roles: ['admin', 'planner'] } } }, async () =>
    app.services.plan.sensitivity(),
  );
  return Promise.resolve();
};
