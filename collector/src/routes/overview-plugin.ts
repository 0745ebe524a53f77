import type { FastifyPluginAsync } from 'fastify';
import { ErrorCodes, SkolnetError, isSkolnetError } from '@skolnet/shared';
import { DEFAULT_BUDGET_EUR } from '../planning/plan.js';

const OverviewQuery = {
  type: 'object',
  properties: { budget: { type: 'number', minimum: 0, maximum: 1e12 } },
  additionalProperties: false,
} as const;
interface OverviewQuery {
  budget?: number;
}

/**
 * `GET /api/v1/overview`: the national overview the planners' start page
 * shows: every school with its score, band, confidence, download and
 * register coordinates, and each of the 42 municipalities with schools,
 * pupils, median score, share of slow schools and what the plan at
 * `?budget` (default the programme budget) spends there.
 */
export const overviewPlugin: FastifyPluginAsync = async (app) => {
  app.get<{ Querystring: OverviewQuery }>(
    '/api/v1/overview',
    {
      config: { access: { roles: ['admin', 'planner'] } },
      schema: { querystring: OverviewQuery },
    },
    async (request) =>
      app.services.overview.overview(request.query.budget ?? DEFAULT_BUDGET_EUR).catch((err: unknown) => {
        if (isSkolnetError(err, ErrorCodes.PLAN_INFEASIBLE)) {
          throw new SkolnetError(ErrorCodes.API_BAD_REQUEST, err.message, { cause: err });
        }
        throw err;
      }),
  );
  return Promise.resolve();
};
