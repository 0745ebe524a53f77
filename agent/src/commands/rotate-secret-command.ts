import { ErrorCodes, SkolnetError, describeError, isSkolnetError, parseDuration } from '@skolnet/shared/core';
import { AGENT_VERSION } from '../runtime/agent-version.js';
import { createAgentState } from '../state/agent-state.js';
import { parseCollectorUrl } from '../transport/collector-endpoint.js';
import { createStreamClient, type StreamOutbox } from '../transport/stream-client.js';
import type { CommandContext } from './command-context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, badArgument } from './command-context.js';

/** Options of `skolnet-agent rotate-secret`. */
export interface RotateSecretOptions {
  state?: string;
  /** How long to keep trying to reach the collector, e.g. `1m`. */
  timeout?: string;
}

/** Default of `--timeout`, in ms: long enough for a few reconnects over a flaky school link. */
const DEFAULT_ROTATE_TIMEOUT_MS = 60_000;

/** An outbox with nothing in it: this command streams no results. */
const EMPTY_OUTBOX: StreamOutbox = {
  peek: () => [],
  settle: () => undefined,
  depth: () => 0,
  onAppend: () => () => undefined,
};

/**
 * Replaces the agent's secret with a new one from the collector, in two
 * phases: the collector issues a new secret and keeps accepting the old;
 * this command stores the new one atomically in the credentials file and
 * only then proves it, after which the old secret stops working. A
 * running `skolnet-agent run` reads the credentials on its next connection.
 */
export async function runRotateSecretCommand(
  options: RotateSecretOptions,
  ctx: CommandContext,
): Promise<number> {
  const timeoutMs =
    options.timeout === undefined ? DEFAULT_ROTATE_TIMEOUT_MS : parseDuration(options.timeout);
  if (timeoutMs === undefined) badArgument(`--timeout "${options.timeout}": expected a duration like 1m`);
  const state = createAgentState({ ...(options.state ? { flag: options.state } : {}), env: ctx.env });
  let credentials;
  try {
    credentials = state.readCredentials();
  } catch (err) {
    if (isSkolnetError(err, ErrorCodes.ENROLL_MISSING)) {
      ctx.io.stderr(`not enrolled: nothing to rotate (no credentials in ${state.dir}) (${err.code})\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  let storedVersion: number | undefined;
  try {
    storedVersion = state.readConfig()?.version;
  } catch {
    // A broken config file is `run`'s concern; here it only means "no version".
  }

  let settle: (outcome: { ok: true } | { ok: false; code: number; message: string }) => void = () => {};
  const finished = new Promise<{ ok: true } | { ok: false; code: number; message: string }>((resolve) => {
    settle = resolve;
  });
  const client = createStreamClient({
    collectorUrl: parseCollectorUrl(credentials.collector_url),
    agentId: credentials.agent_id,
    secret: () => state.readCredentials().secret,
    outbox: EMPTY_OUTBOX,
    agentVersion: AGENT_VERSION,
    rotateSecretOnConnect: true,
    configVersion: () => storedVersion,
    onConfig: () => {
      throw new SkolnetError(
        ErrorCodes.PROTOCOL_UNEXPECTED,
        'rotate-secret does not apply configurations; the running agent does',
      );
    },
    onSecret: (secret) => {
      state.updateCredentials({ secret });
    },
    backoff: { initialMs: 1_000, maxMs: 10_000 },
    onEvent: (event) => {
      switch (event.type) {
        case 'secret_rotated':
          settle({ ok: true });
          return;
        case 'secret_not_stored':
          settle({
            ok: false,
            code: EXIT_FAILURE,
            message: `could not store the new secret: ${event.error}`,
          });
          return;
        case 'revoked':
          settle({
            ok: false,
            code: EXIT_USAGE,
            message: `this agent is revoked (${ErrorCodes.AUTH_REVOKED})`,
          });
          return;
        case 'auth_rejected':
          settle({
            ok: false,
            code: EXIT_USAGE,
            message: `the collector refused the current secret (${ErrorCodes.AUTH_UNAUTHORIZED}); enroll again`,
          });
          return;
        case 'state':
          if (event.state === 'disconnected' && event.retry_in_ms !== undefined)
            ctx.io.stderr(`disconnected: ${event.reason}; retrying\n`);
          return;
        default:
          return;
      }
    },
  });
  const timer = setTimeout(
    () =>
      settle({
        ok: false,
        code: EXIT_FAILURE,
        message: `no rotation within ${Math.round(timeoutMs / 1000)} s (${ErrorCodes.NET_UNREACHABLE}); the old secret still works`,
      }),
    timeoutMs,
  );
  client.start();
  let outcome;
  try {
    outcome = await finished;
  } catch (err) {
    outcome = { ok: false as const, code: EXIT_FAILURE, message: describeError(err) };
  } finally {
    clearTimeout(timer);
    await client.stop();
  }
  if (!outcome.ok) {
    ctx.io.stderr(`secret not rotated: ${outcome.message}\n`);
    return outcome.code;
  }
  ctx.io.stdout(`secret rotated for agent ${credentials.agent_id}; saved in ${state.credentialsFile}\n`);
  return EXIT_OK;
}
