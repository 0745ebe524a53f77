/**
 * A vendor-acceptance campaign run by a real agent through its own
 * scheduler against a real collector on loopback, over two school days
 * with a night and a weekend between them, ending in a verdict and a
 * signed report.
 *
 * The agent is `skolnet-agent run` (its CLI's `main`, in this process) with
 * the real registry, probes, outbox, stream client and schedule; the
 * collector is `buildApp` listening on a loopback port. Both read one
 * compressed clock (agent/src/runtime/test-clock.ts): it runs 1,500 times
 * faster than real time, so a Friday morning to a Monday noon takes about
 * three minutes, and at real speed while a heavy test runs, so a transfer
 * takes its real seconds, not hours. Nothing is fed to the collector by the
 * test: every result comes from the agent's probes as its scheduler placed
 * them. (The link is loopback, not a shaped namespace link: one clock for
 * two processes in different namespaces would need more machinery than
 * it proves; test/lab/acceptance-lab.test.ts covers the shaped verdicts.)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createCompressedClock, main as agentMain } from '@skolnet/agent';
import {
  DEFAULT_ACCEPTANCE_THRESHOLDS,
  buildApp,
  createChromiumPdfRenderer,
  createSqliteStore,
  type Store,
} from '@skolnet/collector';
import { lessonDay, type AgentConfig, type LessonTimetable } from '@skolnet/shared';
import { createTestAccount, type TestAccount } from '../../collector/src/testing/accounts.js';
import { collectorBin, runToEnd } from '../support/processes.js';
import { commandWorks, missingComponent } from '../support/real-component.js';

/** Clock ms per real ms: 76 hours of school calendar in about three minutes. */
const RATE = 1500;
/** Friday 4 December 2026, 07:30 in Riga (UTC+2): half an hour before the first lesson. */
const FRIDAY_0730 = Date.parse('2026-12-04T05:30:00.000Z');
const HOUR = 3_600_000;
/** The school's timetable: four lesson hours each morning, Monday to Friday. */
const TIMETABLE: LessonTimetable = {
  timezone: 'Europe/Riga',
  days: [1, 2, 3, 4, 5],
  start: '08:00',
  end: '12:00',
};
/** Campaign school days: Friday, then (after the weekend) Monday. */
const SCHOOL_DAYS = 2;
/** Lesson hours in the campaign: one download and one upload test each is what the schedule guarantees. */
const LESSON_HOURS = SCHOOL_DAYS * 4;

const skip = missingComponent(
  'ping',
  commandWorks('ping', ['-c', '1', '-W', '1', '127.0.0.1']),
  'apt-get install iputils-ping',
);

interface StoredResult {
  measurement: string;
  fields: Record<string, unknown>;
  at: string;
}

describe.skipIf(skip)('acceptance campaign run by a real agent on a compressed clock', () => {
  const clock = createCompressedClock(FRIDAY_0730, RATE);
  let dir: string;
  let store: Store;
  let app: FastifyInstance;
  let url = '';
  let planner: TestAccount;
  let vendor: TestAccount;
  const stop = new AbortController();
  let agentRun: Promise<number> | undefined;
  const log: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'skolnet-acceptance-agent-'));
    store = await createSqliteStore(join(dir, 'collector.db'));
    app = buildApp({
      store,
      logger: false,
      dashboardAssets: false,
      config: { now: () => clock.now() },
      acceptance: {
        keyDir: dir,
        pdf: createChromiumPdfRenderer(null),
        // A test in every lesson hour is required for a verdict: fewer leaves it inconclusive.
        thresholds: {
          ...DEFAULT_ACCEPTANCE_THRESHOLDS,
          min_download_tests: LESSON_HOURS,
          min_upload_tests: LESSON_HOURS,
          // Latency every 10 minutes here (below): six an hour.
          min_latency_measurements: LESSON_HOURS * 6 - 4,
        },
      },
    });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    planner = await createTestAccount(store, 'planner');
    vendor = await createTestAccount(store, 'vendor', { vendor: 'SIA Tīkli' });
  }, 60_000);

  afterAll(async () => {
    stop.abort();
    await agentRun?.catch(() => 1);
    await app?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Configuration pushes the agent has applied so far. */
  const applied = (): number => log.join('').match(/applied configuration version \d+/g)?.length ?? 0;

  /** Enrolls and starts the agent, lets its first assessment run, and starts the campaign on a 50/50 Mbit/s contract. */
  async function startCampaign(): Promise<{
    campaign: { id: string; started_at: string; ends_at: string };
    school: { id: string };
    before: AgentConfig;
  }> {
    const school = await store.createSchool({ name: 'Cēsu pamatskola', municipality: 'Cēsis', pupils: 200 });
    // The school's own configuration: its timetable, and a busy threshold no other traffic on this machine reaches.
    const before: AgentConfig = { probes: {}, timetable: TIMETABLE, busy_threshold_mbps: 100_000 };
    await store.setSchoolAgentConfig(school.id, before, clock.now());
    const code = await store.createEnrollmentCode(school.id, HOUR, clock.now());
    const stateDir = join(dir, 'agent');
    const io = { stdout: (t: string) => void log.push(t), stderr: (t: string) => void log.push(t) };
    const enrolled = await agentMain(
      ['enroll', '--collector', url, '--code', code.code, '--state', stateDir],
      io,
      {
        now: () => clock.now(),
      },
    );
    expect(enrolled, log.join('')).toBe(0);

    agentRun = agentMain(
      [
        'run',
        '--state',
        stateDir,
        '--only',
        'throughput,latency',
        // Short transfers on loopback: the test is about where tests go, not how fast loopback is.
        '--set',
        'throughput.duration_s=0.5',
        '--set',
        'throughput.warmup_s=0',
        '--set',
        'throughput.max_bytes=4000000',
        '--set',
        'throughput.loaded_rtt=false',
        '--set',
        'latency.count=1',
        '--set',
        'latency.gateway=off',
        // The command line wins over the campaign's latency every minute: ten minutes keep the ping count low.
        '--interval',
        'latency=600s',
        '--initial-delay',
        '0s',
      ],
      io,
      { compressedClock: clock, stopSignal: stop.signal },
    );
    // The first assessment runs at once (Friday before lessons); then the vendor marks the contract complete.
    await waitFor(() => log.join('').includes('first assessment done'), 60_000, log);

    const contract = await app.inject({
      method: 'POST',
      url: '/api/v1/contracts',
      headers: planner.headers,
      payload: {
        school_id: school.id,
        vendor: 'SIA Tīkli',
        kind: 'internet_line',
        download_max_mbps: 50,
        download_min_mbps: 10,
        upload_max_mbps: 50,
        upload_min_mbps: 10,
        completion_date: '2026-12-01',
        acceptance_window_days: 30,
        campaign_school_days: SCHOOL_DAYS,
      },
    });
    expect(contract.statusCode, contract.body).toBe(201);
    const appliedBefore = applied();
    const started = await app.inject({
      method: 'POST',
      url: `/api/v1/contracts/${contract.json<{ id: string }>().id}/complete`,
      headers: vendor.headers,
    });
    expect(started.statusCode, started.body).toBe(201);
    const campaign = started.json<{ id: string; started_at: string; ends_at: string }>();
    // Friday and Monday, 08:00-12:00 Riga: it ends on Monday after the last lesson.
    expect(campaign.ends_at).toBe('2026-12-07T10:00:00.000Z');
    await waitFor(() => applied() > appliedBefore, 30_000, log);
    return { campaign, school, before };
  }

  it('places a test in every lesson hour of Friday and Monday, none at night or at the weekend, and ends in a signed pass', async () => {
    // Setting up takes real seconds: the clock runs at real speed meanwhile, so the campaign starts before the first lesson.
    const { campaign, school, before } = await clock.atRealSpeed(() => startCampaign());

    // The agent's scheduler runs the campaign; the vendor watches its progress until it ends.
    let progress:
      | { campaign: { status: string; ends_at: string }; verdict: { status: string; failed: string[] } }
      | undefined;
    await waitFor(
      async () => {
        const res = await app.inject({ url: `/api/v1/campaigns/${campaign.id}`, headers: vendor.headers });
        progress = res.json();
        return progress!.campaign.status !== 'running';
      },
      600_000,
      log,
      2000,
    );
    expect(progress!.campaign.status, JSON.stringify(progress)).toBe('pass');

    // Every lesson hour got its download and upload test, or the agent recorded that none was possible
    // (a timer this machine's load delayed past its hour: on this clock a 20 ms stall is 30 s); none ran at
    // night or at the weekend. The verdict's minimum is a test in each of the campaign's lesson hours.
    const from = Date.parse(campaign.started_at);
    // Extended when an hour was lost that way.
    const to = Date.parse(progress!.campaign.ends_at);
    const results = (await store.resultsForScoring(
      school.id,
      new Date(from),
      ['throughput', 'latency', 'schedule_skip'],
      new Date(to),
    )) as StoredResult[];
    const throughput = results.filter((r) => r.measurement === 'throughput');
    const hours = new Set<number>();
    const planned = log
      .join('')
      .split('\n')
      .filter((l) => /probe throughput|not possible/.test(l))
      .join('\n');
    const end = Date.parse(campaign.ends_at);
    for (const r of throughput) {
      // Until the campaign's first end (after it, until an extension's push arrives, the everyday schedule runs).
      if (Date.parse(r.at) < end)
        expect(lessonDay(Date.parse(r.at), TIMETABLE), `throughput at ${r.at}\n${planned}`).toBeDefined();
      if (typeof r.fields['download_mbps'] === 'number' && typeof r.fields['upload_mbps'] === 'number')
        hours.add(Math.floor(Date.parse(r.at) / HOUR));
    }
    expect(hours.size).toBeGreaterThanOrEqual(LESSON_HOURS);
    const closed = new Set(
      results
        .filter((r) => r.measurement === 'schedule_skip' && r.fields['reason'] === 'not_possible')
        .map((r) => Math.floor(Date.parse(r.at) / HOUR)),
    );
    for (let h = Math.ceil(from / HOUR); h * HOUR < to; h += 1) {
      if (lessonDay(h * HOUR, TIMETABLE) === undefined) continue;
      expect(
        hours.has(h) || closed.has(h),
        `lesson hour ${new Date(h * HOUR).toISOString()}\n${planned}`,
      ).toBe(true);
    }
    if (to === end) expect(hours.size, planned).toBe(LESSON_HOURS);
    // The agent was measuring through the night and the weekend all the same (latency runs at any hour).
    const weekend = results.filter((r) => r.measurement === 'latency' && new Date(r.at).getUTCDay() === 6);
    expect(weekend.length).toBeGreaterThan(0);

    // The signed report: the vendor's copy verifies with skolnet-collector verify-report.
    const report = await app.inject({
      url: `/api/v1/campaigns/${campaign.id}/report?lang=en`,
      headers: vendor.headers,
    });
    expect(report.statusCode).toBe(200);
    expect(report.body).toContain('<span class="pass">pass</span>');
    const keyFile = join(dir, 'report-key.json');
    await writeFile(keyFile, (await app.inject('/.well-known/skolnet-report-key')).body);
    const reportFile = join(dir, 'report.html');
    await writeFile(reportFile, report.rawPayload);
    const verified = await runToEnd([collectorBin, 'verify-report', reportFile, '--key', keyFile]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    // The school's configuration is what it was before the campaign.
    expect(await store.acceptance.schoolAgentConfig(school.id)).toEqual(before);
  }, 900_000);
});

/** Polls `check` every `everyMs` real ms until it holds; fails with the agent's log tail after `timeoutMs`. */
async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  log: readonly string[],
  everyMs = 200,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out; agent log:\n${log.join('').slice(-4000)}`);
    await sleep(everyMs);
  }
}
