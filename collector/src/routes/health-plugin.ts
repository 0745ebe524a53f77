import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { ErrorCodes } from '@skolnet/shared';
import { STORE_PROBE_INTERVAL_MS, STORE_WRITE_CAUSES } from '../runtime/store-health.js';
import { StringEnum } from './schemas.js';

const HealthResponse = Type.Object(
  { status: StringEnum(['ok']), version: Type.String() },
  { additionalProperties: false },
);

const ReadyResponse = Type.Object(
  { status: StringEnum(['ready']), version: Type.String() },
  { additionalProperties: false },
);

const NotReadyResponse = Type.Object(
  {
    code: StringEnum([ErrorCodes.STORE_FAILED]),
    message: Type.String(),
    cause: StringEnum(STORE_WRITE_CAUSES),
    since: Type.String({ format: 'date-time' }),
    failures: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

/**
 * `GET /healthz`: liveness (the process answers), for the `npm start`
 * script and for restarts. `GET /readyz`: readiness, for load balancers:
 * 503 with the reason while the store cannot write (a full disk), so
 * agents go to a collector that can store their batches; 200 again once a
 * write succeeds. A full disk is no reason to restart the process, so
 * liveness stays 200.
 */
export const healthPlugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', { config: { access: 'public' }, schema: { response: { 200: HealthResponse } } }, () =>
    Promise.resolve({ status: 'ok' as const, version: app.config.version }),
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
