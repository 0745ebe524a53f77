import { beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, type AgentConfig } from '@skolnet/shared';
import {
  canonicalConfigJson,
  effectiveAgentConfig,
} from '../../collector/src/agents/effective-agent-config.js';
import type { KyselyStore } from '../../collector/src/storage/kysely-store.js';
import type { AgentConfigChange } from '../../collector/src/storage/store.js';
import { describeStores } from './stores.js';

const HOUR_MS = 3_600_000;
const hex = (c: string): string => c.repeat(64);

/** Configuration changes of one school issued at once; on PostgreSQL they run on separate pooled connections. */
const PARALLEL_SCHOOL_SETS = 6;
/** Per-agent overrides issued at once beside them. */
const PARALLEL_OVERRIDES = 4;
/** Rounds of moving an agent while its new school's configuration changes. */
const MOVE_ROUNDS = 10;
/** Hellos at once with one new fingerprint. */
const PARALLEL_HELLOS = 6;

// Roles, revocation, rotation, moves, clone flags and pushed configuration, on every backend.
describeStores('agent identity', (getStore, backend) => {
  let store: KyselyStore;
  let schoolId: string;
  let otherSchoolId: string;

  const enroll = async (
    role?: 'school_server' | 'lab_pc' | 'issued_laptop' | 'router_poller',
    school = schoolId,
  ): Promise<{ agent_id: string; secret: string }> => {
    const { code } = await store.createEnrollmentCode(school, HOUR_MS);
    return store.redeemEnrollmentCode(code, {
      hostname: 'pc',
      agent_version: '0.1.0',
      ...(role ? { role } : {}),
    });
  };

  const rotate = async (id: string, now?: Date, keepMs?: number): Promise<string> => {
    const secret = await store.beginSecretRotation(id, now, keepMs);
    if (secret === undefined) throw new Error('no rotation started');
    return secret;
  };

  beforeEach(async () => {
    store = getStore();
    schoolId = (await store.createSchool({ name: 'Vik skole', municipality: 'Vik', pupils: 100 })).id;
    otherSchoolId = (await store.createSchool({ name: 'Bø skole', municipality: 'Bø', pupils: 50 })).id;
  });

  describe('roles', () => {
    it('defaults to school_server and stores the role the agent gives', async () => {
      const plain = await enroll();
      const laptop = await enroll('issued_laptop');
      expect((await store.findAgent(plain.agent_id))?.role).toBe('school_server');
      expect((await store.findAgent(laptop.agent_id))?.role).toBe('issued_laptop');
    });

    it('holds the agent to the role a code fixes, and leaves the code usable after a mismatch', async () => {
      const issued = await store.createEnrollmentCode(schoolId, HOUR_MS, new Date(), 'lab_pc');
      expect(issued.role).toBe('lab_pc');
      await expect(
        store.redeemEnrollmentCode(issued.code, { hostname: 'x', agent_version: '1', role: 'school_server' }),
      ).rejects.toMatchObject({ code: ErrorCodes.ENROLL_ROLE_MISMATCH });
      const ok = await store.redeemEnrollmentCode(issued.code, {
        hostname: 'x',
        agent_version: '1',
        role: 'lab_pc',
      });
      expect(ok.role).toBe('lab_pc');
      // Without a role of its own the agent takes the code's.
      const fixed = await store.createEnrollmentCode(schoolId, HOUR_MS, new Date(), 'router_poller');
      const taken = await store.redeemEnrollmentCode(fixed.code, { hostname: 'y', agent_version: '1' });
      expect(taken.role).toBe('router_poller');
    });
  });

  describe('revocation', () => {
    it('refuses a revoked agent, telling only a holder of the right secret why', async () => {
      const a = await enroll();
      expect(await store.authenticateAgent(a.agent_id, a.secret)).toMatchObject({ ok: true, rotated: false });
      await store.revokeAgent(a.agent_id);
      expect(await store.authenticateAgent(a.agent_id, a.secret)).toEqual({ ok: false, reason: 'revoked' });
      expect(await store.authenticateAgent(a.agent_id, 'w'.repeat(43))).toEqual({
        ok: false,
        reason: 'unknown',
      });
      expect((await store.describeAgent(a.agent_id))?.revoked_at).not.toBeNull();
      await expect(store.revokeAgent('nope')).rejects.toMatchObject({ code: ErrorCodes.API_NOT_FOUND });
    });
  });

  describe('secret rotation', () => {
    it('accepts old and new secret until the new one is used, then only the new', async () => {
      const a = await enroll();
      const next = await rotate(a.agent_id);
      expect(next).not.toBe(a.secret);
      // The agent may still be running on the old secret (crash before storing the new).
      expect(await store.authenticateAgent(a.agent_id, a.secret)).toMatchObject({ ok: true, rotated: false });
      expect(await store.authenticateAgent(a.agent_id, next)).toMatchObject({ ok: true, rotated: true });
      expect(await store.authenticateAgent(a.agent_id, a.secret)).toEqual({ ok: false, reason: 'unknown' });
      expect(await store.authenticateAgent(a.agent_id, next)).toMatchObject({ ok: true, rotated: false });
      expect((await store.describeAgent(a.agent_id))?.secret_rotated_at).not.toBeNull();
    });

    it("tracks an administrator's request until the rotation completes", async () => {
      const a = await enroll();
      await store.requestSecretRotation(a.agent_id);
      expect((await store.describeAgent(a.agent_id))?.rotation_pending).toBe(true);
      const next = await rotate(a.agent_id);
      await store.authenticateAgent(a.agent_id, next);
      expect((await store.describeAgent(a.agent_id))?.rotation_pending).toBe(false);
    });

    it('keeps a young pending secret when asked to, and replaces an old one', async () => {
      const a = await enroll();
      const t0 = new Date('2026-03-02T08:00:00.000Z');
      const first = await rotate(a.agent_id, t0);
      expect(
        await store.beginSecretRotation(a.agent_id, new Date(t0.getTime() + 60_000), 600_000),
      ).toBeUndefined();
      expect(await store.authenticateAgent(a.agent_id, first)).toMatchObject({ ok: true, rotated: true });
      const second = await rotate(a.agent_id, t0);
      const third = await rotate(a.agent_id, new Date(t0.getTime() + 700_000), 600_000);
      expect(await store.authenticateAgent(a.agent_id, second)).toEqual({ ok: false, reason: 'unknown' });
      expect(await store.authenticateAgent(a.agent_id, third)).toMatchObject({ ok: true, rotated: true });
    });

    it('cannot rotate a revoked agent, and revocation voids a pending secret', async () => {
      const a = await enroll();
      const next = await rotate(a.agent_id);
      await store.revokeAgent(a.agent_id);
      expect(await store.authenticateAgent(a.agent_id, next)).toEqual({ ok: false, reason: 'unknown' });
      await expect(store.beginSecretRotation(a.agent_id)).rejects.toMatchObject({
        code: ErrorCodes.AUTH_REVOKED,
      });
    });
  });

  describe('moves', () => {
    it('moves an agent and remembers where it came from and when', async () => {
      const a = await enroll();
      const at = new Date('2026-03-02T08:00:00.000Z');
      const { agent } = await store.moveAgent(a.agent_id, otherSchoolId, at);
      expect(agent).toMatchObject({
        school_id: otherSchoolId,
        previous_school_id: schoolId,
        moved_at: at.toISOString(),
      });
      expect((await store.listAgents(otherSchoolId)).map((x) => x.id)).toEqual([a.agent_id]);
      expect(await store.listAgents(schoolId)).toEqual([]);
      await expect(store.moveAgent(a.agent_id, otherSchoolId)).rejects.toMatchObject({
        code: ErrorCodes.API_BAD_REQUEST,
      });
      await expect(store.moveAgent(a.agent_id, 'no-such-school')).rejects.toMatchObject({
        code: ErrorCodes.API_NOT_FOUND,
      });
    });
  });

  describe('clone flags', () => {
    it('flags two agents reporting the same machine id (cloned before enrollment)', async () => {
      const a = await enroll();
      const b = await enroll();
      const c = await enroll();
      await store.recordFingerprint(a.agent_id, { machine_id_sha256: hex('a') });
      await store.recordFingerprint(c.agent_id, {
        machine_id_sha256: hex('c'),
        smbios_uuid_sha256: hex('d'),
      });
      const second = await store.recordFingerprint(b.agent_id, { machine_id_sha256: hex('a') });
      expect(second).toEqual({
        new_fingerprint: true,
        flags: ['hardware_shared'],
        shares_hardware_with: [a.agent_id],
      });
      const listed = new Map((await store.listAgents(schoolId)).map((x) => [x.id, x]));
      expect(listed.get(a.agent_id)).toMatchObject({
        flags: ['hardware_shared'],
        shares_hardware_with: [b.agent_id],
      });
      expect(listed.get(c.agent_id)).toMatchObject({ flags: [], shares_hardware_with: [] });
    });

    it('flags one agent seen on two machines (cloned after enrollment), not a hash that appears later', async () => {
      const a = await enroll();
      expect((await store.recordFingerprint(a.agent_id, { machine_id_sha256: hex('1') })).flags).toEqual([]);
      // Same machine, SMBIOS readable now (agent running as root): not a clone.
      const same = await store.recordFingerprint(a.agent_id, {
        machine_id_sha256: hex('1'),
        smbios_uuid_sha256: hex('2'),
      });
      expect(same.flags).toEqual([]);
      // Seen again: nothing new.
      expect(
        (await store.recordFingerprint(a.agent_id, { machine_id_sha256: hex('1') })).new_fingerprint,
      ).toBe(false);
      const other = await store.recordFingerprint(a.agent_id, { machine_id_sha256: hex('3') });
      expect(other).toMatchObject({ new_fingerprint: true, flags: ['credentials_shared'] });
      expect(await store.describeAgent(a.agent_id)).toMatchObject({
        flags: ['credentials_shared'],
        fingerprints_seen: 3,
      });
    });
  });

  describe('remote configuration', () => {
    const schoolConfig: AgentConfig = {
      probes: {
        latency: { interval_s: 300, options: { count: 10, gateway: '10.0.0.1' } },
        dns: { enabled: true },
      },
      data_budget_mb: 500,
    };

    it("versions each agent's configuration, merges its override, and skips unchanged sets", async () => {
      const a = await enroll();
      const b = await enroll();
      const first = await store.setSchoolAgentConfig(schoolId, schoolConfig);
      expect(first.map((c) => [c.agent_id, c.version]).sort()).toEqual(
        [
          [a.agent_id, 1],
          [b.agent_id, 1],
        ].sort(),
      );
      expect(await store.setSchoolAgentConfig(schoolId, schoolConfig)).toEqual([]);
      const over = await store.setAgentConfigOverride(a.agent_id, {
        probes: { latency: { options: { count: 20 } } },
        data_budget_mb: 0,
      });
      expect(over).toEqual([
        {
          agent_id: a.agent_id,
          version: 2,
          config: {
            probes: {
              latency: { interval_s: 300, options: { count: 20, gateway: '10.0.0.1' } },
              dns: { enabled: true },
            },
            data_budget_mb: 0,
          },
        },
      ]);
      // A later school change still reaches both, the override still wins.
      const later = await store.setSchoolAgentConfig(schoolId, { ...schoolConfig, busy_threshold_mbps: 5 });
      const forA = later.find((c) => c.agent_id === a.agent_id);
      expect(forA).toMatchObject({ version: 3, config: { data_budget_mb: 0, busy_threshold_mbps: 5 } });
      expect(later.find((c) => c.agent_id === b.agent_id)?.version).toBe(2);
    });

    it("gives an agent enrolled later its school's configuration, and a moved agent the new school's", async () => {
      await store.setSchoolAgentConfig(schoolId, schoolConfig);
      await store.setSchoolAgentConfig(otherSchoolId, { probes: { http: { enabled: false } } });
      const a = await enroll();
      const row = await store.findAgent(a.agent_id);
      expect(row?.config_version).toBe(1);
      expect(JSON.parse(row?.config_json ?? 'null')).toEqual(schoolConfig);
      const { config } = await store.moveAgent(a.agent_id, otherSchoolId);
      expect(config).toEqual({
        agent_id: a.agent_id,
        version: 2,
        config: { probes: { http: { enabled: false } } },
      });
    });

    it("reads every school's own timetable in one call, not an agent's override", async () => {
      const a = await enroll();
      const timetable = { timezone: 'Europe/Riga', days: [1, 2, 3, 4], start: '17:00', end: '21:00' };
      expect(await store.schoolTimetables()).toEqual(new Map());
      await store.setSchoolAgentConfig(schoolId, { ...schoolConfig, timetable });
      await store.setSchoolAgentConfig(otherSchoolId, schoolConfig);
      await store.setAgentConfigOverride(a.agent_id, {
        probes: {},
        timetable: { ...timetable, start: '08:00' },
      });
      expect(await store.schoolTimetables()).toEqual(new Map([[schoolId, timetable]]));
    });

    it('records acks: applied versions only go up, a failure keeps the error', async () => {
      const a = await enroll();
      await store.setSchoolAgentConfig(schoolId, schoolConfig);
      expect((await store.describeAgent(a.agent_id))?.config).toMatchObject({
        version: 1,
        applied_version: null,
        pending: true,
      });
      await store.recordConfigAck(a.agent_id, { type: 'config_ack', version: 1, applied: true });
      expect((await store.describeAgent(a.agent_id))?.config).toMatchObject({
        version: 1,
        applied_version: 1,
        pending: false,
        error: null,
      });
      await store.setSchoolAgentConfig(schoolId, { probes: {} });
      await store.recordConfigAck(a.agent_id, {
        type: 'config_ack',
        version: 2,
        applied: false,
        error: 'unknown probe option',
      });
      expect((await store.describeAgent(a.agent_id))?.config).toMatchObject({
        version: 2,
        applied_version: 1,
        pending: true,
        error: 'version 2: unknown probe option',
      });
      await expect(store.setSchoolAgentConfig('nope', schoolConfig)).rejects.toMatchObject({
        code: ErrorCodes.API_NOT_FOUND,
      });
    });

    /** What the stored school configuration and override make of an agent, as the store writes it. */
    const expectedConfigJson = async (agentId: string): Promise<string | null> => {
      const [agent] = await backend.query<{ school_id: string }>(
        `select school_id from agents where id = '${agentId}'`,
      );
      const [school] = await backend.query<{ config: string }>(
        `select config from school_agent_configs where school_id = '${agent!.school_id}'`,
      );
      const [override] = await backend.query<{ config: string }>(
        `select config from agent_config_overrides where agent_id = '${agentId}'`,
      );
      const parse = (text: string | undefined): AgentConfig | undefined =>
        text === undefined ? undefined : (JSON.parse(text) as AgentConfig);
      const effective = effectiveAgentConfig(parse(school?.config), parse(override?.config));
      return effective === undefined ? null : canonicalConfigJson(effective);
    };

    it('gives each agent increasing versions without duplicates when one school is configured in parallel', async () => {
      const agents = [await enroll(), await enroll(), await enroll()];
      const [a] = agents;
      const outcomes = await Promise.all([
        ...Array.from({ length: PARALLEL_SCHOOL_SETS }, (_, i) =>
          store.setSchoolAgentConfig(schoolId, { ...schoolConfig, data_budget_mb: 100 + i }),
        ),
        ...Array.from({ length: PARALLEL_OVERRIDES }, (_, i) =>
          store.setAgentConfigOverride(a!.agent_id, { probes: {}, busy_threshold_mbps: 1 + i }),
        ),
      ]);
      const changes: AgentConfigChange[] = outcomes.flat();
      for (const { agent_id } of agents) {
        const mine = changes.filter((c) => c.agent_id === agent_id);
        const versions = mine.map((c) => c.version).sort((x, y) => x - y);
        // Every set changed the configuration, so every set made exactly one new version.
        const sets = PARALLEL_SCHOOL_SETS + (agent_id === a!.agent_id ? PARALLEL_OVERRIDES : 0);
        expect(versions).toEqual(Array.from({ length: sets }, (_, i) => i + 1));
        // The newest version is what is stored, and it is what both stored sources make.
        const row = await store.findAgent(agent_id);
        const newest = mine.find((c) => c.version === sets)!;
        expect(row?.config_version).toBe(sets);
        expect(row?.config_json).toBe(canonicalConfigJson(newest.config));
        expect(row?.config_json).toBe(await expectedConfigJson(agent_id));
      }
    });

    it("gives a moved agent its new school's configuration while that changes at once", async () => {
      const a = await enroll();
      const schools = [schoolId, otherSchoolId];
      for (let round = 0; round < MOVE_ROUNDS; round += 1) {
        const to = schools[(round + 1) % 2]!;
        await Promise.all([
          store.moveAgent(a.agent_id, to),
          store.setSchoolAgentConfig(to, { ...schoolConfig, data_budget_mb: round + 1 }),
        ]);
        const row = await store.findAgent(a.agent_id);
        expect(row?.school_id).toBe(to);
        expect(row?.config_json).toBe(await expectedConfigJson(a.agent_id));
      }
    });
  });

  describe('concurrent hellos', () => {
    it('reports a new fingerprint once when several hellos bring it at once', async () => {
      const a = await enroll();
      const records = await Promise.all(
        Array.from({ length: PARALLEL_HELLOS }, () =>
          store.recordFingerprint(a.agent_id, { machine_id_sha256: hex('e') }),
        ),
      );
      expect(records.filter((r) => r.new_fingerprint)).toHaveLength(1);
      expect((await store.describeAgent(a.agent_id))?.fingerprints_seen).toBe(1);
    });
  });
});
