/**
 * @skolnet/agent: the agent's public entry, for the CLI shim, other
 * packages and cross-package tests.
 */
export { main, type CliDeps } from './cli.js';
export {
  SqliteOutbox,
  DEFAULT_OUTBOX_MAX_ROWS,
  type SqliteOutboxOptions,
  type OutboxStats,
  type AppendOutcome,
  type SettleOutcome,
  type RejectedRow,
} from './outbox/sqlite-outbox.js';
export {
  StreamClient,
  createStreamClient,
  type StreamClientOptions,
  type StreamEvent,
  type StreamOutbox,
  type StreamState,
} from './transport/stream-client.js';
export {
  CollectorApi,
  CollectorHttpError,
  createCollectorApi,
  type CollectorApiOptions,
} from './transport/collector-api.js';
export { collectorEndpoint, parseCollectorUrl } from './transport/collector-endpoint.js';
export {
  AgentState,
  createAgentState,
  resolveStateDir,
  STATE_DIR_ENV,
  type Credentials,
} from './state/agent-state.js';
export {
  Scheduler,
  createScheduler,
  type ScheduledProbe,
  type SchedulerOptions,
} from './runtime/scheduler.js';
export { runProbe, type ProbeRun, type RunProbeOptions } from './runtime/probe-runner.js';
export {
  MeasurementAccumulator,
  toResult,
  errorMeasurement,
  type ResultOwner,
} from './runtime/measurement-accumulator.js';
export { createLogger, type Logger } from './runtime/logger.js';
export {
  TEST_CLOCK_ENV,
  createCompressedClock,
  testClockFromEnv,
  type CompressedClock,
} from './runtime/test-clock.js';
export { AGENT_VERSION } from './runtime/agent-version.js';
export { AGENT_NODE_OPTIONS } from './service/service-spec.js';
export type { CommandIo } from './commands/command-context.js';
export { probeRegistry, probeNames } from './probes/registry.js';
export type { Accumulator, Probe, ProbeContext, ProbeDefinition, CommandRunner } from './probes/probe.js';
