import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import {
  AGENT_STREAM_PATH,
  ErrorCodes,
  PROTOCOL_VERSION,
  type AgentConfig,
  type CollectorMessage,
} from '@skolnet/shared';
import { buildApp } from '../app.js';
import { createTestAccount } from '../testing/accounts.js';
import { CloseCodes } from '../ingest/agent-session.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import { createTempStore, makeResult } from '../testing/fixtures.js';
import { connectStream as connect, type StreamTestClient as Client } from '../testing/stream-test-client.js';
import type { CampaignProgress } from '../services/acceptance-service.js';
import type { AgentListing } from './agents-plugin.js';

const CONFIG: AgentConfig = { probes: { latency: { interval_s: 120, options: { count: 5 } } } };

describe('admin agent routes', () => {
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let app: FastifyInstance;
  let streamUrl: string;
  let token: string;
  let schoolId: string;
  let otherSchoolId: string;
  let agentId: string;
  let secret: string;
  const sockets: WebSocket[] = [];

  const admin = (): Record<string, string> => ({ authorization: `Bearer ${token}` });
  const listAgents = async (school = schoolId): Promise<AgentListing[]> => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/schools/${school}/agents`,
      headers: admin(),
    });
    expect(res.statusCode).toBe(200);
    return res.json<{ agents: AgentListing[] }>().agents;
  };
  const hello = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agent_id: agentId,
    secret,
    agent_version: '0.1.0',
    ...over,
  });
  const open = async (
    over: Record<string, unknown> = {},
  ): Promise<{ client: Client; first: CollectorMessage }> => {
    const client = await connect(streamUrl);
    sockets.push(client.ws);
    client.send(hello(over));
    return { client, first: await client.next() };
  };

  beforeEach(async () => {
    ({ store, cleanup } = await createTempStore());
    token = (await createTestAccount(store)).token;
    schoolId = (await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 })).id;
    otherSchoolId = (await store.createSchool({ name: 'Bø skole', municipality: 'Bø', pupils: 50 })).id;
    const enrolled = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(schoolId, 3_600_000)).code,
      {
        hostname: 'srv1',
        agent_version: '0.1.0',
        role: 'lab_pc',
      },
    );
    agentId = enrolled.agent_id;
    secret = enrolled.secret;
    app = buildApp({ store, logger: false, dashboardAssets: false });
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    streamUrl = `${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`;
  });

  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await app.close();
    await cleanup();
  });

  it('needs the admin token for every agent route', async () => {
    for (const [method, url] of [
      ['GET', `/api/v1/schools/${schoolId}/agents`],
      ['POST', `/api/v1/agents/${agentId}/revoke`],
      ['POST', `/api/v1/agents/${agentId}/rotate-secret`],
      ['PUT', `/api/v1/schools/${schoolId}/agent-config`],
    ] as const) {
      const res = await app.inject({ method, url, payload: {} });
      expect(res.statusCode, url).toBe(401);
    }
    expect(await store.findAgent(agentId)).toMatchObject({ revoked_at: null, rotation_requested_at: null });
  });

  it("lists a school's agents with role, hostname, config state and no secrets", async () => {
    const [agent] = await listAgents();
    expect(agent).toMatchObject({
      id: agentId,
      role: 'lab_pc',
      hostname: 'srv1',
      revoked_at: null,
      connected: false,
      flags: [],
      config: { version: 0, applied_version: null, pending: false, error: null },
    });
    expect(JSON.stringify(agent)).not.toMatch(/secret_hash|pending_secret/);
    const missing = await app.inject({ method: 'GET', url: '/api/v1/schools/none/agents', headers: admin() });
    expect(missing.json()).toMatchObject({ code: ErrorCodes.API_NOT_FOUND });
  });

  it('issues codes for a fixed role and refuses an agent of another role with 409', async () => {
    const issued = await app.inject({
      method: 'POST',
      url: `/api/v1/schools/${schoolId}/enrollment-codes`,
      headers: admin(),
      payload: { role: 'issued_laptop' },
    });
    expect(issued.statusCode).toBe(201);
    const { code } = issued.json<{ code: string }>();
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/enroll',
      payload: { code, hostname: 'x', agent_version: '1', role: 'school_server' },
    });
    expect(bad.statusCode).toBe(409);
    expect(bad.json()).toMatchObject({ code: ErrorCodes.ENROLL_ROLE_MISMATCH });
    const unknownRole = await app.inject({
      method: 'POST',
      url: '/api/v1/enroll',
      payload: { code, hostname: 'x', agent_version: '1', role: 'toaster' },
    });
    expect(unknownRole.statusCode).toBe(400);
    const good = await app.inject({
      method: 'POST',
      url: '/api/v1/enroll',
      payload: { code, hostname: 'laptop-0123456789', agent_version: '1', role: 'issued_laptop' },
    });
    expect(good.statusCode).toBe(201);
    expect(good.json()).toMatchObject({ role: 'issued_laptop', school_id: schoolId });
  });

  it('pushes a new configuration to the connected agent and records its ack', async () => {
    const { client, first } = await open({ config_version: 0 });
    expect(first.type).toBe('welcome');
    const set = await app.inject({
      method: 'PUT',
      url: `/api/v1/schools/${schoolId}/agent-config`,
      headers: admin(),
      payload: CONFIG,
    });
    expect(set.json()).toEqual({ changed: [{ agent_id: agentId, version: 1, pushed: true }] });
    expect(await client.next()).toEqual({ type: 'config', version: 1, config: CONFIG });
    expect((await listAgents())[0]?.config).toMatchObject({ version: 1, pending: true });
    client.send({ type: 'config_ack', version: 1, applied: true });
    // The ack is stored in the session's order; a following bad message proves it was handled.
    client.send({ type: 'nonsense' });
    expect(await client.next()).toMatchObject({ type: 'error', code: ErrorCodes.PROTOCOL_MALFORMED });
    expect((await listAgents())[0]).toMatchObject({
      connected: true,
      config: { version: 1, applied_version: 1, pending: false },
    });

    const bad = await app.inject({
      method: 'PUT',
      url: `/api/v1/agents/${agentId}/config`,
      headers: admin(),
      payload: { probes: { latency: { interval_s: 1 } } },
    });
    expect(bad.statusCode).toBe(400);
  });

  it("sends the configuration on hello when the agent's version is older", async () => {
    await store.setSchoolAgentConfig(schoolId, CONFIG);
    const stale = await open({ config_version: 0 });
    expect(stale.first.type).toBe('welcome');
    expect(await stale.client.next()).toEqual({ type: 'config', version: 1, config: CONFIG });
    stale.client.ws.close();
    const current = await open({ config_version: 1 });
    current.client.send({ type: 'nonsense' });
    // Nothing else came between welcome and the error.
    expect(await current.client.next()).toMatchObject({ type: 'error', code: ErrorCodes.PROTOCOL_MALFORMED });
  });

  it('pushes the campaign marker only to agents that announce they understand it', async () => {
    const campaign = { id: 'c-1', ends_at: '2026-03-13T16:00:00.000Z' };
    await store.setSchoolAgentConfig(schoolId, { ...CONFIG, data_budget_mb: 5000, campaign });
    // A hello exactly as the previous agent's stream handshake built it (constructed): no capabilities.
    const old = await open({ outbox_depth: 0, config_version: 0 });
    expect(old.first.type).toBe('welcome');
    // The campaign's other settings still arrive; the key an older agent's schema refuses does not.
    expect(await old.client.next()).toEqual({
      type: 'config',
      version: 1,
      config: { ...CONFIG, data_budget_mb: 5000 },
    });
    const flagged = app.connectedAgents.list().find((c) => c.agent_id === agentId);
    expect(flagged?.campaign_unsupported).toBe(true);
    old.client.ws.close();
    await old.client.closed;
    const current = await open({ outbox_depth: 0, config_version: 0, capabilities: ['campaign'] });
    expect(current.first.type).toBe('welcome');
    expect(await current.client.next()).toEqual({
      type: 'config',
      version: 1,
      config: { ...CONFIG, data_budget_mb: 5000, campaign },
    });
    expect(app.connectedAgents.list().find((c) => c.agent_id === agentId)?.campaign_unsupported).toBe(false);
  });

  it("flags an agent too old for campaign scheduling in the campaign's progress and the school's agents", async () => {
    const contract = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts',
      headers: admin(),
      payload: {
        school_id: schoolId,
        vendor: 'SIA Tīkli',
        kind: 'internet_line',
        download_max_mbps: 50,
        download_min_mbps: 10,
        upload_max_mbps: 50,
        upload_min_mbps: 10,
        completion_date: '2026-03-01',
        acceptance_window_days: 30,
      },
    });
    expect(contract.statusCode, contract.body).toBe(201);
    const started = await app.inject({
      method: 'POST',
      url: `/api/v1/contracts/${contract.json<{ id: string }>().id}/complete`,
      headers: admin(),
    });
    expect(started.statusCode, started.body).toBe(201);
    const progress = async (): Promise<CampaignProgress> => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/campaigns/${started.json<{ id: string }>().id}`,
        headers: admin(),
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<CampaignProgress>();
    };
    // Nobody connected: nothing to upgrade.
    expect((await progress()).agents_without_campaign).toEqual([]);
    expect((await listAgents())[0]?.campaign_unsupported).toBe(false);

    // A hello as the previous agent's stream handshake built it (constructed): no capabilities.
    const old = await open({ outbox_depth: 0 });
    expect(old.first.type).toBe('welcome');
    expect((await progress()).agents_without_campaign).toEqual([agentId]);
    expect((await listAgents())[0]).toMatchObject({ connected: true, campaign_unsupported: true });
    old.client.ws.close();
    await old.client.closed;

    // After the upgrade the same agent announces the capability: the flag goes
    // (once the collector has seen the old connection close).
    const current = await open({ outbox_depth: 0, capabilities: ['campaign'] });
    expect(current.first.type).toBe('welcome');
    await expect.poll(async () => (await progress()).agents_without_campaign).toEqual([]);
    expect((await listAgents())[0]).toMatchObject({ connected: true, campaign_unsupported: false });
  });

  it('revokes: the open stream closes at once and the next hello is refused with the revoked code', async () => {
    const { client } = await open();
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/agents/${agentId}/revoke`,
      headers: admin(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: agentId, revoked_at: expect.any(String) as unknown });
    expect(await client.next()).toMatchObject({ type: 'error', code: ErrorCodes.AUTH_REVOKED });
    expect((await client.closed).code).toBe(CloseCodes.revoked);
    const again = await open();
    expect(again.first).toMatchObject({ type: 'error', code: ErrorCodes.AUTH_REVOKED });
    expect((await again.client.closed).code).toBe(CloseCodes.revoked);
  });

  it('moves: the agent reconnects to the new school; queued results of the old one are kept', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    const { client } = await open();
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/agents/${agentId}/move`,
      headers: admin(),
      payload: { school_id: otherSchoolId },
    });
    expect(res.json()).toMatchObject({ school_id: otherSchoolId, previous_school_id: schoolId });
    expect((await client.closed).code).toBe(CloseCodes.reconnect);

    const { client: moved, first } = await open();
    expect(first).toMatchObject({ type: 'welcome', school_id: otherSchoolId });
    const queued = makeResult(agentId, schoolId, { at: before });
    const late = makeResult(agentId, schoolId, { at: new Date(Date.now() + 1_000).toISOString() });
    const fresh = makeResult(agentId, otherSchoolId);
    const foreign = makeResult(agentId, 'some-other-school');
    moved.send({ type: 'batch', batch_id: 'b1', results: [queued, late, fresh, foreign] });
    const ack = await moved.next();
    expect(ack).toMatchObject({ type: 'ack', accepted: [queued.id, late.id, fresh.id] });
    expect(ack.type === 'ack' && ack.rejected.map((r) => r.code)).toEqual([ErrorCodes.INGEST_RESULT_FOREIGN]);
    expect(await store.countResults({ schoolId })).toBe(1);
    expect(await store.countResults({ schoolId: otherSchoolId })).toBe(2);
  });

  it('forces a rotation: the connected agent gets a new secret, and after its ack only that works', async () => {
    const { client } = await open();
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/agents/${agentId}/rotate-secret`,
      headers: admin(),
    });
    expect(res.statusCode).toBe(202);
    const push = await client.next();
    expect(push.type).toBe('secret');
    const next = push.type === 'secret' ? push.secret : '';
    // Not yet confirmed: the old secret still authenticates.
    expect((await open()).first.type).toBe('welcome');
    client.send({ type: 'secret_ack', secret: next });
    expect(await client.next()).toEqual({ type: 'secret_confirmed' });
    expect((await open()).first).toMatchObject({ type: 'error', code: ErrorCodes.AUTH_UNAUTHORIZED });
    expect((await open({ secret: next })).first.type).toBe('welcome');
    expect((await listAgents())[0]).toMatchObject({
      rotation_pending: false,
      secret_rotated_at: expect.any(String) as unknown,
    });
  });

  it('flags two agents with the same machine id in the listing and the school record', async () => {
    const other = await store.redeemEnrollmentCode(
      (await store.createEnrollmentCode(schoolId, 3_600_000)).code,
      {
        hostname: 'srv2',
        agent_version: '0.1.0',
      },
    );
    const fingerprint = { machine_id_sha256: 'a'.repeat(64) };
    await open({ fingerprint });
    const second = await open({ agent_id: other.agent_id, secret: other.secret, fingerprint });
    // The fingerprint is stored after the welcome; a following message orders after it.
    second.client.send({ type: 'nonsense' });
    await second.client.next();
    const agents = await listAgents();
    expect(agents.map((a) => a.flags)).toEqual([['hardware_shared'], ['hardware_shared']]);
    const detail = await app.inject({ method: 'GET', url: `/api/v1/schools/${schoolId}`, headers: admin() });
    expect(detail.json()).toMatchObject({ flagged_agents: 2 });
  });
});
