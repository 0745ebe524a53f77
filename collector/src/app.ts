import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import websocket from '@fastify/websocket';
import { loadDashboardAssets } from '@skolnet/dashboards';
import { PROTOCOL_NAME, ProtocolLimits } from '@skolnet/shared';
import { createAgentSessions, type AgentSessions } from './ingest/agent-session.js';
import { createConnectedAgents, type ConnectedAgents } from './ingest/connected-agents.js';
import { createAgentClocks, type AgentClocks } from './ingest/result-clock.js';
import { exportPlugin, type ExportPluginOptions } from './export/export-plugin.js';
import { metricsPlugin } from './metrics/metrics-plugin.js';
import {
  SERVER_STORE_CONCURRENT_GROUPS,
  createIngestQueue,
  type IngestQueue,
} from './ingest/ingest-queue.js';
import { authPlugin } from './plugins/auth-plugin.js';
import {
  configPlugin,
  createCollectorConfig,
  type CollectorConfigOverrides,
} from './plugins/config-plugin.js';
import { handleError, handleNotFound } from './plugins/error-handler.js';
import { openapiPlugin } from './plugins/openapi-plugin.js';
import { securityHeadersPlugin } from './plugins/security-headers-plugin.js';
import { mapTileOrigin } from './map-settings.js';
import { createRequestValidatorFactory } from './plugins/request-validation.js';
import { storagePlugin } from './plugins/storage-plugin.js';
import { accountsPlugin } from './routes/accounts-plugin.js';
import { schoolRegisterPlugin } from './routes/school-register-plugin.js';
import { agentStreamPlugin } from './routes/agent-stream-plugin.js';
import { agentsPlugin } from './routes/agents-plugin.js';
import { dashboardPlugin, type DashboardAssetLoader } from './routes/dashboard-plugin.js';
import { enrollPlugin } from './routes/enroll-plugin.js';
import { healthPlugin } from './routes/health-plugin.js';
import { ndt7Plugin } from './routes/ndt7-plugin.js';
import { overviewPlugin } from './routes/overview-plugin.js';
import { planPlugin } from './routes/plan-plugin.js';
import { schoolsPlugin } from './routes/schools-plugin.js';
import { sessionPlugin } from './routes/session-plugin.js';
import { coveragePlugin } from './routes/coverage-plugin.js';
import { contractsPlugin, type ContractsPluginOptions } from './routes/contracts-plugin.js';
import { speedPlugin } from './routes/speed-plugin.js';
import { supportPlugin } from './routes/support-plugin.js';
import { supportNationalPlugin } from './routes/support-national-plugin.js';
import { createDataChanges, trackStoreChanges } from './services/data-changes.js';
import { servicesPlugin } from './services/services-plugin.js';
import { guardBody, hasBody, refuseSlowBody } from './runtime/body-guard.js';
import { createLogLimiter } from './runtime/log-limiter.js';
import { createStoreHealth, type StoreHealth } from './runtime/store-health.js';
import { serializeRequest } from './runtime/log-redaction.js';
import type { Store } from './storage/store.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `upload`: the body is a speed-test upload, held to the `speed` limits instead of the API's. */
    bodyGuard?: 'upload';
  }
  interface FastifyInstance {
    /** Agents connected to the stream right now. */
    connectedAgents: ConnectedAgents;
    /** Agent stream sessions, drained on close. */
    agentSessions: AgentSessions;
    /** Agents whose results came with a badly wrong date. */
    agentClocks: AgentClocks;
    /** Group commit of agent batches into the store, and the budget of agent messages in hand. */
    ingestQueue: IngestQueue;
    /** Whether the store takes writes: readiness, and one log line per failing episode. */
    storeHealth: StoreHealth;
  }
}

/** Logging: false for silence (tests), true for info to stdout, or a level and where to write. */
export type CollectorLoggerOption = boolean | { level?: string; stream?: { write(line: string): void } };

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** An open store; the app closes it when it closes. */
  store: Store;
  /** Logging; default info level to stdout. */
  logger?: CollectorLoggerOption;
  /** Settings that differ from the defaults. */
  config?: CollectorConfigOverrides;
  /**
   * Where the web application comes from: default the `@skolnet/dashboards`
   * package's build, a function for tests, or false for none (the plain
   * sign-in page is still served).
   */
  dashboardAssets?: DashboardAssetLoader | false;
  /** How the InfluxDB export finds an agent's school, municipality and role; default the store. */
  agentLookup?: ExportPluginOptions['lookup'];
  /** Vendor acceptance: where the report-signing key lives, how PDFs are printed. */
  acceptance?: ContractsPluginOptions;
}

/**
 * Headers never written to logs: API tokens travel in `authorization`,
 * sessions in `cookie`, and nothing else in a request header is needed to debug.
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-key"]',
];

function loggerOptions(option: CollectorLoggerOption | undefined): FastifyServerOptions['logger'] {
  if (option === false) return false;
  const level = typeof option === 'object' ? (option.level ?? 'info') : 'info';
  const stream = typeof option === 'object' ? option.stream : undefined;
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    // Query values may carry credentials a client put there (refused, but logged with the URL).
    serializers: { req: serializeRequest },
    ...(stream ? { stream } : {}),
  };
}

/**
 * Builds the collector's fastify instance with every plugin and route,
 * without listening: tests call `inject()` or listen on port 0, the
 * server listens on its configured address.
 */
export function buildApp(options: BuildAppOptions): FastifyInstance {
  const app = Fastify({
    logger: loggerOptions(options.logger),
    ajv: {
      // Reject unknown properties (schemas say additionalProperties: false)
      // instead of fastify's default of silently dropping them.
      customOptions: { removeAdditional: false },
    },
    // Bodies without type coercion, finite numbers only, skolnet's formats.
    schemaController: { compilersFactory: { buildValidator: createRequestValidatorFactory() } },
    // A URL fastify cannot decode (`%ff`) gets the same {code, message} as any bad request.
    frameworkErrors: handleError,
    // The JSON API takes small bodies; uploads bypass this in their own plugin.
    bodyLimit: 1024 * 1024,
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler(handleNotFound);

  const config = createCollectorConfig(options.config);
  // Every write through the app's store that can change a score or a plan
  // tells the read models (collector/src/services/).
  const changes = createDataChanges();
  const store = trackStoreChanges(options.store, changes);
  void app.register(configPlugin, { config });
  void app.register(storagePlugin, { store });
  void app.register(servicesPlugin, { changes });
  void app.register(authPlugin);
  // Before the routes, so every response carries the CSP and the other security headers.
  // The base map's origin is admitted only when one is configured (map-settings.ts).
  void app.register(securityHeadersPlugin, {
    mapOrigins: config.map.tileUrl === undefined ? [] : [mapTileOrigin(config.map.tileUrl)],
  });
  // Before the routes: the OpenAPI document collects routes as they are added.
  void app.register(openapiPlugin);
  app.decorate('connectedAgents', createConnectedAgents());
  app.decorate('agentSessions', createAgentSessions());
  app.decorate('agentClocks', createAgentClocks());
  // Reads end at the clock plus the allowed skew: a result dated later
  // (stored before ingest refused them) is never the latest nor scored.
  options.store.setReadHorizon?.(() => new Date(config.now().getTime() + config.ingest.maxClockSkewMs));
  void app.register(metricsPlugin);
  const storeHealth = createStoreHealth({
    // A real write, but outside the tracked store: it changes no score or plan.
    probe: () => options.store.setMeta('store_write_probe_at', config.now().toISOString()),
    log: app.log,
    // `app.metrics` exists once the metrics plugin above has loaded, before any write.
    countFailure: (cause) => app.metrics.store.writeFailures.inc({ cause }),
    now: config.now,
  });
  app.decorate('storeHealth', storeHealth);
  void app.register(exportPlugin, options.agentLookup === undefined ? {} : { lookup: options.agentLookup });
  const ingestQueue = createIngestQueue({
    store,
    now: config.now,
    concurrentGroups: store.dialect === 'postgres' ? SERVER_STORE_CONCURRENT_GROUPS : 1,
    // Exact counts per committed transaction (the metrics plugin is
    // registered above, so `app.metrics` exists by the time ingest runs).
    onCommitted: (outcome) => {
      app.metrics.ingest.results.inc({}, outcome.inserted);
      app.metrics.ingest.duplicates.inc({}, outcome.duplicates);
      storeHealth.writeSucceeded();
    },
    onFailed: (err) => storeHealth.writeFailed(err),
  });
  app.decorate('ingestQueue', ingestQueue);
  void app.register(websocket, {
    options: {
      maxPayload: ProtocolLimits.maxMessageBytes,
      // Upgrades without the subprotocol are refused by the route before
      // ws sees them; this answers with the one we speak.
      handleProtocols: (protocols: Set<string>) => (protocols.has(PROTOCOL_NAME) ? PROTOCOL_NAME : false),
    },
    preClose(done) {
      // New upgrades go to plain HTTP, which answers 503 while closing and
      // closes the connection; routed as upgrades, their sockets would stay
      // half-open and hold the server's close.
      this.server.removeAllListeners('upgrade');
      // Batches being stored finish and are acked; nothing else is acked.
      const started = performance.now();
      const graceEnds = started + config.shutdownGraceMs;
      void this.agentSessions
        .drainAll(config.shutdownGraceMs)
        .then(async (drained) => {
          // Batches still in a group commit are stored (and so acked) first,
          // within what is left of the grace period.
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            ingestQueue.drain(),
            new Promise<void>((resolve) => {
              timer = setTimeout(resolve, Math.max(0, graceEnds - performance.now()));
            }),
          ]);
          clearTimeout(timer);
          return drained;
        })
        .then(({ sessions, unfinished }) => {
          // 1001 "going away" tells agents to reconnect later, not that they erred.
          for (const client of this.websocketServer.clients) {
            // A session still waiting on its batch has paused its socket;
            // the agent's closing frame must be read for the close to end.
            client.resume();
            client.close(1001, 'collector shutting down');
          }
          this.websocketServer.close();
          this.log.info(
            { sessions, unfinished, duration_ms: Math.round(performance.now() - started) },
            'agent streams closed',
          );
          done();
        });
    },
  });

  // Request bodies must keep arriving: a minimum rate and an overall
  // deadline for the API, a floor rate and a longer deadline for speed-test
  // uploads (routes ask with `config.bodyGuard`). Without them a sender
  // trickling bytes holds a connection, and a speed-test slot, for ever.
  const slowBodyLog = createLogLimiter();
  app.addHook('onRequest', (request, reply, done) => {
    if (hasBody(request.raw)) {
      const upload = request.routeOptions.config.bodyGuard === 'upload';
      const limits = upload
        ? {
            minBytesPerSecond: config.speed.minUploadBytesPerSecond,
            windowMs: config.speed.uploadRateWindowMs,
            deadlineMs: config.speed.maxUploadMs,
          }
        : {
            minBytesPerSecond: config.http.minBodyBytesPerSecond,
            windowMs: config.http.bodyRateWindowMs,
            deadlineMs: config.http.bodyDeadlineMs,
          };
      guardBody(request.raw, limits, (violation, detail) => {
        const kind = upload ? 'speed_upload' : 'api';
        app.metrics.http.slowBodies.inc({ kind, violation });
        const logged = slowBodyLog.take(kind);
        if (logged !== undefined) {
          request.log.warn(
            { kind, violation, suppressed: logged.suppressed },
            'request body too slow; answered 408 and closed',
          );
        }
        refuseSlowBody(reply.raw, request.raw.socket, detail);
      });
    }
    done();
  });

  let graceTimer: NodeJS.Timeout | undefined;
  app.addHook('preClose', () => {
    graceTimer = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
    graceTimer.unref();
    return Promise.resolve();
  });
  app.addHook('onClose', (_instance, done) => {
    clearTimeout(graceTimer);
    done();
  });

  void app.register(healthPlugin);
  void app.register(sessionPlugin);
  void app.register(accountsPlugin);
  void app.register(schoolRegisterPlugin);
  void app.register(enrollPlugin);
  void app.register(schoolsPlugin);
  void app.register(agentsPlugin);
  void app.register(coveragePlugin);
  void app.register(planPlugin);
  void app.register(supportPlugin);
  // The support report's PDF is printed the way the acceptance report's is.
  void app.register(
    supportNationalPlugin,
    options.acceptance?.pdf === undefined ? {} : { pdf: options.acceptance.pdf },
  );
  void app.register(overviewPlugin);
  void app.register(contractsPlugin, options.acceptance ?? {});
  void app.register(speedPlugin);
  void app.register(ndt7Plugin);
  void app.register(agentStreamPlugin);
  // Without the application, the plugin still serves a plain sign-in page.
  void app.register(
    dashboardPlugin,
    options.dashboardAssets === false
      ? {}
      : { loadAssets: options.dashboardAssets ?? (() => loadDashboardAssets()) },
  );
  return app;
}
