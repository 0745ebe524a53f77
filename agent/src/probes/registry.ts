import { hostProbeDefinition } from './host/host-probe.js';
import { latencyProbeDefinition } from './latency/latency-probe.js';
import type { ProbeDefinition } from './probe.js';
import { throughputProbeDefinition } from './throughput/throughput-probe.js';

/**
 * Every probe the agent knows, keyed by its folder name under `probes/`.
 * The key is what `--only` and the config use.
 */
export const probeRegistry: Readonly<Record<string, ProbeDefinition>> = {
  host: hostProbeDefinition,
  latency: latencyProbeDefinition,
  throughput: throughputProbeDefinition,
};

/** Probe names in registry order. */
export const probeNames = (): string[] => Object.keys(probeRegistry);
