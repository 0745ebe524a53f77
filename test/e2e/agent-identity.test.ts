import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_FILE, createSqliteStore, startCollector, type RunningCollector } from '@skolnet/collector';
import { createAdminToken } from '../support/collector.js';
import { enrollAgent } from '../support/enrollment.js';
import { missingComponent } from '../support/real-component.js';
import { RunningProcess, agentBin } from '../support/processes.js';

const TEST_TIMEOUT_MS = 180_000;
/** Agents on one machine share its machine id; without one there is nothing to flag. */
const noMachineId = missingComponent(
  'a machine id',
  existsSync('/etc/machine-id') || existsSync('/var/lib/dbus/machine-id'),
  'systemd-machine-id-setup',
);

interface Listed {
  id: string;
  role: string;
  hostname: string;
  flags: string[];
  revoked_at: string | null;
  config: { version: number; applied_version: number | null };
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

describe('agent identity: a real collector and real agent processes', () => {
  let dir: string;
  let collector: RunningCollector | undefined;
  const agents: RunningProcess[] = [];
  let port = 0;
  let token = '';
  const dataDir = (): string => join(dir, 'collector');

  const api = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${collector!.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const parsed = (await res.json()) as T;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(parsed)}`);
    return parsed;
  };
  const listAgents = async (schoolId: string): Promise<Listed[]> =>
    (await api<{ agents: Listed[] }>('GET', `/api/v1/schools/${schoolId}/agents`)).agents;

  const enroll = async (schoolId: string, name: string, role: string): Promise<string> => {
    const { stdout } = await enrollAgent(collector!.url, token, join(dir, name), ['--role', role], {
      schoolId,
    });
    return /enrolled as agent (\S+)/.exec(stdout)![1]!;
  };
  const run = (name: string): RunningProcess => {
    const agent = new RunningProcess(name, [
      agentBin,
      'run',
      '--state',
      join(dir, name),
      '--only',
      'host',
      '--interval',
      'host=2s',
      '--initial-delay',
      '0s',
    ]);
    agents.push(agent);
    return agent;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-identity-'));
    collector = await startCollector({ host: '127.0.0.1', port: 0, dataDir: dataDir(), quiet: true });
    port = Number(new URL(collector.url).port);
    token = await createAdminToken(collector);
  });

  afterAll(async () => {
    for (const agent of agents) await agent.stop('SIGKILL');
    await collector?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(
    'flags clones, pushes configuration, revokes for good, and moves an agent keeping its queued results',
    async () => {
      const school = await api<{ id: string }>('POST', '/api/v1/schools', {
        name: 'Nordvik skole',
        municipality: 'Rīga',
        pupils: 200,
      });
      const other = await api<{ id: string }>('POST', '/api/v1/schools', {
        name: 'Sørvik skole',
        municipality: 'Liepāja',
        pupils: 80,
      });
      const labId = await enroll(school.id, 'lab', 'lab_pc');
      const laptopId = await enroll(school.id, 'laptop', 'issued_laptop');

      const lab = run('lab');
      const laptop = run('laptop');
      await lab.waitFor(/connected to the collector/);
      await laptop.waitFor(/connected to the collector/);

      // Roles, and the laptop's pseudonym instead of its hostname.
      const listed = new Map((await listAgents(school.id)).map((a) => [a.id, a]));
      expect(listed.get(labId)).toMatchObject({ role: 'lab_pc', hostname: hostname() });
      expect(listed.get(laptopId)?.role).toBe('issued_laptop');
      expect(listed.get(laptopId)?.hostname).toMatch(/^laptop-[0-9a-f]{10}$/);

      // Both run on this one machine: the same machine id, as on a cloned image.
      if (!noMachineId) {
        const flagged = await until('both agents flagged', async () => {
          const all = await listAgents(school.id);
          return all.every((a) => a.flags.includes('hardware_shared')) ? all : undefined;
        });
        expect(flagged).toHaveLength(2);
      }

      // A configuration set by the administrator reaches both running agents and their acks are recorded.
      const set = await api<{ changed: { pushed: boolean }[] }>(
        'PUT',
        `/api/v1/schools/${school.id}/agent-config`,
        { probes: { host: { enabled: true } } },
      );
      expect(set.changed.map((c) => c.pushed)).toEqual([true, true]);
      await lab.waitFor(/applied configuration version 1/);
      await until('acks recorded', async () => {
        const all = await listAgents(school.id);
        return all.every((a) => a.config.applied_version === 1) ? true : undefined;
      });

      // Revocation: the stream closes at once, the agent stops and says how to come back.
      const laptopSecret = (
        JSON.parse(readFileSync(join(dir, 'laptop', 'credentials.json'), 'utf8')) as { secret: string }
      ).secret;
      await api('POST', `/api/v1/agents/${laptopId}/revoke`);
      const exited = await Promise.race([laptop.exited, sleep(30_000).then(() => undefined)]);
      expect(exited?.code, laptop.stderr).toBe(2);
      expect(laptop.stderr).toMatch(/SKOLNET_AUTH_REVOKED/);
      expect(laptop.stderr).toMatch(/skolnet-agent enroll --collector/);
      expect(laptop.stderr).not.toContain(laptopSecret);
      const connects = laptop.matching(/connecting to /).length;
      expect(connects).toBe(1);

      // A move while the agent cannot reach the collector: it keeps measuring into its outbox.
      const store = collector!.store;
      await until('results of the lab agent', async () =>
        (await store.countResults({ agentId: labId })) > 0 ? true : undefined,
      );
      await collector!.close();
      collector = undefined;
      await lab.waitFor(/disconnected:/);
      const doneBefore = lab.matching(/probe host done/).length;
      await until('results queued while offline', () =>
        Promise.resolve(lab.matching(/probe host done/).length >= doneBefore + 2 ? true : undefined),
      );
      const offline = await createSqliteStore(join(dataDir(), DATABASE_FILE));
      const movedAt = new Date();
      await offline.moveAgent(labId, other.id, movedAt);
      await offline.close();

      collector = await startCollector({ host: '127.0.0.1', port, dataDir: dataDir(), quiet: true });
      await lab.waitFor(new RegExp(`now belongs to school ${other.id}`));
      const restarted = collector.store;
      const since = new Date(0);
      const inOld = await until('queued results kept under the old school', async () => {
        const rows = (await restarted.resultsForScoring(school.id, since)).filter(
          (r) => r.agent_id === labId,
        );
        return rows.some((r) => Date.parse(r.received_at) >= movedAt.getTime()) ? rows : undefined;
      });
      const inNew = await until('new results under the new school', async () => {
        const rows = await restarted.resultsForScoring(other.id, since);
        return rows.length > 0 ? rows : undefined;
      });
      expect(inOld.every((r) => Date.parse(r.at) < movedAt.getTime())).toBe(true);
      expect(inNew.every((r) => r.agent_id === labId && Date.parse(r.at) >= movedAt.getTime())).toBe(true);
      const creds = JSON.parse(readFileSync(join(dir, 'lab', 'credentials.json'), 'utf8')) as {
        school_id: string;
      };
      expect(creds.school_id).toBe(other.id);
    },
    TEST_TIMEOUT_MS,
  );
});
