import type { FastifyPluginAsync } from 'fastify';

const HealthResponse = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok'] }, version: { type: 'string' } },
  required: ['status', 'version'],
  additionalProperties: false,
} as const;

/** `GET /healthz`: liveness for load balancers and the `npm start` script. */
export const healthPlugin: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { response: { 200: HealthResponse } } },
    (_request, reply) => reply.send({ status: 'ok', version: app.config.version }),
  );
  return Promise.resolve();
};
