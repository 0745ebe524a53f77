import type { FastifyPluginAsync } from 'fastify';
import { ErrorCodes } from '@skolnet/shared';
import { STORE_PROBE_INTERVAL_MS, STORE_WRITE_CAUSES } from '../runtime/store-health.js';

const HealthResponse = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ok'] }, version: { type: 'string' } },
  required: ['status', 'version'],
  additionalProperties: false,
} as const;

const ReadyResponse = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['ready'] }, version: { type: 'string' } },
  required: ['status', 'version'],
  additionalProperties: false,
} as const;

const NotReadyResponse = {
  type: 'object',
  properties: {
    code: { type: 'string', enum: [ErrorCodes.STORE_FAILED] },
    message: { type: 'string' },
    cause: { type: 'string', enum: STORE_WRITE_CAUSES },
    since: { type: 'string', format: 'date-time' },
    failures: { type: 'integer', minimum: 0 },
  },
  required: ['code', 'message', 'cause', 'since', 'failures'],
  additionalProperties: false,
} as const;

/**
 * `GET /healthz`: liveness (the process answers), for the `npm start`
 * script and for restarts. `GET /readyz`: readiness, for load balancers:
 * 503 with the reason while the store cannot write (a full disk), so
 * agents go to a collector that can store their batches; 200 again once a
 * write succeeds. A full disk is no reason to restart the process, so
 * liveness stays 200.
 */
export const healthPlugin: FastifyPluginAsync = async (app) => {
  app.get(
    '/healthz',
    { config: { access: 'public' }, schema: { response: { 200: HealthResponse } } },
    (_request, reply) => reply.send({ status: 'ok', version: app.config.version }),
  );
  app.get(
    '/readyz',
    { config: { access: 'public' }, schema: { response: { 200: ReadyResponse, 503: NotReadyResponse } } },
    async (_request, reply) => {
      const readiness = await app.storeHealth.readiness();
      if (readiness.ready) return reply.send({ status: 'ready', version: app.config.version });
      return reply
        .code(503)
        .header('retry-after', String(STORE_PROBE_INTERVAL_MS / 1000))
        .header('cache-control', 'no-store')
        .send({
          code: ErrorCodes.STORE_FAILED,
          message: readiness.message,
          cause: readiness.cause,
          since: readiness.since.toISOString(),
          failures: readiness.failures,
        });
    },
  );
  return Promise.resolve();
};
