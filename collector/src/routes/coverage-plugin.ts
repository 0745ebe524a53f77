import type { FastifyPluginAsync } from 'fastify';
import type { CoverageOptions } from '../coverage/coverage-analysis.js';

const Params = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const;
interface Params {
  id: string;
}

// Comma-separated lists; SSIDs are at most 32 bytes, so 2000 characters is dozens of them.
const Query = {
  type: 'object',
  properties: {
    school_ssids: { type: 'string', maxLength: 2000 },
    non_teaching_rooms: { type: 'string', maxLength: 2000 },
  },
  additionalProperties: false,
} as const;
interface Query {
  school_ssids?: string;
  non_teaching_rooms?: string;
}

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
export const coveragePlugin: FastifyPluginAsync = async (app) => {
  app.get<{ Params: Params; Querystring: Query }>(
    '/api/v1/schools/:id/coverage',
    {
      config: {
        access: { roles: ['admin', 'planner', 'municipality_planner', 'school_it'], target: 'school' },
      },
      schema: { params: Params, querystring: Query },
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
