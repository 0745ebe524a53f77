import type { FastifyPluginAsync } from 'fastify';

/** `GET /healthz`: liveness for load balancers and the `npm start` script. */
export const healthPlugin: FastifyPluginAsync = async (app) => {
  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok', version: app.config.version }));
  return Promise.resolve();
};
