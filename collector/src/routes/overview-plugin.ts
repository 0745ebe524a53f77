import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes, SkolnetError, isSkolnetError } from '@skolnet/shared';
import { DEFAULT_BUDGET_EUR } from '../planning/plan.js';

const OverviewQuery = Type.Object(
  { budget: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })) },
  { additionalProperties: false },
);

/**
 * `GET /api/v1/overview`: the national overview the planners' start page
 * shows: every school with its score, band, confidence, download and
 * register coordinates, and each of the 42 municipalities with schools,
 * pupils, median score, share of slow schools and what the plan at
 * `?budget` (default the programme budget) spends there.
 */
export const overviewPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
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
