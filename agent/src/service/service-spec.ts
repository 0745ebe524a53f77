import { ErrorCodes, SkolnetError } from '@skolnet/shared';

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

/** The argument vector of the agent inside the service: node, the script, `run` and its options. */
export function agentCommand(spec: ServiceSpec): string[] {
  return [
    spec.nodePath,
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
