import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { CoverageOptions } from '../coverage/coverage-analysis.js';
import { IdParams } from './schemas.js';

// Comma-separated lists; SSIDs are at most 32 bytes, so 2000 characters is dozens of them.
const CoverageQuery = Type.Object(
  {
    school_ssids: Type.Optional(Type.String({ maxLength: 2000 })),
    non_teaching_rooms: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

const list = (text: string | undefined): string[] =>
  (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/**
 * `GET /api/v1/schools/:id/coverage`: the school's full Wi-Fi coverage
 * picture. `?school_ssids=A,B` names the school's own SSIDs (default: the
 * SSID its agents connect to most); `?non_teaching_rooms=Hall,Office`
 * names rooms that do not count towards coverage beside those surveyed as
 * `room_use=other`.
 */
export const coveragePlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/api/v1/schools/:id/coverage',
    {
      config: {
        access: { roles: ['admin', 'planner', 'municipality_planner', 'school_it'], target: 'school' },
      },
      schema: { params: IdParams, querystring: CoverageQuery },
    },
    async (request) => {
      const options: CoverageOptions = {
        schoolSsids: list(request.query.school_ssids),
        nonTeachingRooms: list(request.query.non_teaching_rooms),
      };
      return app.services.coverage.school(request.params.id, options);
    },
  );
  return Promise.resolve();
};
