import fp from 'fastify-plugin';
import { createCollectorMetrics, type CollectorMetrics } from './collector-metrics.js';
import { PROMETHEUS_CONTENT_TYPE } from './metrics-registry.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The collector's Prometheus metrics (metricsPlugin). */
    metrics: CollectorMetrics;
  }
}

/** Path of the Prometheus scrape endpoint. */
export const METRICS_PATH = '/metrics';

/**
 * Decorates the instance with `metrics` and serves them at `GET /metrics`
 * in the Prometheus text format. Open like `/healthz`: the metrics are
 * collector-wide counts with no school names, ids or personal data.
 */
export const metricsPlugin = fp(
  (app, _options, done) => {
    const metrics = createCollectorMetrics({
      connectedAgents: () => app.connectedAgents.list().length,
      clockWrongAgents: () => app.agentClocks.count(app.config.now()),
      storeFailing: () => app.storeHealth.failing(),
      now: () => app.config.now(),
    });
    app.decorate('metrics', metrics);
    app.get(METRICS_PATH, { config: { access: 'public' } }, (_request, reply) =>
      reply.type(PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(metrics.registry.render()),
    );
    done();
  },
  { name: 'skolnet-metrics', fastify: '5.x', dependencies: ['skolnet-config'] },
);
