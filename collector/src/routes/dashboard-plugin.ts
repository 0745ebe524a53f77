import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { describeError } from '@skolnet/shared';
import { SIGN_IN_CSP, isSignInError, signInPage } from '../auth/sign-in-page.js';
import { MAP_TILE_META } from '../map-settings.js';
import { SIGN_IN_PATH } from './session-plugin.js';

/** One file of the web application, as `@skolnet/dashboards` hands it over. */
export interface DashboardAsset {
  contentType: string;
  body: Buffer;
  /** The name carries a content hash: browsers may cache it for ever. */
  immutable?: boolean;
}

/** Loads the web application keyed by URL path (`/` for its HTML document, `/assets/...`). */
export type DashboardAssetLoader = () => Promise<Map<string, DashboardAsset>>;

/** Options of {@link dashboardPlugin}. */
export interface DashboardPluginOptions {
  /** Where the application comes from; undefined for none (the API and the plain sign-in page only). */
  loadAssets?: DashboardAssetLoader;
}

/** Paths that are never pages of the application, so an unknown one is a 404, not the application. */
const NOT_APP_PATH = /^\/(api|metrics|healthz|docs)(\/|$)|^\/assets\/|\.[a-z0-9]+$/i;

/** `&`, `<`, `>`, `"` and `'` as HTML character references, for an attribute value. */
function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The application's document with the base map's tile URL in a `<meta>`
 * element the maps read (map-settings.ts); unchanged without one. Data in
 * the markup, not a script, so the CSP stays as strict.
 */
function withMapTiles(document: DashboardAsset, tileUrl: string | undefined): DashboardAsset {
  if (tileUrl === undefined) return document;
  const meta = `<meta name="${MAP_TILE_META}" content="${escapeAttribute(tileUrl)}">`;
  const html = document.body.toString('utf8');
  // Into the head; a document without one (HTML allows it) takes it right after <html …>.
  const head = html.search(/<\/head>/i);
  const open = /<html[^>]*>/i.exec(html);
  const at = head >= 0 ? head : open ? open.index + open[0].length : 0;
  return { ...document, body: Buffer.from(html.slice(0, at) + meta + html.slice(at)) };
}

/** A year in seconds: the longest `max-age` caches honour (RFC 9111 recommends no more). */
const IMMUTABLE_MAX_AGE_S = 31_536_000;

/**
 * Serves the web application from memory: its files at their paths, its
 * HTML document at `/`, at `/sign-in`, and at any other path that is not
 * the API's (the application routes in the browser and shows its own
 * "not found"). Also `GET /api/v1/session/methods`, which tells the
 * sign-in page whether to offer the identity provider.
 *
 * Without the application (not built, or turned off) `/sign-in` serves a
 * plain sign-in form that needs no script, so people can still sign in
 * for the API. An application that fails to load is logged and left out
 * rather than stopping the collector: ingest matters more than the pages.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  let assets: Map<string, DashboardAsset> | undefined;
  if (options.loadAssets !== undefined) {
    try {
      assets = await options.loadAssets();
    } catch (err) {
      app.log.warn({ err: describeError(err) }, 'web application not available; serving the API only');
    }
  }

  app.get(
    '/api/v1/session/methods',
    {
      config: { access: 'public' },
      schema: {
        response: {
          200: {
            type: 'object',
            properties: { password: { type: 'boolean' }, oidc: { type: 'boolean' } },
            required: ['password', 'oidc'],
            additionalProperties: false,
          },
        },
      },
    },
    () => Promise.resolve({ password: true, oidc: app.config.auth.oidc !== undefined }),
  );

  const built = assets?.get('/');
  const document = built && withMapTiles(built, app.config.map.tileUrl);
  // Revalidate each time: the document names the current build's files.
  const sendDocument = (reply: FastifyReply, cacheControl = 'no-cache'): FastifyReply =>
    reply.type(document!.contentType).header('cache-control', cacheControl).send(document!.body);

  if (document === undefined) {
    app.get(
      SIGN_IN_PATH,
      // No query schema: any query shows the page; only a known `?error` is shown, checked here.
      { config: { access: 'public' } },
      async (request, reply) => {
        const asked = (request.query as { error?: unknown }).error;
        const error = isSignInError(asked) ? asked : undefined;
        return reply
          .type('text/html; charset=utf-8')
          .header('content-security-policy', SIGN_IN_CSP)
          .header('cache-control', 'no-store')
          .send(
            signInPage({
              ...(error === undefined ? {} : { error }),
              oidc: app.config.auth.oidc !== undefined,
            }),
          );
      },
    );
    return;
  }

  for (const [path, asset] of assets!) {
    if (path === '/') continue;
    // The application's files are public; what the pages show comes from
    // the API, which checks who asks (the overview's list is public_scores).
    app.get(path, { config: { access: 'public' } }, async (_request, reply) =>
      reply
        .header('content-type', asset.contentType)
        .header(
          'cache-control',
          asset.immutable ? `public, max-age=${IMMUTABLE_MAX_AGE_S}, immutable` : 'no-cache',
        )
        .send(asset.body),
    );
  }
  app.get('/', { config: { access: 'public' } }, async (_request, reply) => sendDocument(reply));
  app.get(SIGN_IN_PATH, { config: { access: 'public' } }, async (_request, reply) =>
    sendDocument(reply, 'no-store'),
  );
  // Every other page path (`/plan`, `/schools/:id`): the same document, routed in the browser.
  app.get('/*', { config: { access: 'public' } }, async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (NOT_APP_PATH.test(path)) return reply.callNotFound();
    return sendDocument(reply);
  });
};
