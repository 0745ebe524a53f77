import fp from 'fastify-plugin';
import rateLimit from '@fastify/rate-limit';
import type { FastifyRequest, RouteOptions } from 'fastify';
import { ErrorCodes, SkolnetError } from '@skolnet/shared';
import { AccountService, principalOf, type LiveSession } from '../auth/account-service.js';
import { sessionCookie } from '../auth/cookies.js';
import {
  ROLE_SCOPES,
  scopeCovers,
  type AccessDeclaration,
  type AccessTarget,
  type Principal,
  type TargetSchool,
} from '../auth/roles.js';
import { DOCS_PATH } from './openapi-plugin.js';

/** The rate-limit classes a route can join with `config.limit`. */
export type RateLimitClass = 'sign_in' | 'password_reset' | 'enrollment';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (auth/roles.ts); every route declares it. */
    access?: AccessDeclaration;
    /** The per-address rate limit the route counts towards, if any. */
    limit?: RateLimitClass;
  }
  interface FastifyInstance {
    /** People's accounts, sessions and tokens (authPlugin). */
    accounts: AccountService;
    /** Every route registered so far with its access declaration, as the auth plugin saw it. */
    routeAccess: RouteAccess[];
  }
  interface FastifyRequest {
    /** The signed-in person, on routes that need one; null otherwise. */
    principal: Principal | null;
    /** The browser session behind {@link principal}, when it came from a cookie. */
    session: LiveSession | null;
  }
}

/** A route as the auth plugin registered it. */
export interface RouteAccess {
  method: string;
  url: string;
  /** Undefined when the route declared nothing: it then refuses every request. */
  access: AccessDeclaration | undefined;
}

/**
 * Routes added by libraries rather than by skolnet code, with the
 * declaration the auth plugin gives them: the API documentation is public
 * like the API's shape itself.
 */
function foreignAccess(url: string): AccessDeclaration | undefined {
  if (url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`)) return 'public';
  return undefined;
}

/** A check the auth plugin puts first among a route's `onRequest` hooks. */
type AccessHook = (request: FastifyRequest) => Promise<void>;

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Whether a browser request comes from a page of this collector: the
 * `Origin` header (sent by browsers on every POST, PUT, PATCH, DELETE) must
 * be this collector's own; without it, `Sec-Fetch-Site` must not say
 * another site. Scripts with an API token send neither and are not browsers.
 */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) return origin === `${request.protocol}://${request.host}`;
  const site = request.headers['sec-fetch-site'];
  return site === undefined || site === 'same-origin' || site === 'none';
}

/** Header carrying the session's CSRF token on state-changing browser requests. */
export const CSRF_HEADER = 'x-skolnet-csrf';

const unauthorized = (message: string): SkolnetError =>
  new SkolnetError(ErrorCodes.AUTH_UNAUTHORIZED, message);

/**
 * People's authentication and every route's access rule, in one place.
 *
 * Each route declares `config: { access }` (auth/roles.ts). The plugin's
 * `onRoute` hook records every route (see `routeAccess`) and puts the check
 * first among the route's `onRequest` hooks; a route without a declaration
 * refuses every request, so forgetting one closes a route rather than
 * opening it. Credentials are never interchangeable: a person's browser
 * session (cookie, CSRF token on state-changing requests), a person's API
 * token for scripts (`Authorization: Bearer skolnet_ut_…`), and agents'
 * own credentials, which only agent routes read (the enrollment code, the
 * agent secret in the stream's hello).
 *
 * Also registers `@fastify/rate-limit` for routes that join a limit class
 * with `config: { limit }` (sign-in, password reset, enrollment).
 */
export const authPlugin = fp(
  async (app) => {
    const accounts = new AccountService(app.store.accounts, app.config.auth, app.config.now);
    app.decorate('accounts', accounts);
    app.decorate('routeAccess', [] as RouteAccess[]);
    app.decorateRequest('principal', null);
    app.decorateRequest('session', null);

    /** The person behind the request, or undefined for none; throws for a credential that is not valid. */
    const authenticate = async (request: FastifyRequest): Promise<Principal | undefined> => {
      const header = request.headers.authorization;
      if (header !== undefined) {
        const token = BEARER.exec(header)?.[1];
        if (token === undefined) throw unauthorized('Authorization must be "Bearer <user API token>"');
        const user = await accounts.resolveApiToken(token);
        // An agent secret or the retired admin token lands here too: only user API tokens open user routes.
        if (!user) throw unauthorized('the API token is not valid (unknown, revoked or expired)');
        return principalOf(user, 'token');
      }
      const cookie = sessionCookie(request);
      if (cookie === undefined) return undefined;
      const live = await accounts.resolveSession(cookie);
      if (!live) throw unauthorized('the session has ended: sign in again');
      request.session = live;
      return principalOf(live.user, 'session');
    };

    /** The school a scoped route is about, or undefined when there is none. */
    const targetSchool = async (
      request: FastifyRequest,
      target: AccessTarget,
      principal: Principal,
    ): Promise<TargetSchool | undefined> => {
      const id = (request.params as { id?: unknown } | undefined)?.id;
      if (typeof id !== 'string') return undefined;
      if (target === 'contract' || target === 'campaign') {
        const contractId =
          target === 'contract' ? id : (await app.store.acceptance.getCampaign(id))?.contract_id;
        const contract =
          contractId === undefined ? undefined : await app.store.acceptance.getContract(contractId);
        if (contract === undefined) return undefined;
        const school = await app.store.getSchool(contract.school_id);
        return school && { ...school, vendors: [contract.vendor] };
      }
      const schoolId = target === 'school' ? id : (await app.store.findAgent(id))?.school_id;
      if (schoolId === undefined) return undefined;
      const school = await app.store.getSchool(schoolId);
      // A vendor's scope over a school comes from its contracts there.
      if (school === undefined || ROLE_SCOPES[principal.role] !== 'vendor' || principal.vendor == null) {
        return school;
      }
      const covered = await app.store.acceptance.vendorHasSchool(principal.vendor, school.id);
      return { ...school, vendors: covered ? [principal.vendor] : [] };
    };

    const checkFor = (access: AccessDeclaration): AccessHook =>
      async function checkAccess(request) {
        if (access === 'public_scores' && app.config.auth.publicScores) return;
        const principal = await authenticate(request);
        if (principal === undefined) throw unauthorized('sign in first (a session or a user API token)');
        if (principal.credential === 'session' && !SAFE_METHODS.has(request.method)) {
          if (!sameOrigin(request)) {
            throw new SkolnetError(ErrorCodes.AUTH_CSRF, 'the request comes from another site');
          }
          const token = request.headers[CSRF_HEADER];
          if (!accounts.csrfMatches(request.session!, typeof token === 'string' ? token : undefined)) {
            throw new SkolnetError(
              ErrorCodes.AUTH_CSRF,
              `the ${CSRF_HEADER} header must carry the session's CSRF token`,
            );
          }
        }
        request.principal = principal;
        if (typeof access === 'string') return;
        if (!access.roles.includes(principal.role)) {
          throw new SkolnetError(ErrorCodes.AUTH_FORBIDDEN, `role ${principal.role} may not do this`);
        }
        if (access.target === undefined || ROLE_SCOPES[principal.role] === 'national') return;
        const school = await targetSchool(request, access.target, principal);
        // Unknown to a scoped role looks like outside its scope: no probing for ids.
        if (school === undefined || !scopeCovers(principal, school)) {
          throw new SkolnetError(
            ErrorCodes.AUTH_FORBIDDEN,
            `outside the ${ROLE_SCOPES[principal.role]} scope of this account`,
          );
        }
      };

    /** Agent routes: a person's credential is not an agent's, so it is refused rather than ignored. */
    const agentOnly: AccessHook = async function agentCredentialOnly(request) {
      if (request.headers.authorization !== undefined && BEARER.test(request.headers.authorization)) {
        const token = BEARER.exec(request.headers.authorization)![1]!;
        if (token.startsWith('skolnet_ut_')) {
          throw unauthorized('a user API token does not authenticate an agent');
        }
      }
      return Promise.resolve();
    };

    const denyUndeclared: AccessHook = async function undeclaredRoute() {
      return Promise.reject(
        new SkolnetError(ErrorCodes.AUTH_FORBIDDEN, 'this route declares no access rule'),
      );
    };

    app.addHook('onRoute', (route: RouteOptions) => {
      const config = (route.config ?? {}) as { access?: AccessDeclaration; limit?: RateLimitClass };
      const access = config.access ?? foreignAccess(route.url);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) app.routeAccess.push({ method, url: route.url, access });
      const hook =
        access === undefined
          ? denyUndeclared
          : access === 'public'
            ? undefined
            : access === 'agent'
              ? agentOnly
              : checkFor(access);
      if (hook !== undefined) {
        const existing =
          route.onRequest === undefined
            ? []
            : Array.isArray(route.onRequest)
              ? route.onRequest
              : [route.onRequest];
        route.onRequest = [hook, ...existing] as RouteOptions['onRequest'];
      }
      if (config.limit !== undefined) {
        const max =
          app.config.auth.rateLimits[
            config.limit === 'sign_in'
              ? 'signIn'
              : config.limit === 'password_reset'
                ? 'passwordReset'
                : 'enrollment'
          ];
        route.config = { ...route.config, rateLimit: { max, timeWindow: 60_000 } };
      }
    });

    // After the onRoute hook above, so the rate limiter's own hook sees `config.rateLimit`.
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        new SkolnetError(
          ErrorCodes.API_RATE_LIMITED,
          `too many requests: at most ${context.max} a minute; try again in ${Math.ceil(context.ttl / 1000)} s`,
        ),
    });
  },
  { name: 'skolnet-auth', fastify: '5.x', dependencies: ['skolnet-config', 'skolnet-storage'] },
);
