import {
  createMetricsRegistry,
  DURATION_BUCKETS_S,
  type Counter,
  type Gauge,
  type Histogram,
  type MetricsRegistry,
} from './metrics-registry.js';

/** Counters of the ingest path; every one is collector-wide, none per agent. */
export interface IngestMetrics {
  /** Results stored for the first time. */
  results: Counter;
  /** Results whose id was already stored (a resent batch). */
  duplicates: Counter;
  /** Batches settled with an ack. */
  batches: Counter;
  /** Results rejected, by error code (a small fixed set). */
  rejected: Counter;
  /** Batches the store failed to commit (not acked; the agent resends). */
  storeErrors: Counter;
  /** Messages that were not valid JSON or matched no schema. */
  malformed: Counter;
  /** Time to commit one batch to the store, in seconds. */
  batchStoreSeconds: Histogram;
  /** Authenticated streams closed because the agent answered no ping. */
  heartbeatTimeouts: Counter;
  /** Results rejected for their date, by reason (`future`, `before_earliest`). */
  clockRejected: Counter;
  /** Agents' outbox reports left out of the outbox gauges as impossible, by reason. */
  outboxReportsRefused: Counter;
}

/** Counters of the HTTP side: expected refusals. */
export interface HttpMetrics {
  /**
   * Bodies cut off, by kind (`api` and `speed_upload` request bodies sent
   * too slowly, `speed_download` responses read too slowly) and violation
   * (`slow`, `deadline`).
   */
  slowBodies: Counter;
  /** Speed tests refused because all slots, or this address's share, were taken, by `limit`. */
  speedBusy: Counter;
}

/** The store's write path. */
export interface StoreMetrics {
  /** Failed writes (transactions), by cause (see `runtime/store-health.ts`). */
  writeFailures: Counter;
}

/** Counters of the InfluxDB export; see `collector/src/export/influx-sink.ts`. */
export interface ExportMetrics {
  /** Points the time-series database accepted. */
  written: Counter;
  /** Failed attempts, by stage (`write`: the HTTP write, `lookup`: the agent's school). */
  errors: Counter;
  /** Points given up on, by reason (`overflow`, `rejected`, `unknown_agent`, `shutdown`). */
  dropped: Counter;
  /** Fields left out of a point, by reason (`name_clash`). */
  skippedFields: Counter;
  /** Points waiting to be written. */
  buffered: Gauge;
}

/** One agent connection's latest outbox report. */
export interface OutboxReporter {
  /** Records what the agent said: queued results and the `at` of the oldest one. */
  report(depth: number, oldestAt: Date | undefined): void;
  /** The connection ended; its report no longer counts. */
  close(): void;
}

/** Every metric the collector exposes at `/metrics`. */
export interface CollectorMetrics {
  registry: MetricsRegistry;
  ingest: IngestMetrics;
  http: HttpMetrics;
  store: StoreMetrics;
  export: ExportMetrics;
  /** Tracks the outbox reports of one connection. */
  openOutboxReporter(): OutboxReporter;
}

/**
 * Creates the collector's registry and its metrics. `connectedAgents` and
 * `now` are read at scrape time. Outbox reports are aggregated over the
 * connected agents (sum of depth, oldest age) rather than labelled by
 * agent: at 20,000 agents a per-agent label would be 20,000 series.
 */
export function createCollectorMetrics(options: {
  connectedAgents: () => number;
  now: () => Date;
  /** Agents flagged for a badly wrong clock; none when left out. */
  clockWrongAgents?: () => number;
  /** Whether the last write to the store failed; never when left out. */
  storeFailing?: () => boolean;
}): CollectorMetrics {
  const registry = createMetricsRegistry();
  const ingest: IngestMetrics = {
    results: registry.counter('skolnet_ingest_results_total', 'Results stored for the first time.'),
    duplicates: registry.counter(
      'skolnet_ingest_duplicate_results_total',
      'Results received again (already stored; ingest is idempotent).',
    ),
    batches: registry.counter('skolnet_ingest_batches_total', 'Batches stored and acknowledged.'),
    rejected: registry.counter(
      'skolnet_ingest_rejected_results_total',
      'Results rejected as invalid or foreign, by error code.',
      ['code'],
    ),
    storeErrors: registry.counter(
      'skolnet_ingest_store_errors_total',
      'Batches the store failed to commit; they are not acknowledged and the agent resends them.',
    ),
    malformed: registry.counter(
      'skolnet_ingest_malformed_messages_total',
      'Agent messages that were not JSON or matched no schema.',
    ),
    batchStoreSeconds: registry.histogram(
      'skolnet_ingest_batch_store_seconds',
      'Time to commit one batch to the store, in seconds.',
      DURATION_BUCKETS_S,
    ),
    heartbeatTimeouts: registry.counter(
      'skolnet_agent_heartbeat_timeouts_total',
      'Agent streams closed because the agent answered no ping for a whole interval.',
    ),
    clockRejected: registry.counter(
      'skolnet_ingest_clock_rejected_results_total',
      'Results rejected for their date, by reason (future: ahead of the collector clock by more than the allowed skew; before_earliest).',
      ['reason'],
    ),
    outboxReportsRefused: registry.counter(
      'skolnet_agent_outbox_reports_refused_total',
      'Agent outbox reports left out of the outbox gauges as impossible, by reason (depth_out_of_range, oldest_in_future, oldest_before_earliest).',
      ['reason'],
    ),
  };
  registry.gaugeFn('skolnet_agents_connected', 'Authenticated agent connections.', () =>
    options.connectedAgents(),
  );
  registry.gaugeFn(
    'skolnet_agents_clock_wrong',
    'Agents whose results were rejected for a badly wrong date within the last 24 hours.',
    () => options.clockWrongAgents?.() ?? 0,
  );

  const reports = new Set<{ depth: number; oldestMs: number | undefined }>();
  registry.gaugeFn(
    'skolnet_agent_outbox_reporting_agents',
    'Connected agents that reported their outbox.',
    () => reports.size,
  );
  registry.gaugeFn(
    'skolnet_agent_outbox_results',
    'Results waiting in the outboxes of connected agents, as they last reported.',
    () => [...reports].reduce((sum, r) => sum + r.depth, 0),
  );
  registry.gaugeFn(
    'skolnet_agent_outbox_oldest_age_seconds',
    'Age of the oldest result waiting in any connected agent outbox, in seconds (0 when all are empty).',
    () => {
      let oldest = Number.POSITIVE_INFINITY;
      for (const r of reports) if (r.oldestMs !== undefined && r.oldestMs < oldest) oldest = r.oldestMs;
      return Number.isFinite(oldest) ? Math.max(0, (options.now().getTime() - oldest) / 1000) : 0;
    },
  );

  const exportMetrics: ExportMetrics = {
    written: registry.counter(
      'skolnet_export_points_written_total',
      'Points written to the time-series database.',
    ),
    errors: registry.counter(
      'skolnet_export_errors_total',
      'Failed export attempts, by stage (write, lookup); the points are retried.',
      ['stage'],
    ),
    dropped: registry.counter(
      'skolnet_export_points_dropped_total',
      'Points given up on, by reason (overflow, rejected, unknown_agent, shutdown).',
      ['reason'],
    ),
    skippedFields: registry.counter(
      'skolnet_export_fields_skipped_total',
      'Fields left out of exported points, by reason.',
      ['reason'],
    ),
    buffered: registry.gauge('skolnet_export_points_buffered', 'Points waiting to be written.'),
  };

  const http: HttpMetrics = {
    slowBodies: registry.counter(
      'skolnet_http_slow_bodies_total',
      'Bodies cut off for moving too slowly, by kind (api, speed_upload: request bodies answered 408; speed_download: responses the client read too slowly, connection closed) and violation (slow, deadline).',
      ['kind', 'violation'],
    ),
    speedBusy: registry.counter(
      'skolnet_speed_busy_total',
      'Speed tests refused with 503, by limit (total: every slot taken; client: the address holds its share).',
      ['limit'],
    ),
  };

  const store: StoreMetrics = {
    writeFailures: registry.counter(
      'skolnet_store_write_failures_total',
      'Writes (transactions) the store failed, by cause (disk_full, read_only, io_error, unavailable, store_error).',
      ['cause'],
    ),
  };
  registry.gaugeFn(
    'skolnet_store_writable',
    'Whether the store takes writes: 0 while its last write failed (GET /readyz answers 503), else 1.',
    () => (options.storeFailing?.() === true ? 0 : 1),
  );

  return {
    registry,
    ingest,
    http,
    store,
    export: exportMetrics,
    openOutboxReporter() {
      const entry: { depth: number; oldestMs: number | undefined } = { depth: 0, oldestMs: undefined };
      return {
        report(depth, oldestAt) {
          entry.depth = depth;
          entry.oldestMs = oldestAt?.getTime();
          reports.add(entry);
        },
        close() {
          reports.delete(entry);
        },
      };
    },
  };
}
