import type { FastifyPluginAsync } from 'fastify';
import { ErrorCodes, SkolnetError, isSkolnetError } from '@skolnet/shared';
import { loadCostCatalog, type CostCatalog } from '../planning/catalog.js';
import { loadPlanSchools } from '../planning/plan-data.js';
import { DEFAULT_BUDGET_EUR, buildPlan, planToCsv, type Plan } from '../planning/plan.js';
import { rankingSensitivity } from '../scoring/sensitivity.js';

const PlanQuery = {
  type: 'object',
  properties: {
    budget: { type: 'number', minimum: 0, maximum: 1e12 },
    min_score: { type: 'number', minimum: 0, maximum: 100 },
    municipality_cap: { type: 'number', minimum: 0 },
    installs_per_month: { type: 'number', minimum: 0 },
    months: { type: 'number', minimum: 0 },
    format: { type: 'string', enum: ['json', 'csv'] },
  },
  additionalProperties: false,
} as const;
interface PlanQuery {
  budget?: number;
  min_score?: number;
  municipality_cap?: number;
  installs_per_month?: number;
  months?: number;
  format?: 'json' | 'csv';
}

const SchoolParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const;

/**
 * The upgrade plan over the collector's data (docs/methodology.md):
 * `GET /api/v1/plan` (the plan, JSON or CSV), `GET /api/v1/plan/schools/:id`
 * (why this school gets what it gets), `GET /api/v1/scoring/sensitivity`.
 * Planners' tools: they need sign-in (the plan is weighted by pupil-support
 * aggregates); a municipality planner sees the explanation of a school of
 * their municipality.
 */
export const planPlugin: FastifyPluginAsync = async (app) => {
  let catalog: CostCatalog | undefined;
  const plan = async (q: PlanQuery): Promise<Plan> => {
    catalog ??= loadCostCatalog();
    const schools = await loadPlanSchools(app.store, app.config.scoring, app.config.now());
    try {
      return buildPlan({
        schools,
        catalog,
        scoring: app.config.scoring,
        budget_eur: q.budget ?? DEFAULT_BUDGET_EUR,
        constraints: {
          ...(q.min_score === undefined ? {} : { min_score: q.min_score }),
          ...(q.municipality_cap === undefined ? {} : { municipality_cap_eur: q.municipality_cap }),
          ...(q.installs_per_month === undefined ? {} : { installs_per_month: q.installs_per_month }),
          ...(q.months === undefined ? {} : { months_to_deadline: q.months }),
        },
      });
    } catch (err) {
      if (isSkolnetError(err, ErrorCodes.PLAN_INFEASIBLE)) {
        throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, err.message, { cause: err });
      }
      throw err;
    }
  };

  app.get<{ Querystring: PlanQuery }>(
    '/api/v1/plan',
    { config: { access: { roles: ['admin', 'planner'] } }, schema: { querystring: PlanQuery } },
    async (request, reply) => {
      const result = await plan(request.query);
      if (request.query.format === 'csv')
        return reply.type('text/csv; charset=utf-8').send(planToCsv(result));
      return result;
    },
  );

  app.get<{ Params: { id: string }; Querystring: PlanQuery }>(
    '/api/v1/plan/schools/:id',
    {
      config: { access: { roles: ['admin', 'planner', 'municipality_planner'], target: 'school' } },
      schema: { params: SchoolParams, querystring: PlanQuery },
    },
    async (request) => {
      const result = await plan(request.query);
      const explanation = result.explanations.find((e) => e.school_id === request.params.id);
      if (!explanation) {
        throw new SkolnetError(
          ErrorCodes.API_NOT_FOUND,
          `school ${request.params.id} has no options in the plan`,
        );
      }
      return {
        ...explanation,
        benefit_per_eur_at_cutoff: result.benefit_per_eur_at_cutoff,
        synthetic: result.synthetic,
      };
    },
  );

  app.get(
    '/api/v1/scoring/sensitivity',
    { config: { access: { roles: ['admin', 'planner'] } } },
    async () => {
      const schools = await loadPlanSchools(app.store, app.config.scoring, app.config.now());
      return rankingSensitivity(
        schools.map((s) => ({
          id: s.id,
          pupils: s.pupils,
          figures: {
            ...s.figures,
            ...(s.inventory?.wifi_coverage_share === undefined
              ? {}
              : { wifi_coverage_share: s.inventory.wifi_coverage_share }),
            ...(s.inventory?.internal === undefined ? {} : { internal: s.inventory.internal }),
          },
        })),
        app.config.scoring,
      );
    },
  );
  return Promise.resolve();
};
