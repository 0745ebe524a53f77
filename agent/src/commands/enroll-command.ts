import { hostname } from 'node:os';
import type { EnrollRequest } from '@skolnet/shared/core';
import {
  AGENT_ROLES,
  DEFAULT_AGENT_ROLE,
  enrollRequestValidator,
  formatIssues,
  isSkolnetError,
} from '@skolnet/shared/core';
import { AGENT_VERSION } from '../runtime/agent-version.js';
import { generateHostKey, hostLabeller } from '../state/agent-identity.js';
import { createAgentState } from '../state/agent-state.js';
import { CollectorHttpError, createCollectorApi } from '../transport/collector-api.js';
import { parseCollectorUrl } from '../transport/collector-endpoint.js';
import type { CommandContext } from './command-context.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, badArgument, formatCliError } from './command-context.js';

/** Options of `skolnet-agent enroll`. */
export interface EnrollOptions {
  collector: string;
  code: string;
  /** State directory; see `resolveStateDir`. */
  state?: string;
  /** Device role, one of `AGENT_ROLES`; default `school_server`. */
  role?: string;
}

/** Hostnames are capped at 255 characters on the wire (`EnrollRequest.hostname`). */
const MAX_HOSTNAME_CHARS = 255;

/**
 * Trades a one-time enrollment code for the agent's identity and secret,
 * and stores them in the state directory. A refusal by the collector
 * prints its message and exits with 2; the secret is never printed.
 */
export async function runEnrollCommand(options: EnrollOptions, ctx: CommandContext): Promise<number> {
  const baseUrl = parseCollectorUrl(options.collector);
  const role = (options.role ?? DEFAULT_AGENT_ROLE).trim();
  if (!(AGENT_ROLES as readonly string[]).includes(role)) {
    badArgument(`--role "${options.role}": expected one of ${AGENT_ROLES.join(', ')}`);
  }
  const agentRole = role as (typeof AGENT_ROLES)[number];
  // An issued laptop's hostname may name its pupil: it enrolls under a pseudonym.
  const hostKey = generateHostKey();
  const label = hostLabeller({ role: agentRole, host_key: hostKey }) ?? ((name: string) => name);
  const body: EnrollRequest = {
    code: options.code.trim(),
    hostname: label(hostname()).slice(0, MAX_HOSTNAME_CHARS),
    agent_version: AGENT_VERSION,
    role: agentRole,
  };
  const check = enrollRequestValidator.check(body);
  if (!check.ok) badArgument(`invalid enrollment request: ${formatIssues(check.issues)} (is --code right?)`);

  const state = createAgentState({ ...(options.state ? { flag: options.state } : {}), env: ctx.env });
  // Fail on an unwritable state directory before spending the one-time code.
  state.ensureDir();

  const api = createCollectorApi({ baseUrl });
  let enrolled;
  try {
    enrolled = await api.enroll(body);
  } catch (err) {
    if (err instanceof CollectorHttpError) {
      ctx.io.stderr(`enrollment refused by the collector: ${formatCliError(err).replace(/^error: /, '')}`);
      return err.status < 500 ? EXIT_USAGE : EXIT_FAILURE;
    }
    throw err;
  } finally {
    await api.close();
  }

  let previous: string | undefined;
  try {
    previous = state.readCredentials().agent_id;
  } catch (err) {
    if (!isSkolnetError(err)) throw err;
  }
  state.writeCredentials({
    collector_url: baseUrl.href,
    agent_id: enrolled.agent_id,
    school_id: enrolled.school_id,
    secret: enrolled.secret,
    enrolled_at: ctx.now().toISOString(),
    role: enrolled.role ?? agentRole,
    host_key: hostKey,
  });
  if (previous !== undefined && previous !== enrolled.agent_id) {
    ctx.io.stderr(`replaced the credentials of agent ${previous}\n`);
  }
  ctx.io.stdout(`enrolled as agent ${enrolled.agent_id} for school ${enrolled.school_id}\n`);
  ctx.io.stderr(
    `role ${enrolled.role ?? agentRole}${body.hostname === hostname() ? '' : `; this machine is reported as ${body.hostname}`}\n`,
  );
  ctx.io.stderr(`credentials saved in ${state.credentialsFile}\n`);
  return EXIT_OK;
}
