import fp from 'fastify-plugin';
import { loadCostCatalog } from '../planning/catalog.js';
import { createCoverageService, type CoverageService } from './coverage-service.js';
import type { DataChanges } from './data-changes.js';
import { createOverviewService, type OverviewService } from './overview-service.js';
import { createPlanService, type PlanService } from './plan-service.js';
import { createSchoolService, type SchoolService } from './school-service.js';

/** The use cases routes, the CLI and `server.ts` call (docs/architecture.md). */
export interface CollectorServices {
  schools: SchoolService;
  plan: PlanService;
  coverage: CoverageService;
  /** The national overview (schools, municipalities, planned EUR). */
  overview: OverviewService;
  /** The data version and its change notices; writes through `app.store` report here. */
  changes: DataChanges;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The collector's services (servicesPlugin). */
    services: CollectorServices;
  }
}

/** Options of {@link servicesPlugin}. */
export interface ServicesPluginOptions {
  /** What `app.store` reports its writes to (see `trackStoreChanges`). */
  changes: DataChanges;
}

/** Decorates the instance with `services`, built over `app.store` and `app.config`. */
export const servicesPlugin = fp<ServicesPluginOptions>(
  (app, options, done) => {
    const { config, store } = app;
    const schools = createSchoolService({
      store,
      scoring: () => config.scoring,
      now: () => config.now(),
      changes: options.changes,
      cache: config.readModel.cache,
      maxAgeMs: config.readModel.maxAgeMs,
      onBackgroundError: (err) =>
        app.log.error({ err }, 'school read model: rebuild failed, serving the previous one'),
    });
    // A rebuild running behind the read model ends before the store closes (an onClose hook of the storage plugin).
    app.addHook('preClose', () => schools.settled());
    const plan = createPlanService({
      schools,
      catalog: () => loadCostCatalog(),
      cache: config.readModel.cache,
      maxEntries: config.readModel.planCacheEntries,
      now: () => config.now(),
    });
    app.decorate('services', {
      schools,
      plan,
      overview: createOverviewService({ schools, plan }),
      coverage: createCoverageService({ store, now: () => config.now() }),
      changes: options.changes,
    });
    done();
  },
  { name: 'skolnet-services', fastify: '5.x', dependencies: ['skolnet-config', 'skolnet-storage'] },
);
