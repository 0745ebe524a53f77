import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AgentConfig, ErrorCodes, SkolnetError } from '@skolnet/shared';
import type { OutboxReport } from '../ingest/connected-agents.js';
import type { AgentClockFlag } from '../ingest/result-clock.js';
import type { AgentConfigChange, AgentSummary } from '../storage/store.js';
import { IdParams, MAX_ID_LENGTH, Nullable } from './schemas.js';

const MoveBody = Type.Object(
  { school_id: Type.String({ minLength: 1, maxLength: MAX_ID_LENGTH }) },
  { additionalProperties: false },
);

/** An agent in the admin listing: the stored summary, whether it is connected now, and its clock. */
export interface AgentListing extends AgentSummary {
  connected: boolean;
  /** Set when the agent sent results with a badly wrong date in the last 24 hours; null otherwise. */
  clock: AgentClockFlag | null;
  /** The name school IT staff gave it; null shows the hostname. */
  display_name: string | null;
  /** One word for the school IT page: revoked, connected, offline (seen before) or never_seen. */
  status: 'revoked' | 'connected' | 'offline' | 'never_seen';
  /** Its latest outbox report to this collector process; null until one came. */
  outbox: OutboxReport | null;
  /** The last error it reported: applying pushed configuration failed; null when none. */
  last_error: string | null;
  /** Flag `hardware_shared`: another agent reported the same machine (a cloned image). */
  duplicate_hardware: boolean;
  /**
   * A live connection of it did not announce the `campaign` capability:
   * it cannot schedule an acceptance campaign's tests ("agent too old for
   * campaign scheduling: upgrade it"). False when not connected.
   */
  campaign_unsupported: boolean;
}

const RenameBody = Type.Object(
  { display_name: Nullable(Type.String({ minLength: 1, maxLength: 100, format: 'plain-text' })) },
  { additionalProperties: false },
);

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
export const agentsPlugin: FastifyPluginAsyncTypebox = async (app) => {
  const listing = (a: AgentSummary, names: ReadonlyMap<string, string>): AgentListing => {
    const live = app.connectedAgents.list().filter((c) => c.agent_id === a.id);
    const connected = live.length > 0;
    return {
      ...a,
      connected,
      clock: app.agentClocks.get(a.id, app.config.now()) ?? null,
      display_name: names.get(a.id) ?? null,
      status:
        a.revoked_at !== null
          ? 'revoked'
          : connected
            ? 'connected'
            : a.last_seen_at === null
              ? 'never_seen'
              : 'offline',
      outbox: app.connectedAgents.outboxOf(a.id) ?? null,
      last_error: a.config.error,
      duplicate_hardware: a.flags.includes('hardware_shared'),
      campaign_unsupported: live.some((c) => c.campaign_unsupported === true),
    };
  };
  /** One agent's listing, with its school's names read for it. */
  const one = async (id: string): Promise<AgentListing> => {
    const agent = await app.store.describeAgent(id);
    if (!agent) throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `agent ${id} does not exist`);
    return listing(agent, await app.store.schoolIt.agentNames(agent.school_id));
  };
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

  app.get(
    '/api/v1/schools/:id/agents',
    { config: { access: { roles: ['admin', 'school_it'], target: 'school' } }, schema: { params: IdParams } },
    async (request) => {
      if (!(await app.store.getSchool(request.params.id))) {
        throw new SkolnetError(ErrorCodes.API_NOT_FOUND, `school ${request.params.id} does not exist`);
      }
      const names = await app.store.schoolIt.agentNames(request.params.id);
      return { agents: (await app.store.listAgents(request.params.id)).map((a) => listing(a, names)) };
    },
  );

  app.get(
    '/api/v1/agents/:id',
    { config: { access: { roles: ['admin', 'school_it'], target: 'agent' } }, schema: { params: IdParams } },
    async (request) => one(request.params.id),
  );

  app.patch(
    '/api/v1/agents/:id',
    {
      config: { access: { roles: ['admin', 'school_it'], target: 'agent' } },
      schema: { params: IdParams, body: RenameBody },
    },
    async (request) => {
      await app.store.schoolIt.renameAgent(request.params.id, request.body.display_name);
      await app.store.accounts.appendAudit(
        {
          actor_user_id: request.principal?.user_id ?? null,
          actor: request.principal?.email ?? 'anonymous',
          action: 'agent_renamed',
          target: request.params.id,
          details: { display_name: request.body.display_name },
          ip: request.ip,
        },
        app.config.now(),
      );
      return one(request.params.id);
    },
  );

  app.post(
    '/api/v1/agents/:id/revoke',
    { config: { access: { roles: ['admin', 'school_it'], target: 'agent' } }, schema: { params: IdParams } },
    async (request) => {
      const agent = await app.store.revokeAgent(request.params.id, app.config.now());
      const closed = app.connectedAgents.notify(agent.id, { type: 'revoked' });
      request.log.info({ agent_id: agent.id, closed_connections: closed }, 'agent revoked');
      return one(agent.id);
    },
  );

  app.post(
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
      return one(agent.id);
    },
  );

  app.post(
    '/api/v1/agents/:id/rotate-secret',
    { config: { access: { roles: ['admin', 'school_it'], target: 'agent' } }, schema: { params: IdParams } },
    async (request, reply) => {
      const agent = await app.store.requestSecretRotation(request.params.id, app.config.now());
      // Connected: the session starts the rotation now; otherwise at the next hello.
      const live = app.connectedAgents.notify(agent.id, { type: 'rotate_secret' });
      request.log.info({ agent_id: agent.id, connected: live > 0 }, 'secret rotation requested');
      return reply.code(202).send(await one(agent.id));
    },
  );

  // Both configuration routes check the body against the one allow-listed
  // schema the agent applies (shared AgentConfig), without type coercion.
  app.put(
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

  app.put(
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
