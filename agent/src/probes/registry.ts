import { bottleneckProbeDefinition } from './bottleneck/bottleneck-probe-definition.js';
import { dnsProbeDefinition } from './dns/dns-probe-definition.js';
import { hostProbeDefinition } from './host/host-probe-definition.js';
import { httpProbeDefinition } from './http/http-probe-definition.js';
import { latencyProbeDefinition } from './latency/latency-probe-definition.js';
import { ndt7ProbeDefinition } from './ndt7/ndt7-probe-definition.js';
import type { ProbeDefinition } from './probe.js';
import { snmpProbeDefinition } from './snmp/snmp-probe-definition.js';
import { throughputProbeDefinition } from './throughput/throughput-probe-definition.js';
import { wifiProbeDefinition } from './wifi/wifi-probe-definition.js';

/**
 * Every probe the agent knows, keyed by its folder name under `probes/`.
 * The key is what `--only` and the config use.
 */
export const probeRegistry: Readonly<Record<string, ProbeDefinition>> = {
  host: hostProbeDefinition,
  latency: latencyProbeDefinition,
  throughput: throughputProbeDefinition,
  ndt7: ndt7ProbeDefinition,
  dns: dnsProbeDefinition,
  http: httpProbeDefinition,
  bottleneck: bottleneckProbeDefinition,
  snmp: snmpProbeDefinition,
  wifi: wifiProbeDefinition,
};

/** Probe names in registry order. */
export const probeNames = (): string[] => Object.keys(probeRegistry);
