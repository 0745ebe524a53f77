import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { AGENT_STREAM_PATH, ErrorCodes, PROTOCOL_VERSION } from '@skolnet/shared';
import { buildApp } from '../app.js';
import type { KyselyStore } from '../storage/kysely-store.js';
import type { EnrollmentCodeView } from '../storage/school-it-store.js';
import { createTestAccount } from '../testing/accounts.js';
import { createTempStore } from '../testing/fixtures.js';
import { connectStream } from '../testing/stream-test-client.js';
import type { AgentListing } from './agents-plugin.js';

const HOUR_MS = 3_600_000;
let now = new Date('2026-09-01T08:00:00.000Z');

describe('school IT API: enrollment codes and agents, scoped to the school', () => {
  let app: FastifyInstance;
  let store: KyselyStore;
  let cleanup: () => Promise<void>;
  let itA: Record<string, string>;
  const clients: WebSocket[] = [];
  const ids = { a: '', b: '', agentA: '', agentB: '', secretA: '' };

  beforeEach(async () => {
    now = new Date('2026-09-01T08:00:00.000Z');
    ({ store, cleanup } = await createTempStore());
    const a = await store.createSchool({ name: 'A skola', municipality: 'Cēsu novads', pupils: 100 }, now);
    const b = await store.createSchool({ name: 'B skola', municipality: 'Rīga', pupils: 100 }, now);
    const enroll = async (schoolId: string, hostname: string) =>
      store.redeemEnrollmentCode(
        (await store.createEnrollmentCode(schoolId, HOUR_MS, now)).code,
        {
          hostname,
          agent_version: '0.1.0',
        },
        now,
      );
    const agentA = await enroll(a.id, 'srv-a');
    const agentB = await enroll(b.id, 'srv-b');
    Object.assign(ids, {
      a: a.id,
      b: b.id,
      agentA: agentA.agent_id,
      agentB: agentB.agent_id,
      secretA: agentA.secret,
    });
    itA = (await createTestAccount(store, 'school_it', { school_id: a.id })).headers;
    app = buildApp({ store, logger: false, dashboardAssets: false, config: { now: () => now } });
    await app.ready();
  });
  afterEach(async () => {
    for (const ws of clients.splice(0)) ws.terminate();
    await app.close();
    await cleanup();
  });

  const codes = async (schoolId: string) =>
    (await app.inject({ url: `/api/v1/schools/${schoolId}/enrollment-codes`, headers: itA })).json<{
      codes: EnrollmentCodeView[];
    }>().codes;
  const issue = async () =>
    (
      await app.inject({ method: 'POST', url: `/api/v1/schools/${ids.a}/enrollment-codes`, headers: itA })
    ).json<{ code: string }>().code;
  const redeem = (code: string) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/enroll',
      payload: { code, hostname: 'new', agent_version: '0.1.0' },
    });

  it('lists codes with their state; expired and revoked codes no longer enroll', async () => {
    const first = await issue();
    now = new Date(now.getTime() + 1000);
    const second = await issue();
    const listed = await codes(ids.a);
    // The used code of the enrolled agent, and the two new ones, newest first; never a code itself.
    expect(listed.map((c) => c.status)).toEqual(['active', 'active', 'used']);
    expect(JSON.stringify(listed)).not.toContain(first);
    const [newest, older] = listed as [EnrollmentCodeView, EnrollmentCodeView];

    const expired = await app.inject({
      method: 'POST',
      url: `/api/v1/schools/${ids.a}/enrollment-codes/${older.id}/expire`,
      headers: itA,
    });
    expect(expired.json()).toMatchObject({ status: 'expired', expires_at: now.toISOString() });
    const revoked = await app.inject({
      method: 'POST',
      url: `/api/v1/schools/${ids.a}/enrollment-codes/${newest.id}/revoke`,
      headers: itA,
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked', revoked_at: now.toISOString() });
    for (const code of [first, second]) {
      const res = await redeem(code);
      expect(res.statusCode).toBe(401);
      expect(res.json<{ code: string }>().code).toBe(ErrorCodes.ENROLL_CODE_INVALID);
    }
    // A used code cannot be ended: the agent is what to revoke.
    const used = listed[2]!;
    const conflict = await app.inject({
      method: 'POST',
      url: `/api/v1/schools/${ids.a}/enrollment-codes/${used.id}/revoke`,
      headers: itA,
    });
    expect(conflict.statusCode).toBe(409);
    const audit = await store.accounts.listAudit({ limit: 10, target: ids.a });
    expect(audit.map((e) => e.action).sort()).toEqual(['enrollment_code_expired', 'enrollment_code_revoked']);
  });

  it('lists agents with status, outbox depth from the agent’s own report, last error and flags; renames them', async () => {
    const listing = async () =>
      (await app.inject({ url: `/api/v1/schools/${ids.a}/agents`, headers: itA })).json<{
        agents: AgentListing[];
      }>().agents;
    expect(await listing()).toEqual([
      expect.objectContaining({
        id: ids.agentA,
        status: 'never_seen',
        outbox: null,
        last_error: null,
        duplicate_hardware: false,
        display_name: null,
        role: 'school_server',
      }),
    ]);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const client = await connectStream(`${base.replace('http', 'ws')}${AGENT_STREAM_PATH}`);
    clients.push(client.ws);
    client.send({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      agent_id: ids.agentA,
      secret: ids.secretA,
      agent_version: '0.1.0',
      outbox_depth: 42,
    });
    expect(await client.next()).toMatchObject({ type: 'welcome' });
    const [live] = await listing();
    expect(live).toMatchObject({
      status: 'connected',
      outbox: { depth: 42, reported_at: now.toISOString() },
    });

    const renamed = await app.inject({
      method: 'PATCH',
      url: `/api/v1/agents/${ids.agentA}`,
      headers: itA,
      payload: { display_name: 'Serveris pie rūtera' },
    });
    expect(renamed.statusCode).toBe(200);
    expect(renamed.json()).toMatchObject({ display_name: 'Serveris pie rūtera', hostname: 'srv-a' });
    expect((await listing())[0]?.display_name).toBe('Serveris pie rūtera');
  });

  it('refuses a school IT user of school A everything of school B', async () => {
    const attempts = [
      app.inject({ url: `/api/v1/schools/${ids.b}/enrollment-codes`, headers: itA }),
      app.inject({ method: 'POST', url: `/api/v1/schools/${ids.b}/enrollment-codes`, headers: itA }),
      app.inject({
        method: 'POST',
        url: `/api/v1/schools/${ids.b}/enrollment-codes/0123456789abcdef/revoke`,
        headers: itA,
      }),
      app.inject({ url: `/api/v1/schools/${ids.b}/agents`, headers: itA }),
      app.inject({ url: `/api/v1/schools/${ids.b}`, headers: itA }),
      app.inject({ url: `/api/v1/schools/${ids.b}/coverage`, headers: itA }),
      app.inject({
        method: 'PATCH',
        url: `/api/v1/agents/${ids.agentB}`,
        headers: itA,
        payload: { display_name: 'x' },
      }),
      app.inject({ method: 'POST', url: `/api/v1/agents/${ids.agentB}/revoke`, headers: itA }),
      app.inject({ method: 'PUT', url: `/api/v1/agents/${ids.agentB}/config`, headers: itA, payload: {} }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect([403, 404]).toContain(res.statusCode);
    }
    // Nothing of B changed.
    expect((await store.describeAgent(ids.agentB))?.revoked_at).toBeNull();
    expect(await store.schoolIt.agentNames(ids.b)).toEqual(new Map());
  });
});
