import type { FastifyPluginAsync } from 'fastify';
import { AgentConfig, ErrorCodes, SkolnetError } from '@skolnet/shared';
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
 * Routes over enrolled agents, for admins and a school's IT staff (moving
 * an agent between schools is the admin's alone): the listing of a school's agents
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
    { config: { access: { roles: ['admin', 'school_it'], target: 'school' } }, schema: { params: IdParams } },
    async (request) => {
      if (!(await app.store.getSchool(request.params.id))) {
        throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${request.params.id} does not exist`);
      }
      return { agents: (await app.store.listAgents(request.params.id)).map(listing) };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/agents/:id',
    { config: { access: { roles: ['admin', 'school_it'], target: 'agent' } }, schema: { params: IdParams } },
    async (request) => {
      const agent = await app.store.describeAgent(request.params.id);
      if (!agent)
        throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${request.params.id} does not exist`);
      return listing(agent);
    },
  );

  app.post<{ Params: IdParams }>(
    '/api/v1/agents/:id/revoke',
    { config: { access: { roles: ['admin', 'school_it'], target: 'agent' } }, schema: { params: IdParams } },
    async (request) => {
      const agent = await app.store.revokeAgent(request.params.id, app.config.now());
      const closed = app.connectedAgents.notify(agent.id, { type: 'revoked' });
      request.log.info({ agent_id: agent.id, closed_connections: closed }, 'agent revoked');
      return listing((await app.store.describeAgent(agent.id))!);
    },
  );

  app.post<{ Params: IdParams; Body: MoveBody }>(
    '/api/v1/agents/:id/move',
    { config: { access: { roles: ['admin'] } }, schema: { params: IdParams, body: MoveBody } },
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
    { config: { access: { roles: ['admin', 'school_it'], target: 'agent' } }, schema: { params: IdParams } },
    async (request, reply) => {
      const agent = await app.store.requestSecretRotation(request.params.id, app.config.now());
      // Connected: the session starts the rotation now; otherwise at the next hello.
      const live = app.connectedAgents.notify(agent.id, { type: 'rotate_secret' });
      request.log.info({ agent_id: agent.id, connected: live > 0 }, 'secret rotation requested');
      return reply.code(202).send(listing((await app.store.describeAgent(agent.id))!));
    },
  );

  // Both configuration routes check the body against the one allow-listed
  // schema the agent applies (shared AgentConfig), without type coercion.
  app.put<{ Params: IdParams; Body: AgentConfig }>(
    '/api/v1/schools/:id/agent-config',
    {
      config: { access: { roles: ['admin', 'school_it'], target: 'school' } },
      schema: { params: IdParams, body: AgentConfig },
    },
    async (request) => {
      const changes = await app.store.setSchoolAgentConfig(request.params.id, request.body, app.config.now());
      request.log.info({ school_id: request.params.id, changed: changes.length }, 'school agent config set');
      return push(changes);
    },
  );

  app.put<{ Params: IdParams; Body: AgentConfig }>(
    '/api/v1/agents/:id/config',
    {
      config: { access: { roles: ['admin', 'school_it'], target: 'agent' } },
      schema: { params: IdParams, body: AgentConfig },
    },
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
