import fp from 'fastify-plugin';
import { MAX_SPEED_TRANSFER_BYTES, ProtocolLimits } from '@skolnet/shared';
import { createAuthConfig, type AuthConfig, type AuthConfigOverrides } from '../auth/auth-config.js';
import type { InfluxExportConfig } from '../export/influx-sink.js';
import { DEFAULT_SUPPORT_CONFIG, type SupportConfig } from '../services/support-service.js';
import { DEFAULT_EARLIEST_RESULT_AT, DEFAULT_MAX_CLOCK_SKEW_MS } from '../ingest/result-clock.js';
import { DEFAULT_SCORING_CONFIG, type ScoringConfig } from '../scoring/score-config.js';
import { DEFAULT_PLAN_CACHE_ENTRIES } from '../services/plan-service.js';
import { DEFAULT_PLAN_SETTINGS, type PlanSettings } from '../plan-settings.js';
import { DEFAULT_READ_MODEL_MAX_AGE_MS } from '../services/school-service.js';
import { collectorVersion } from '../version.js';

/** Settings of one collector instance, fixed at build time. */
export interface CollectorConfig {
  /** Version reported by `/healthz`. */
  version: string;
  /** Speed-test endpoints. */
  speed: {
    /** Concurrent downloads plus uploads before new ones get 503; each can fill a school's link, 32 keeps a 10 Gbit/s port useful. */
    maxConcurrentTransfers: number;
    /** Largest download or upload, in bytes. */
    maxTransferBytes: number;
    /** Download size when `?bytes` is omitted, in bytes (25 MB, SI: ~2 s at 100 Mbit/s). */
    defaultDownloadBytes: number;
    /** Size of the random pool downloads are cut from, in bytes. */
    poolBytes: number;
    /**
     * Most transfers one client address holds at once; beyond it that
     * address gets 503 while others still get slots.
     */
    maxTransfersPerClient: number;
    /** Least upload rate, bytes/s over each {@link uploadRateWindowMs}; a slower upload is ended (408). */
    minUploadBytesPerSecond: number;
    /** Window the upload rate is measured over, in ms. */
    uploadRateWindowMs: number;
    /** Longest an upload's body may take, in ms. */
    maxUploadMs: number;
    /** Least rate a client must read a download at, bytes/s over each {@link uploadRateWindowMs}; a slower reader is cut off. */
    minDownloadBytesPerSecond: number;
    /** Longest a download may take, in ms. */
    maxDownloadMs: number;
  };
  /** Request bodies of the JSON API (uploads have their own limits under `speed`). */
  http: {
    /** Least rate of a request body, bytes/s over each {@link bodyRateWindowMs}; slower ones get 408. */
    minBodyBytesPerSecond: number;
    /** Window the body rate is measured over, in ms. */
    bodyRateWindowMs: number;
    /** Longest a whole request body may take to arrive, in ms. */
    bodyDeadlineMs: number;
  };
  /** Agent stream. */
  ingest: {
    /** How long a new connection may take to say hello, in ms. */
    helloTimeoutMs: number;
    /** Malformed messages tolerated on one connection before it is closed with 1008. */
    maxMalformedMessages: number;
    /**
     * Interval of the server's WebSocket pings on an authenticated stream,
     * in ms. A stream that answered neither the last ping nor with any
     * message by the next one is closed, so a vanished agent stops counting
     * as connected within two intervals.
     */
    heartbeatIntervalMs: number;
    /**
     * How far a result's `at` may lie ahead of the collector's clock, in
     * ms; later ones are rejected, and every read of results and rollups
     * ends at the clock plus this.
     */
    maxClockSkewMs: number;
    /** Results dated before this are rejected (a machine whose clock reset). */
    earliestResultAt: Date;
  };
  /** Enrollment codes. */
  enrollment: {
    /** Lifetime of a code when the admin does not say, in hours (72: issued Friday, still valid Monday). */
    defaultTtlHours: number;
    /** Longest lifetime an admin may ask for, in hours (30 days). */
    maxTtlHours: number;
  };
  /**
   * How long closing waits for open HTTP connections before cutting them,
   * in ms. Bounds a restart even when a client holds a connection open
   * without sending anything (Node would wait for its headers timeout).
   */
  shutdownGraceMs: number;
  /** The scoring method's thresholds and weights (docs/methodology.md; `serve --scoring FILE`). */
  scoring: ScoringConfig;
  /** Export of stored results to InfluxDB (`serve --influx-url …`); none when undefined. */
  influx?: InfluxExportConfig;
  /** The school read model and the plan cache (`collector/src/services/`). */
  readModel: {
    /** False serves every read from the store and solves every plan afresh (benchmarks compare both). */
    cache: boolean;
    /** Longest life of the read model when nothing changed in this process, ms. */
    maxAgeMs: number;
    /** Most plans cached per read-model build. */
    planCacheEntries: number;
  };
  /** People's sign-in, sessions, lockout, rate limits, OpenID Connect, public scores (docs/security.md). */
  auth: AuthConfig;
  /** Pupil-support records (docs/pupil-support.md). */
  support: SupportSettings;
  /**
   * The plan's budget (with its source and VAT treatment), economics,
   * catalog and delivery dates: `serve --budget …`, or the same keys in the
   * config file, parsed as the CLI's `plan` parses them (plan-settings.ts).
   */
  plan: PlanSettings;
  /** The web pages' maps (map-settings.ts; `serve --map-tile-url`). */
  map: {
    /** Raster tile URL template drawn under the maps; none: the Latvia outline only. */
    tileUrl?: string;
  };
  /** Clock; tests replace it to move time. */
  now: () => Date;
}

/** Settings of the pupil-support records. */
export interface SupportSettings extends SupportConfig {
  /**
   * Directory of the pupil-data keys (security/pupil-keys.ts), outside the
   * database; without one, pupil-support records are off
   * (`SKOLNET_SUPPORT_UNAVAILABLE`). `serve` sets `<data>/support-keys`
   * for a SQLite store.
   */
  keyDir?: string;
}

/** Partial settings; anything omitted takes the default. */
export interface CollectorConfigOverrides {
  version?: string;
  speed?: Partial<CollectorConfig['speed']>;
  http?: Partial<CollectorConfig['http']>;
  ingest?: Partial<CollectorConfig['ingest']>;
  enrollment?: Partial<CollectorConfig['enrollment']>;
  shutdownGraceMs?: number;
  scoring?: ScoringConfig;
  influx?: InfluxExportConfig;
  readModel?: Partial<CollectorConfig['readModel']>;
  auth?: AuthConfigOverrides;
  support?: Partial<SupportSettings>;
  plan?: PlanSettings;
  map?: CollectorConfig['map'];
  now?: () => Date;
}

/** Builds a complete {@link CollectorConfig} from defaults and `overrides`. */
export function createCollectorConfig(overrides: CollectorConfigOverrides = {}): CollectorConfig {
  return {
    version: overrides.version ?? collectorVersion(),
    speed: {
      maxConcurrentTransfers: 32,
      maxTransferBytes: MAX_SPEED_TRANSFER_BYTES,
      defaultDownloadBytes: 25_000_000,
      // 4 MiB: far beyond any compressor's window that matters on the wire
      // (gzip's is 32 KiB), yet cheap to generate at start.
      poolBytes: 4 * 1024 * 1024,
      // 16: the agent's most streams per direction (throughput probe), so one
      // agent at its maximum still runs, yet one address never holds more
      // than half of the default 32 slots.
      maxTransfersPerClient: 16,
      // 8,000 bytes/s (64 kbit/s) per stream: below the upstream of any line
      // worth measuring, even split over 16 streams of a 1 Mbit/s uplink,
      // while a sender trickling bytes to hold a slot is ended within 5 s.
      minUploadBytesPerSecond: 8_000,
      uploadRateWindowMs: 5_000,
      // The agent's longest upload is 90 s (60 s measured + 30 s warm-up, its
      // options' maxima); 120 s leaves room for the answer.
      maxUploadMs: 120_000,
      // A download is read at the same floor rate over the same window, and
      // within the same 120 s: the agent's downloads last as long as its
      // uploads. A client that stops reading (a stalled "slow reader")
      // would otherwise hold a transfer slot for ever.
      minDownloadBytesPerSecond: 8_000,
      maxDownloadMs: 120_000,
      ...overrides.speed,
    },
    http: {
      // API bodies are small JSON sent in one piece: 1,000 bytes/s over 10 s
      // is below any working line, and the 30 s deadline covers the 1 MiB
      // body limit at 1 Mbit/s (8.4 s) with room to spare.
      minBodyBytesPerSecond: 1_000,
      bodyRateWindowMs: 10_000,
      bodyDeadlineMs: 30_000,
      ...overrides.http,
    },
    ingest: {
      helloTimeoutMs: ProtocolLimits.helloTimeoutMs,
      // Ten: enough to survive a buggy agent build for a few batches while
      // the logs show what it sends, few enough to stop a flood.
      maxMalformedMessages: 10,
      // 30 s: a vanished agent is dropped within a minute, and the pings keep
      // NATs and proxies, whose idle timeouts are commonly 60 s or more,
      // from dropping a quiet stream; 20,000 agents cost ~670 pings a second.
      heartbeatIntervalMs: 30_000,
      maxClockSkewMs: DEFAULT_MAX_CLOCK_SKEW_MS,
      earliestResultAt: DEFAULT_EARLIEST_RESULT_AT,
      ...overrides.ingest,
    },
    enrollment: { defaultTtlHours: 72, maxTtlHours: 720, ...overrides.enrollment },
    shutdownGraceMs: overrides.shutdownGraceMs ?? 10_000,
    scoring: overrides.scoring ?? DEFAULT_SCORING_CONFIG,
    ...(overrides.influx === undefined ? {} : { influx: overrides.influx }),
    readModel: {
      cache: true,
      maxAgeMs: DEFAULT_READ_MODEL_MAX_AGE_MS,
      planCacheEntries: DEFAULT_PLAN_CACHE_ENTRIES,
      ...overrides.readModel,
    },
    auth: createAuthConfig(overrides.auth),
    support: { ...DEFAULT_SUPPORT_CONFIG, ...overrides.support },
    plan: overrides.plan ?? DEFAULT_PLAN_SETTINGS,
    map: { ...overrides.map },
    now: overrides.now ?? ((): Date => new Date()),
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The collector's settings (configPlugin). */
    config: CollectorConfig;
  }
}

/** Options of {@link configPlugin}. */
export interface ConfigPluginOptions {
  config: CollectorConfig;
}

/** Decorates the instance with `config`, visible to every plugin. */
export const configPlugin = fp<ConfigPluginOptions>(
  (app, options, done) => {
    app.decorate('config', options.config);
    done();
  },
  { name: 'skolnet-config', fastify: '5.x' },
);
