import { ErrorCodes, SkolnetError } from '@skolnet/shared/core';

/** Name of the Linux unit, the Windows task and the macOS job's file stem. */
export const SERVICE_NAME = 'skolnet-agent';

/** Unprivileged account the Linux service runs as; created by `service install` when missing. */
export const LINUX_SERVICE_USER = 'skolnet-agent';

/** Unprivileged account of the macOS job; the leading underscore is macOS's convention for daemon accounts. */
export const MACOS_SERVICE_USER = '_skolnet';

/** launchd label of the macOS job. */
export const LAUNCHD_LABEL = 'skolnet.agent';

/** State directory a service uses when the operator names none, per platform. */
export const SERVICE_STATE_DIRS = {
  linux: '/var/lib/skolnet-agent',
  darwin: '/Library/Application Support/skolnet-agent',
  win32: 'C:\\ProgramData\\skolnet-agent',
} as const;

/** What a generated service file needs to know; every path absolute. */
export interface ServiceSpec {
  /** The Node.js binary that runs the agent (`process.execPath` of the installing command). */
  nodePath: string;
  /** The agent's entry script (`bin/skolnet-agent.js`). */
  agentScript: string;
  /** The enrolled state directory: credentials and outbox. */
  stateDir: string;
  /** Collector the agent enrolled with; written into the file so an operator sees where data goes. */
  collectorUrl: string;
  /** Agent config file (`run --config`), when one is used. */
  configFile?: string;
  /** Further arguments of `skolnet-agent run`, e.g. `--only latency,host`. */
  runArgs: readonly string[];
}

/**
 * Node.js options of the installed agent, which runs for months on small
 * school hardware with a heap of about 10 MB (docs/footprint.md):
 *
 * - `--max-semi-space-size=1` (MB): V8 grows the young generation up to
 *   16 MB per semi-space while modules load and keeps what it grew; 1 MB
 *   costs a few more scavenges of a small heap and no throughput, since
 *   transfer data lives outside the heap in Buffers.
 * - `--v8-pool-size=1`: one V8 background thread for concurrent GC and
 *   compilation instead of four; each thread that allocates keeps a malloc
 *   arena of its own (about 1 MB resident apiece).
 * - `--max-opt=1`: V8 tiers code up to its baseline compiler (Sparkplug)
 *   and never to its optimising compilers, whose own machine code, the
 *   memory of each compilation (which malloc keeps) and the optimised
 *   code cost about 4-7 MB, growing as more of the agent turns hot over
 *   the months. The agent's hot paths are native: sockets and TLS, SQLite,
 *   JSON, transfer bytes counted per 256 KiB read, and WebSocket masking
 *   in ws's native `bufferutil` (an optional dependency). ndt7 and the
 *   HTTP throughput test still move several Gbit/s on loopback; the
 *   figures are in docs/footprint.md.
 *
 * `bench:footprint` runs the agent with these same options, as the
 * service does.
 */
export const AGENT_NODE_OPTIONS: readonly string[] = [
  '--max-semi-space-size=1',
  '--v8-pool-size=1',
  '--max-opt=1',
];

/** The argument vector of the agent inside the service: node and its options, the script, `run` and its options. */
export function agentCommand(spec: ServiceSpec): string[] {
  return [
    spec.nodePath,
    ...AGENT_NODE_OPTIONS,
    spec.agentScript,
    'run',
    '--state',
    spec.stateDir,
    ...(spec.configFile ? ['--config', spec.configFile] : []),
    ...spec.runArgs,
  ];
}

/**
 * Rejects values that no service file format could carry safely: control
 * characters (a newline would start a new directive in a unit file).
 * @throws SkolnetError `SKOLNET_CLI_BAD_ARGUMENT` naming the value.
 */
export function assertPrintable(what: string, value: string): void {
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) {
    throw new SkolnetError(
      ErrorCodes.CLI_BAD_ARGUMENT,
      `${what} ${JSON.stringify(value)} contains a control character`,
    );
  }
}
