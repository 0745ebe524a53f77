import fp from 'fastify-plugin';
import type { FastifyRequest } from 'fastify';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { ADMIN_TOKEN_META_KEY } from '../auth/admin-token.js';
import { matchesHash } from '../security/secrets.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** `onRequest` hook that lets only holders of the admin token through (authPlugin). */
    requireAdmin: (request: FastifyRequest) => Promise<void>;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * Decorates the instance with `requireAdmin`. The token's hash is read on
 * every admin request rather than cached, so `admin-token --reset` run
 * beside a live server takes effect at once; admin requests are rare.
 */
export const authPlugin = fp(
  (app, _options, done) => {
    app.decorate('requireAdmin', async (request: FastifyRequest): Promise<void> => {
      const match = BEARER.exec(request.headers.authorization ?? '');
      const token = match?.[1];
      if (token === undefined) {
        throw new SkolnetError(
          ErrorCodes.AUTH_UNAUTHORIZED,
          'admin token required: Authorization: Bearer <token>',
        );
      }
      const expected = await app.store.getMeta(ADMIN_TOKEN_META_KEY);
      if (expected === undefined || !matchesHash(token, expected)) {
        throw new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, 'admin token is not valid');
      }
    });
    done();
  },
  { name: 'skolnet-auth', fastify: '5.x', dependencies: ['skolnet-storage'] },
);
