import { bottleneckProbeDefinition } from './bottleneck/bottleneck-probe.js';
import { dnsProbeDefinition } from './dns/dns-probe.js';
import { hostProbeDefinition } from './host/host-probe.js';
import { httpProbeDefinition } from './http/http-probe.js';
import { latencyProbeDefinition } from './latency/latency-probe.js';
import { ndt7ProbeDefinition } from './ndt7/ndt7-probe.js';
import type { ProbeDefinition } from './probe.js';
import { snmpProbeDefinition } from './snmp/snmp-probe.js';
import { throughputProbeDefinition } from './throughput/throughput-probe.js';
import { wifiProbeDefinition } from './wifi/wifi-probe.js';

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
