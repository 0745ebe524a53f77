import { Type, type TObject, type TProperties } from '@sinclair/typebox';
import { PushedConfigLimits } from './constants.js';

/**
 * The probe settings a collector may push to its agents, as an allow-list:
 * each probe's options by name, with the type and bounds the agent's own
 * option specs give them (a test in the agent keeps the two equal). Both
 * sides check a push against this one schema: the collector before it
 * stores one (`PUT /api/v1/schools/:id/agent-config`,
 * `PUT /api/v1/agents/:id/config`), the agent before it applies one.
 *
 * Left out on purpose, so they can only be set in the agent's own config
 * file or on its command line ({@link LOCAL_ONLY_OPTIONS}): settings that
 * name a program, a file or a path (`latency.ping_command`: a collector
 * admin must not be able to make every school machine run a program) and
 * secrets (`snmp.credentials`). Anything not listed here is refused.
 */

/** Options that only the agent's local configuration may set, by probe, with the reason. */
export const LOCAL_ONLY_OPTIONS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  latency: { ping_command: 'names a program the agent runs' },
  snmp: { credentials: 'SNMP communities and keys stay on the school machine' },
};

// Network endpoints may be pushed (a school's own ndt7 server, a LAN peer);
// only these schemes, so a push cannot point a probe at a local file.
const HTTP_URL = '^$|^https?://[^\\s]+$';
const NDT7_URL = '^$|^(wss?|https?)://[^\\s]+$';
// A host name, an IPv4 or IPv6 address (with a zone), '' or 'off'.
const HOST = '^[A-Za-z0-9.:%_-]*$';

const int = (minimum: number, maximum: number) => Type.Integer({ minimum, maximum });
const num = (minimum: number, maximum: number) => Type.Number({ minimum, maximum });
const text = (maxLength: number, pattern?: string) =>
  Type.String({ maxLength, format: 'plain-text', ...(pattern === undefined ? {} : { pattern }) });

/** A probe's options, every one optional; any other key is refused. */
const options = <P extends TProperties>(properties: P): TObject<P> =>
  Type.Object(properties, { additionalProperties: false });

/** The pushable options of each probe. Bounds equal the probe's option specs in the agent. */
export const PushedProbeOptions = {
  host: options({
    timeout_s: Type.Optional(int(1, 300)),
    include_virtual: Type.Optional(Type.Boolean()),
  }),
  latency: options({
    count: Type.Optional(int(1, 10_000)),
    interval_s: Type.Optional(num(0, 10)),
    timeout_s: Type.Optional(int(1, 10)),
    gateway: Type.Optional(text(255, HOST)),
    tcp_fallback: Type.Optional(Type.Boolean()),
    gateway_tcp_port: Type.Optional(int(1, 65_535)),
  }),
  throughput: options({
    streams: Type.Optional(int(1, 16)),
    duration_s: Type.Optional(num(0.5, 60)),
    warmup_s: Type.Optional(num(0, 30)),
    max_bytes: Type.Optional(int(1_000_000, 16_000_000_000)),
    timeout_s: Type.Optional(num(1, 120)),
    loaded_rtt: Type.Optional(Type.Boolean()),
  }),
  ndt7: options({
    server: Type.Optional(text(2048, NDT7_URL)),
    download_url: Type.Optional(text(4096, NDT7_URL)),
    upload_url: Type.Optional(text(4096, NDT7_URL)),
    duration_s: Type.Optional(num(1, 15)),
    timeout_s: Type.Optional(num(1, 60)),
  }),
  dns: options({
    name: Type.Optional(text(253, HOST)),
    // Comma-separated resolvers, each an address with an optional :port.
    resolvers: Type.Optional(text(1024, '^[A-Za-z0-9.:%_,\\[\\] -]*$')),
    count: Type.Optional(int(1, 50)),
    timeout_s: Type.Optional(num(0.5, 30)),
  }),
  http: options({
    url: Type.Optional(text(2048, HTTP_URL)),
    count: Type.Optional(int(1, 50)),
    timeout_s: Type.Optional(num(1, 60)),
  }),
  bottleneck: options({
    lan_peer: Type.Optional(text(2048, HTTP_URL)),
    gateway: Type.Optional(text(255, HOST)),
    gateway_tcp_port: Type.Optional(int(1, 65_535)),
    streams: Type.Optional(int(1, 16)),
    duration_s: Type.Optional(num(0.5, 60)),
    warmup_s: Type.Optional(num(0, 30)),
    max_bytes: Type.Optional(int(1_000_000, 16_000_000_000)),
    timeout_s: Type.Optional(num(1, 120)),
  }),
  snmp: options({
    // Hosts, addresses and CIDR ranges, comma-separated, as `--set snmp.targets=` takes them.
    targets: Type.Optional(text(4096, '^[A-Za-z0-9.:%_/, -]*$')),
    port: Type.Optional(int(1, 65_535)),
    gateway: Type.Optional(text(255, HOST)),
    concurrency: Type.Optional(int(1, 512)),
    discovery_timeout_ms: Type.Optional(int(50, 30_000)),
    discovery_retries: Type.Optional(int(0, 5)),
    timeout_ms: Type.Optional(int(50, 60_000)),
    retries: Type.Optional(int(0, 5)),
    max_repetitions: Type.Optional(int(1, 200)),
    max_rows: Type.Optional(int(10, 1_000_000)),
    walk_timeout_s: Type.Optional(num(1, 3600)),
    sample_interval_s: Type.Optional(num(0, 600)),
    uplink: Type.Optional(text(512)),
    line_mbps: Type.Optional(num(0, 1_000_000)),
    max_targets: Type.Optional(int(1, 65_536)),
  }),
  wifi: options({
    room: Type.Optional(text(100)),
    room_use: Type.Optional(Type.Union([Type.Literal('teaching'), Type.Literal('other')])),
    scan: Type.Optional(Type.Boolean()),
  }),
} as const;

/** Probes that move bulk data; their pushed interval has a higher floor. */
const HEAVY = new Set(['throughput', 'ndt7', 'bottleneck']);

type ProbeOptionSchemas = typeof PushedProbeOptions;

/** One probe's part of a push: on or off, how often, which options. */
function probeConfig<S extends TObject>(name: string, opts: S) {
  const min = HEAVY.has(name) ? PushedConfigLimits.minHeavyIntervalS : PushedConfigLimits.minIntervalS;
  return Type.Object(
    {
      enabled: Type.Optional(Type.Boolean()),
      interval_s: Type.Optional(
        Type.Number({
          minimum: min,
          maximum: PushedConfigLimits.maxIntervalS,
          description: `Seconds between runs, ${min} to ${PushedConfigLimits.maxIntervalS}.`,
        }),
      ),
      options: Type.Optional(opts),
    },
    { additionalProperties: false },
  );
}

/** The `probes` of a push: by probe name, only the probes the agent has. */
export const PushedProbes = Type.Object(
  {
    host: Type.Optional(probeConfig('host', PushedProbeOptions.host)),
    latency: Type.Optional(probeConfig('latency', PushedProbeOptions.latency)),
    throughput: Type.Optional(probeConfig('throughput', PushedProbeOptions.throughput)),
    ndt7: Type.Optional(probeConfig('ndt7', PushedProbeOptions.ndt7)),
    dns: Type.Optional(probeConfig('dns', PushedProbeOptions.dns)),
    http: Type.Optional(probeConfig('http', PushedProbeOptions.http)),
    bottleneck: Type.Optional(probeConfig('bottleneck', PushedProbeOptions.bottleneck)),
    snmp: Type.Optional(probeConfig('snmp', PushedProbeOptions.snmp)),
    wifi: Type.Optional(probeConfig('wifi', PushedProbeOptions.wifi)),
  },
  { additionalProperties: false },
);

/** Names of the probes a push may configure. */
export type PushedProbeName = keyof ProbeOptionSchemas;
