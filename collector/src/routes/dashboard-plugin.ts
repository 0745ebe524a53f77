import type { FastifyPluginAsync } from 'fastify';
import { describeError } from '@skolnet/shared';

/** One file of the web UI, as `@skolnet/dashboards` hands it over. */
export interface DashboardAsset {
  contentType: string;
  body: Buffer;
}

/** Loads the web UI keyed by URL path (`/`, `/app.js`). */
export type DashboardAssetLoader = () => Promise<Map<string, DashboardAsset>>;

/** Options of {@link dashboardPlugin}. */
export interface DashboardPluginOptions {
  loadAssets: DashboardAssetLoader;
}

/**
 * Serves the web UI from memory. A UI that fails to load is logged and
 * left out rather than stopping the collector: ingest matters more than
 * the pages.
 */
export const dashboardPlugin: FastifyPluginAsync<DashboardPluginOptions> = async (app, options) => {
  let assets: Map<string, DashboardAsset>;
  try {
    assets = await options.loadAssets();
  } catch (err) {
    app.log.warn({ err: describeError(err) }, 'dashboard assets not available; serving the API only');
    return;
  }
  for (const [path, asset] of assets) {
    // The pages and their scripts are public; what they show comes from the
    // API, which checks who asks (the overview's list is public_scores).
    app.get(path, { config: { access: 'public' } }, async (_request, reply) =>
      reply
        .header('content-type', asset.contentType)
        // Revalidate each time: the files change with every collector upgrade
        // and are too small to be worth a stale cache.
        .header('cache-control', 'no-cache')
        .send(asset.body),
    );
  }
};
