import type { FastifyPluginAsync } from 'fastify';
import { AgentConfig, ErrorCodes, SkolnetError, createValidator, formatIssues } from '@skolnet/shared';
import type { AgentClockFlag } from '../ingest/result-clock.js';
import type { AgentConfigChange, AgentSummary } from '../storage/store.js';

const IdParams = {
  type: 'object',
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['id'],
  additionalProperties: false,
} as const;
interface IdParams {
  id: string;
}

const MoveBody = {
  type: 'object',
  properties: { school_id: { type: 'string', minLength: 1, maxLength: 64 } },
  required: ['school_id'],
  additionalProperties: false,
} as const;
interface MoveBody {
  school_id: string;
}

// Validated here rather than by fastify's schema: fastify coerces types, and
// a probe option 5 would arrive as the string "5" (the union tries string first).
const agentConfigValidator = createValidator(AgentConfig);

function parseAgentConfig(body: unknown): AgentConfig {
  const checked = agentConfigValidator.check(body);
  if (!checked.ok) {
    throw new SkolnetError(
      ErrorCodes.API_BAD_REQUEST,
      `body is not an agent configuration: ${formatIssues(checked.issues)}`,
    );
  }
  return checked.value;
}

/** An agent in the admin listing: the stored summary, whether it is connected now, and its clock. */
export interface AgentListing extends AgentSummary {
  connected: boolean;
  /** Set when the agent sent results with a badly wrong date in the last 24 hours; null otherwise. */
  clock: AgentClockFlag | null;
}

/** Answer of the configuration routes: which agents got a new version, and how many were pushed live. */
export interface ConfigSetResponse {
  changed: { agent_id: string; version: number; pushed: boolean }[];
}

/**
 * Admin routes over enrolled agents: the listing of a school's agents
 * with their role, clone flags and configuration state; revocation; moving
 * to another school; forcing a secret rotation; remote configuration per
 * school and per agent. A change takes effect on a live connection at once
 * and otherwise at the agent's next hello.
 */
export const agentsPlugin: FastifyPluginAsync = async (app) => {
  const listing = (a: AgentSummary): AgentListing => ({
    ...a,
    connected: app.connectedAgents.list().some((c) => c.agent_id === a.id),
    clock: app.agentClocks.get(a.id, app.config.now()) ?? null,
  });
  const push = (changes: AgentConfigChange[]): ConfigSetResponse => ({
    changed: changes.map((c) => ({
      agent_id: c.agent_id,
      version: c.version,
      pushed:
        app.connectedAgents.notify(c.agent_id, { type: 'config', version: c.version, config: c.config }) > 0,
    })),
  });
  const requireAgent = async (id: string): Promise<void> => {
    if (!(await app.store.findAgent(id))) {
      throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${id} does not exist`);
    }
  };

  app.get<{ Params: IdParams }>(
    '/api/v1/schools/:id/agents',
    { onRequest: app.requireAdmin, schema: { params: IdParams } },
    async (request) => {
      if (!(await app.store.getSchool(request.params.id))) {
        throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${request.params.id} does not exist`);
      }
      return { agents: (await app.store.listAgents(request.params.id)).map(listing) };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/agents/:id',
    { onRequest: app.requireAdmin, schema: { params: IdParams } },
    async (request) => {
      const agent = await app.store.describeAgent(request.params.id);
      if (!agent)
        throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${request.params.id} does not exist`);
      return listing(agent);
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/v1/agents/:id/revoke',
    { onRequest: app.requireAdmin, schema: { params: IdParams } },
    async (request) => {
      const agent = await app.store.revokeAgent(request.params.id, app.config.now());
      const closed = app.connectedAgents.notify(agent.id, { type: 'revoked' });
      request.log.info({ agent_id: agent.id, closed_connections: closed }, 'agent revoked');
      return listing((await app.store.describeAgent(agent.id))!);
    },
  );

  app.post<{ Params: IdParams; Body: MoveBody }>(
    '/api/v1/agents/:id/move',
    { onRequest: app.requireAdmin, schema: { params: IdParams, body: MoveBody } },
    async (request) => {
      const { agent, config } = await app.store.moveAgent(
        request.params.id,
        request.body.school_id,
        app.config.now(),
      );
      // The live session closes and the agent reconnects; its welcome names
      // the new school and a new configuration, if any, follows the hello.
      app.connectedAgents.notify(agent.id, { type: 'moved', school_id: agent.school_id });
      request.log.info(
        {
          agent_id: agent.id,
          from_school_id: agent.previous_school_id,
          school_id: agent.school_id,
          config_version: config?.version,
        },
        'agent moved',
      );
      return listing((await app.store.describeAgent(agent.id))!);
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/v1/agents/:id/rotate-secret',
    { onRequest: app.requireAdmin, schema: { params: IdParams } },
    async (request, reply) => {
      const agent = await app.store.requestSecretRotation(request.params.id, app.config.now());
      // Connected: the session starts the rotation now; otherwise at the next hello.
      const live = app.connectedAgents.notify(agent.id, { type: 'rotate_secret' });
      request.log.info({ agent_id: agent.id, connected: live > 0 }, 'secret rotation requested');
      return reply.code(202).send(listing((await app.store.describeAgent(agent.id))!));
    },
  );

  app.put<{ Params: IdParams; Body: unknown }>(
    '/api/v1/schools/:id/agent-config',
    { onRequest: app.requireAdmin, schema: { params: IdParams } },
    async (request) => {
      const config = parseAgentConfig(request.body);
      const changes = await app.store.setSchoolAgentConfig(request.params.id, config, app.config.now());
      request.log.info({ school_id: request.params.id, changed: changes.length }, 'school agent config set');
      return push(changes);
    },
  );

  app.put<{ Params: IdParams; Body: AgentConfig }>(
    '/api/v1/agents/:id/config',
    { onRequest: app.requireAdmin, schema: { params: IdParams, body: AgentConfig } },
    async (request) => {
      await requireAgent(request.params.id);
      const changes = await app.store.setAgentConfigOverride(
        request.params.id,
        request.body,
        app.config.now(),
      );
      request.log.info({ agent_id: request.params.id, changed: changes.length }, 'agent config override set');
      return push(changes);
    },
  );
  return Promise.resolve();
};
