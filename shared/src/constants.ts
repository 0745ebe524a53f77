/**
 * The contract's constants, apart from the TypeBox schemas so that a
 * program can use them (and the checks generated from the schemas) without
 * loading TypeBox: the agent's `run` is one (see `core.ts`).
 */

/**
 * Limits on a single result. They keep one misbehaving probe from filling
 * the collector: a result is a handful of numbers, not a log file.
 */
export const ResultLimits = {
  /** Maximum number of fields in one result. */
  maxFields: 64,
  /** Maximum number of tags in one result. */
  maxTags: 16,
  /** Maximum length of a string field value, in characters. */
  maxStringFieldChars: 1024,
  /** Maximum length of a tag value, in characters. */
  maxTagValueChars: 256,
} as const;

/** Measurement, field and tag names: snake_case, starting with a letter. */
export const NAME_PATTERN = '^[a-z][a-z0-9_]{0,63}$';

/** WebSocket subprotocol of the agent-collector stream (RFC 6455 §1.9). */
export const PROTOCOL_NAME = 'skolnet.v1';
/** Protocol version carried in `hello`; bumps only on incompatible change. */
export const PROTOCOL_VERSION = 1;
/**
 * Capabilities an agent announces in its hello (protocol.ts). `campaign`:
 * its pushed configuration schema takes the `campaign` key; agents from
 * before it refuse a whole push that has the key.
 */
export const AgentCapabilities = { campaign: 'campaign' } as const;
/** Path of the agent stream on the collector. */
export const AGENT_STREAM_PATH = '/api/v1/agent/stream';

/**
 * Size limits of the stream. A batch of 500 results of ~1 KiB each stays
 * well under 1 MiB; the collector closes a connection that sends more
 * (close code 1009, "message too big").
 */
export const ProtocolLimits = {
  /** Largest WebSocket message either side accepts, in bytes. */
  maxMessageBytes: 1024 * 1024,
  /** Most results in one batch. */
  maxBatchResults: 500,
  /** How long the agent waits for an ack before it resends on a new connection, in ms. */
  ackTimeoutMs: 30_000,
  /** How long the collector waits for `hello` after the upgrade, in ms. */
  helloTimeoutMs: 10_000,
} as const;

/**
 * What kind of machine an agent runs on, given at enrollment. It decides
 * what the agent may reveal about itself (an `issued_laptop` never sends
 * its hostname, which may name a pupil) and lets planners weigh results.
 */
export const AGENT_ROLES = ['school_server', 'lab_pc', 'issued_laptop', 'router_poller'] as const;
/** Role of an agent enrolled without `--role`: the always-on machine next to the router. */
export const DEFAULT_AGENT_ROLE: (typeof AGENT_ROLES)[number] = 'school_server';

/** Speed-test endpoints on the collector. */
export const SpeedPaths = {
  /** `GET ?bytes=N`: N incompressible bytes. */
  download: '/api/v1/speed/download',
  /** `POST` any body: replies with an {@link UploadReport} of what arrived. */
  upload: '/api/v1/speed/upload',
} as const;

/** Largest download or upload one speed-test request may move, in bytes (1 GiB). */
export const MAX_SPEED_TRANSFER_BYTES = 1024 ** 3;

/**
 * Bounds of a pushed configuration (docs/scheduling.md), the same on the
 * collector, which refuses a push outside them, and on the agent.
 */
export const PushedConfigLimits = {
  /**
   * Shortest interval of a light probe, in s: once a minute is already a
   * lot of results over months.
   */
  minIntervalS: 60,
  /** Shortest interval of a heavy probe (throughput, ndt7, bottleneck), in s: four bulk transfers an hour at most. */
  minHeavyIntervalS: 900,
  /** Longest interval, in s (30 days): beyond it a probe is better switched off with `enabled: false`. */
  maxIntervalS: 30 * 86_400,
  /** Largest monthly data budget, in MB (10 TB): anything above is a typo, not a contract. */
  maxDataBudgetMb: 10_000_000,
  /** Largest busy threshold, in Mbit/s (100 Gbit/s, past any school line). */
  maxBusyThresholdMbps: 100_000,
} as const;
