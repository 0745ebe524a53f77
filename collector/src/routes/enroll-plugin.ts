import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { EnrollRequest, EnrollResponse } from '@skolnet/shared';

/**
 * `POST /api/v1/enroll`: an agent trades a one-time code for its identity
 * and secret. No person's credential: the code is the credential, and the
 * enrollment rate limit bounds guessing.
 */
export const enrollPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/api/v1/enroll',
    {
      config: { access: 'agent', limit: 'enrollment' },
      schema: { body: EnrollRequest, response: { 201: EnrollResponse } },
    },
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
