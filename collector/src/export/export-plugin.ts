import fp from 'fastify-plugin';
import {
  createInfluxSink,
  createStoreAgentLookup,
  type AgentLookup,
  type ResultSink,
} from './influx-sink.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Where committed results are exported, when an export is configured (exportPlugin). */
    resultSink: ResultSink | undefined;
  }
}

/** Options of {@link exportPlugin}. */
export interface ExportPluginOptions {
  /** How the sink finds an agent's school, municipality and role; default the store. */
  lookup?: AgentLookup;
}

/**
 * Decorates the instance with `resultSink`: the InfluxDB export when
 * `config.influx` is set, otherwise undefined. The sink closes (writing
 * what it can within its close timeout) before the store does.
 */
export const exportPlugin = fp<ExportPluginOptions>(
  (app, options, done) => {
    const influx = app.config.influx;
    if (influx === undefined) {
      app.decorate('resultSink', undefined);
      done();
      return;
    }
    const log = app.log.child({ component: 'influx-export' });
    const sink = createInfluxSink({
      ...influx,
      lookup: options.lookup ?? createStoreAgentLookup(app.store),
      metrics: app.metrics.export,
      log,
    });
    app.decorate('resultSink', sink);
    // The URL is logged without credentials; the token never is.
    const url = new URL(influx.url);
    url.username = '';
    url.password = '';
    log.info({ url: url.origin, org: influx.org, bucket: influx.bucket }, 'exporting results to InfluxDB');
    app.addHook('onClose', async () => {
      await sink.close();
    });
    done();
  },
  {
    name: 'skolnet-export',
    fastify: '5.x',
    dependencies: ['skolnet-config', 'skolnet-storage', 'skolnet-metrics'],
  },
);
