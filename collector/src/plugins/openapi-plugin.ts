import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RouteOptions } from 'fastify';
import { AGENT_STREAM_PATH, PROTOCOL_NAME } from '@skolnet/shared';
import { describeAccess, type AccessDeclaration } from '../auth/roles.js';

/** Where the browsable API documentation lives; `/docs/json` is the OpenAPI document. */
export const DOCS_PATH = '/docs';

/** Name of the per-user API token scheme (scripts) in the OpenAPI document. */
export const USER_TOKEN_SCHEME = 'userToken';
/** Name of the browser session scheme (cookie plus CSRF header) in the OpenAPI document. */
export const SESSION_SCHEME = 'session';

/** Paths the document covers: the API, health and the ndt7 endpoints; the web UI's files are not API. */
const DOCUMENTED_PATH = /^\/(api|healthz|ndt)(\/|$)/;

/** The `{code, message}` body of every error response (plugins/error-handler.ts); documentation only. */
const ErrorBodySchema = {
  type: 'object',
  description: 'An error; branch on `code` (SKOLNET_*), never on `message`.',
  properties: { code: { type: 'string', pattern: '^SKOLNET_[A-Z_]+$' }, message: { type: 'string' } },
  required: ['code', 'message'],
} as const;

type RouteSchema = NonNullable<RouteOptions['schema']> & Record<string, unknown>;

/** The API area a path belongs to, as the document's tag: `/api/v1/schools/:id` → `schools`. */
function tagOf(url: string): string {
  if (url === '/healthz') return 'health';
  if (url.startsWith('/ndt/')) return 'speed';
  if (url === AGENT_STREAM_PATH || url === '/api/v1/enroll') return 'agents';
  return url.split('/')[3] ?? 'api';
}

/**
 * The Content-Security-Policy of the pages under {@link DOCS_PATH}: the
 * collector's own (security-headers-plugin.ts) with `'unsafe-inline'`
 * added to `style-src` and nothing else, because Swagger UI sets style
 * attributes while it renders. Every other directive, `script-src 'self'`
 * first, stays as strict as on every other page.
 */
export function docsPolicy(header: string): string {
  return header.replace(/(^|;)\s*style-src ([^;]*)/, (_all, start: string, sources: string) =>
    sources.includes("'unsafe-inline'")
      ? `${start}style-src ${sources}`
      : `${start}style-src ${sources.trim()} 'unsafe-inline'`,
  );
}

/**
 * The OpenAPI 3 document of the REST API at `/docs/json` and a browsable
 * Swagger UI at {@link DOCS_PATH}, served from the installed package (no
 * CDN, works offline). Routes are picked up as they are registered, so
 * this plugin must be registered before the route plugins. Routes that
 * need sign-in (their `config.access`, auth/roles.ts) are marked with the
 * {@link USER_TOKEN_SCHEME} and {@link SESSION_SCHEME} schemes and say who
 * may call them; no token is ever part of the document.
 */
export const openapiPlugin = fp(
  async (app) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'skolnet collector API',
          description:
            'Enrollment, schools, scores, the upgrade plan and speed-test endpoints of a skolnet collector. ' +
            `Agents stream results over the WebSocket at ${AGENT_STREAM_PATH} (subprotocol ${PROTOCOL_NAME}; ` +
            'its messages are described in docs/protocol.md).',
          version: app.config.version,
        },
        tags: [
          { name: 'agents', description: 'enrollment and the result stream' },
          { name: 'schools', description: 'schools, scores, enrollment codes, Wi-Fi coverage' },
          { name: 'plan', description: 'the upgrade plan under a budget' },
          { name: 'scoring', description: 'the scoring method' },
          { name: 'speed', description: 'speed-test endpoints agents measure against' },
          { name: 'health', description: 'liveness' },
        ],
        components: {
          securitySchemes: {
            [USER_TOKEN_SCHEME]: {
              type: 'http',
              scheme: 'bearer',
              description:
                'A per-user API token (`skolnet_ut_…`) from `skolnet-collector user token create` or ' +
                "`POST /api/v1/tokens`; it acts with its account's role and scope (docs/security.md).",
            },
            [SESSION_SCHEME]: {
              type: 'apiKey',
              in: 'cookie',
              name: 'skolnet_session',
              description:
                'A browser session from `POST /api/v1/session` (`__Host-skolnet_session` over TLS); ' +
                "state-changing requests also send the session's CSRF token in `x-skolnet-csrf`.",
            },
          },
        },
      },
      transform: ({ schema, url, route }) => {
        const base = { ...(schema ?? {}) } as RouteSchema;
        if (!DOCUMENTED_PATH.test(url)) return { schema: { ...base, hide: true }, url };
        const doc: RouteSchema = { ...base, tags: base.tags ?? [tagOf(url)] };
        const response = { ...((base.response as Record<string, unknown> | undefined) ?? {}) };
        const r = route as RouteOptions & { websocket?: boolean };
        const access: AccessDeclaration | undefined = r.config?.access;
        if (access !== undefined && typeof access !== 'string') {
          doc.security = [{ [USER_TOKEN_SCHEME]: [] }, { [SESSION_SCHEME]: [] }];
          doc.description = `${doc.description === undefined ? '' : `${String(doc.description)}\n\n`}Who may call it: ${describeAccess(access)}.`;
          response['401'] ??= {
            ...ErrorBodySchema,
            description: 'not signed in, or the credential is not valid',
          };
          response['403'] ??= { ...ErrorBodySchema, description: 'this role or scope may not do this' };
        }
        if (r.websocket === true) {
          // @fastify/websocket hides its routes from the document; the agent
          // stream is part of the API, so it is listed as the GET it upgrades.
          delete doc.hide;
          response['101'] ??= { description: 'switching protocols to WebSocket', type: 'null' };
          doc.description ??=
            `WebSocket upgrade, subprotocol ${PROTOCOL_NAME}: hello, then batches of results, each acked ` +
            'after it is stored (docs/protocol.md).';
        } else if (url.startsWith('/ndt/')) {
          doc.description ??= 'WebSocket upgrade, M-Lab ndt7 (subprotocol net.measurementlab.ndt.v7).';
        }
        response['4XX'] ??= { ...ErrorBodySchema, description: 'the request cannot be served' };
        doc.response = response;
        return { schema: doc, url };
      },
    });
    await app.register(swaggerUi, {
      routePrefix: DOCS_PATH,
      // The default validator badge calls validator.swagger.io; the docs must work offline.
      validatorUrl: false,
      uiConfig: { docExpansion: 'list', deepLinking: true },
      // Swagger UI applies inline styles as it renders (the collector's strict
      // policy refuses them, test/e2e/web/api-docs.test.ts); under /docs only,
      // styles may be inline. Scripts stay 'self': no inline script, no eval
      // (docs/threat-model.md, "The API documentation's policy").
      transformStaticCSP: docsPolicy,
    });
  },
  { name: 'skolnet-openapi', fastify: '5.x', dependencies: ['skolnet-config', 'skolnet-auth'] },
);
