import type { FastifyPluginAsync } from 'fastify';
import { EnrollRequest, EnrollResponse } from '@skolnet/shared';

/**
 * `POST /api/v1/enroll`: an agent trades a one-time code for its identity
 * and secret. Unauthenticated by design; the code is the credential.
 */
export const enrollPlugin: FastifyPluginAsync = async (app) => {
  app.post<{ Body: EnrollRequest }>(
    '/api/v1/enroll',
    { schema: { body: EnrollRequest, response: { 201: EnrollResponse } } },
    async (request, reply) => {
      const { code, hostname, agent_version, role } = request.body;
      const enrolled = await app.store.redeemEnrollmentCode(
        code,
        role === undefined ? { hostname, agent_version } : { hostname, agent_version, role },
        app.config.now(),
      );
      request.log.info(
        { agent_id: enrolled.agent_id, school_id: enrolled.school_id, role: enrolled.role },
        'agent enrolled',
      );
      const body: EnrollResponse = enrolled;
      return reply.code(201).send(body);
    },
  );
  return Promise.resolve();
};
