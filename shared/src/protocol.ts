import { Type, type Static } from '@sinclair/typebox';

import { AGENT_ROLES, ProtocolLimits, PushedConfigLimits } from './constants.js';
import { PushedProbes } from './pushed-options.js';

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** One of {@link AGENT_ROLES}. */
export const AgentRole = Type.Union(AGENT_ROLES.map((role) => Type.Literal(role)));
/** One of {@link AGENT_ROLES}. */
export type AgentRole = (typeof AGENT_ROLES)[number];

const Sha256Hex = Type.String({ pattern: '^[0-9a-f]{64}$' });

/**
 * Hashes of the machine's hardware identity, for clone detection. Each is
 * the lower-case hex SHA-256 of a skolnet-specific prefix and the raw
 * identifier, so the raw id never leaves the machine and the hash matches
 * no other program's. Either may be missing when the platform hides it.
 */
export const HardwareFingerprint = Type.Object(
  {
    /** Of `/etc/machine-id` (Linux), MachineGuid (Windows), IOPlatformUUID (macOS). */
    machine_id_sha256: Type.Optional(Sha256Hex),
    /** Of the SMBIOS system UUID (DMI type 1). */
    smbios_uuid_sha256: Type.Optional(Sha256Hex),
  },
  { additionalProperties: false },
);
/** Hashes of the machine's hardware identity. */
export type HardwareFingerprint = Static<typeof HardwareFingerprint>;

/** Agent → collector, first message: who I am and proof of it. */
export const Hello = Type.Object(
  {
    type: Type.Literal('hello'),
    protocol: Type.Integer({ minimum: 1 }),
    agent_id: Id,
    secret: Type.String({ minLength: 16, maxLength: 256 }),
    agent_version: Type.String({ maxLength: 64 }),
    outbox_depth: Type.Optional(Type.Integer({ minimum: 0 })),
    config_version: Type.Optional(Type.Integer({ minimum: 0 })),
    fingerprint: Type.Optional(HardwareFingerprint),
    /**
     * What this agent understands beyond protocol 1 as first released
     * (`AgentCapabilities` in constants.ts); names the collector does not know are
     * ignored. An agent that sends none gets no pushed key it may refuse.
     */
    capabilities: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 32 })),
  },
  { additionalProperties: false },
);
/** Agent → collector, first message. */
export type Hello = Static<typeof Hello>;

/** Collector → agent, reply to a good `hello`. */
export const Welcome = Type.Object(
  {
    type: Type.Literal('welcome'),
    agent_id: Id,
    school_id: Id,
    server_time: Type.String({ format: 'date-time' }),
    max_batch_results: Type.Integer({ minimum: 1 }),
    max_message_bytes: Type.Integer({ minimum: 1024 }),
  },
  { additionalProperties: false },
);
/** Collector → agent, reply to a good `hello`. */
export type Welcome = Static<typeof Welcome>;

/**
 * The agent's outbox when it sent a batch, so the collector can report how
 * far behind its agents are. Optional in `batch`: older agents omit it.
 */
export const OutboxReport = Type.Object(
  {
    /** Results waiting in the outbox, this batch's included. */
    depth: Type.Integer({ minimum: 0 }),
    /** `at` of the oldest waiting result, RFC 3339; absent when the outbox is empty. */
    oldest_at: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);
/** The agent's outbox when it sent a batch. */
export type OutboxReport = Static<typeof OutboxReport>;

/** Agent → collector: results to store. */
export const Batch = Type.Object(
  {
    type: Type.Literal('batch'),
    batch_id: Id,
    // Results are validated one by one on ingest so one bad result is
    // rejected alone; here only the envelope is checked.
    results: Type.Array(Type.Unknown(), { maxItems: ProtocolLimits.maxBatchResults }),
    outbox: Type.Optional(OutboxReport),
  },
  { additionalProperties: false },
);
/** Agent → collector: results to store. */
export type Batch = Static<typeof Batch>;

/** Why one result of a batch was not stored. It will never be, so the agent drops it. */
export const Rejection = Type.Object(
  {
    id: Type.String({ maxLength: 128 }),
    code: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);
/** Why one result of a batch was not stored. */
export type Rejection = Static<typeof Rejection>;

/**
 * Collector → agent: the batch is settled. `accepted` ids are stored
 * (or were already: ingest is idempotent); `rejected` ids are invalid and
 * never will be. The agent deletes both from its outbox.
 */
export const Ack = Type.Object(
  {
    type: Type.Literal('ack'),
    batch_id: Id,
    accepted: Type.Array(Type.String()),
    rejected: Type.Array(Rejection),
  },
  { additionalProperties: false },
);
/** Collector → agent: the batch is settled. */
export type Ack = Static<typeof Ack>;

/**
 * One probe's part of a pushed configuration, as the collector merges
 * them: on or off, how often, which options. What may be pushed is
 * narrower, per probe: {@link PushedProbes}.
 */
export interface ProbeConfig {
  enabled?: boolean;
  interval_s?: number;
  options?: Record<string, string | number | boolean>;
}

/**
 * The school's timetable: heavy tests concentrate in lesson hours. Days
 * are ISO weekdays (1 = Monday ... 7 = Sunday); times are local wall-clock
 * `HH:MM` in `timezone` (an IANA name).
 */
export const Timetable = Type.Object(
  {
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    days: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
    start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    end: Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$' }),
    /** Share of heavy tests placed outside lesson hours, for comparison (0-1). */
    outside_share: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
/** The school's timetable. */
export type Timetable = Static<typeof Timetable>;

/** The acceptance campaign a school's agents take part in, as the collector pushes it. */
export const AcceptanceCampaign = Type.Object(
  {
    /** The campaign's id, so its results and reports can be told apart. */
    id: Type.String({ minLength: 1, maxLength: 64 }),
    /** When the campaign's school days end, an ISO 8601 instant. */
    ends_at: Type.String({ minLength: 20, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}T' }),
  },
  { additionalProperties: false },
);
/** The acceptance campaign a school's agents take part in. */
export type AcceptanceCampaign = Static<typeof AcceptanceCampaign>;

/**
 * Probe schedule, targets, options and limits pushed by the collector: an
 * allow-list ({@link PushedProbes}); settings that name programs, files or
 * paths exist only in the agent's local configuration.
 */
export const AgentConfig = Type.Object(
  {
    probes: PushedProbes,
    timetable: Type.Optional(Timetable),
    /** Monthly data budget of heavy tests, in MB (10^6 bytes); 0 = no heavy tests. */
    data_budget_mb: Type.Optional(Type.Number({ minimum: 0, maximum: PushedConfigLimits.maxDataBudgetMb })),
    /** A heavy test waits while other traffic on the interface is above this, in Mbit/s. */
    busy_threshold_mbps: Type.Optional(
      Type.Number({ minimum: 0, maximum: PushedConfigLimits.maxBusyThresholdMbps }),
    ),
    /**
     * A vendor-acceptance campaign in progress (docs/acceptance.md): until
     * `ends_at` the agent places one throughput test at a random time in
     * every lesson hour of the timetable, and none outside lesson hours.
     */
    campaign: Type.Optional(AcceptanceCampaign),
  },
  { additionalProperties: false },
);
/** Probe schedule, targets, options and limits pushed by the collector. */
export type AgentConfig = Static<typeof AgentConfig>;

/**
 * Collector → agent: a new configuration, as the stream carries it. Only
 * the envelope is checked on arrival; the agent checks `config` against
 * {@link ConfigPush} itself, so a push it refuses is answered with a
 * `config_ack` that says why, not dropped as a malformed message.
 */
export const ConfigOffer = Type.Object(
  {
    type: Type.Literal('config'),
    version: Type.Integer({ minimum: 1 }),
    config: Type.Unknown(),
  },
  { additionalProperties: false },
);
/** Collector → agent: a new configuration, not yet checked. */
export type ConfigOffer = Static<typeof ConfigOffer>;

/** Collector → agent: a new configuration. */
export const ConfigPush = Type.Object(
  {
    type: Type.Literal('config'),
    version: Type.Integer({ minimum: 1 }),
    config: AgentConfig,
  },
  { additionalProperties: false },
);
/** Collector → agent: a new configuration. */
export type ConfigPush = Static<typeof ConfigPush>;

/** Agent → collector: a pushed configuration was applied, or why not. */
export const ConfigAck = Type.Object(
  {
    type: Type.Literal('config_ack'),
    version: Type.Integer({ minimum: 1 }),
    applied: Type.Boolean(),
    error: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);
/** Agent → collector: a pushed configuration was applied, or why not. */
export type ConfigAck = Static<typeof ConfigAck>;

/** Either side: something went wrong. `batch_id` when it concerns one batch. */
export const ErrorMessage = Type.Object(
  {
    type: Type.Literal('error'),
    code: Type.String(),
    message: Type.String(),
    batch_id: Type.Optional(Id),
  },
  { additionalProperties: false },
);
/** Either side: something went wrong. */
export type ErrorMessage = Static<typeof ErrorMessage>;

/** Agent → collector: please give me a new secret (agent-initiated rotation). */
export const SecretRotate = Type.Object(
  { type: Type.Literal('secret_rotate') },
  { additionalProperties: false },
);
/** Agent → collector: please give me a new secret. */
export type SecretRotate = Static<typeof SecretRotate>;

/**
 * Collector → agent: the agent's next secret. Until the agent proves it
 * holds it (`secret_ack`, or a later `hello` with it) the collector accepts
 * the old secret and the new one, so a crash at any step loses nothing.
 */
export const SecretPush = Type.Object(
  { type: Type.Literal('secret'), secret: Type.String({ minLength: 16, maxLength: 256 }) },
  { additionalProperties: false },
);
/** Collector → agent: the agent's next secret. */
export type SecretPush = Static<typeof SecretPush>;

/** Agent → collector: the new secret is stored on disk; here it is as proof. */
export const SecretAck = Type.Object(
  { type: Type.Literal('secret_ack'), secret: Type.String({ minLength: 16, maxLength: 256 }) },
  { additionalProperties: false },
);
/** Agent → collector: the new secret is stored on disk. */
export type SecretAck = Static<typeof SecretAck>;

/** Collector → agent: rotation done; the old secret no longer authenticates. */
export const SecretConfirmed = Type.Object(
  { type: Type.Literal('secret_confirmed') },
  { additionalProperties: false },
);
/** Collector → agent: rotation done. */
export type SecretConfirmed = Static<typeof SecretConfirmed>;

/** Every message the agent may send. */
export const AgentMessage = Type.Union([Hello, Batch, ConfigAck, SecretRotate, SecretAck]);
/** Every message the agent may send. */
export type AgentMessage = Static<typeof AgentMessage>;

/** Every message the collector may send. */
export const CollectorMessage = Type.Union([
  Welcome,
  Ack,
  ConfigOffer,
  ErrorMessage,
  SecretPush,
  SecretConfirmed,
]);
/** Every message the collector may send. */
export type CollectorMessage = Static<typeof CollectorMessage>;

/** `POST /api/v1/enroll` request body. */
export const EnrollRequest = Type.Object(
  {
    code: Type.String({ minLength: 4, maxLength: 64 }),
    /** The machine's hostname, or a pseudonym for an `issued_laptop`. */
    hostname: Type.String({ maxLength: 255 }),
    agent_version: Type.String({ maxLength: 64 }),
    /** Default {@link DEFAULT_AGENT_ROLE}; must equal the code's role when the code fixes one. */
    role: Type.Optional(AgentRole),
  },
  { additionalProperties: false },
);
/** `POST /api/v1/enroll` request body. */
export type EnrollRequest = Static<typeof EnrollRequest>;

/** `POST /api/v1/enroll` response: the agent's identity and its secret, shown once. */
export const EnrollResponse = Type.Object(
  {
    agent_id: Id,
    school_id: Id,
    secret: Type.String(),
    role: Type.Optional(AgentRole),
  },
  { additionalProperties: false },
);
/** `POST /api/v1/enroll` response. */
export type EnrollResponse = Static<typeof EnrollResponse>;

/** `POST /api/v1/speed/upload` response: what the collector received, measured at the receiver. */
export const UploadReport = Type.Object(
  {
    bytes: Type.Integer({ minimum: 0 }),
    duration_ms: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
/** `POST /api/v1/speed/upload` response. */
export type UploadReport = Static<typeof UploadReport>;
