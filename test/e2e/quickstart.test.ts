import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunningProcess, repoRoot } from '../support/processes.js';

/** `npm start` without its build step: the script it runs. */
const startScript = `${repoRoot}scripts/dist/start.js`;

const RIGA = 'Europe/Riga';
const weekdayOf: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/**
 * The latest whole hour before now that Riga's wall clock shows as
 * `hour`:00 on ISO weekday `weekday`: a real past instant, so the
 * collector's seven-day scoring window and its enrollment codes behave as
 * on that day.
 */
function lastRigaHour(weekday: number, hour: number): Date {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone: RIGA,
    weekday: 'short',
    hour: '2-digit',
    hourCycle: 'h23',
  });
  const t = new Date();
  t.setUTCMinutes(0, 0, 0);
  for (let i = 0; i < 24 * 8; i += 1, t.setTime(t.getTime() - 3_600_000)) {
    const parts = Object.fromEntries(format.formatToParts(t).map((p) => [p.type, p.value]));
    if (weekdayOf[parts.weekday ?? ''] === weekday && Number(parts.hour) === hour) return new Date(t);
  }
  throw new Error(`no ${weekday} ${hour}:00 in Riga within eight days`);
}

describe('npm start reaches a numeric score at any hour', () => {
  let dir: string | undefined;
  let start: RunningProcess | undefined;

  afterEach(async () => {
    await start?.stop('SIGTERM', 15_000);
    start = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  // Saturday night is outside the default timetable (Mon-Fri 08:00-16:00
  // Riga); Monday 10:00 is inside it. Neither may keep the first heavy
  // test waiting: someone is looking at the dashboard for a score.
  it.each([
    ['Saturday 23:00', 6, 23],
    ['Monday 10:00', 1, 10],
  ])(
    'at %s Europe/Riga',
    async (_label, weekday, hour) => {
      const at = lastRigaHour(weekday, hour);
      dir = await mkdtemp(join(tmpdir(), 'skolnet-quickstart-'));
      start = new RunningProcess('start', [startScript], {
        PORT: '0',
        HOST: '127.0.0.1',
        SKOLNET_DATA: dir,
        SKOLNET_TEST_CLOCK_START: at.toISOString(),
        // The two probes a score needs; latency to the collector only and
        // short transfers: tests send traffic to loopback alone.
        SKOLNET_AGENT_PROBES: 'latency,throughput',
        SKOLNET_AGENT_SET: 'latency.gateway=off latency.count=3 throughput.duration_s=1 throughput.streams=2',
      });
      const [, score] = await start.waitFor(/"Local school" scored (\d+)/, 90_000);
      expect(Number(score)).toBeGreaterThanOrEqual(0);
      // The first admin's password is shown once, to the person (stderr when
      // stdout is a pipe), never among the log lines on stdout.
      const [, password] = await start.waitFor(/its password \(shown once, keep it\): (\S+)/, 1_000);
      expect(start.stderr).toContain(password);
      expect(start.stdout).not.toContain(password!);
      expect(start.lines.join('\n')).toMatch(/sign in at http:\/\/localhost:\d+\/sign-in/);
      // The agent ran on the injected clock, and said why throughput ran at once.
      expect(start.lines.join('\n')).toContain(`it reads ${at.toISOString().slice(0, 15)}`);
      expect(start.matching(/probe throughput runs now, whatever the timetable says/)).toHaveLength(1);
      // After the first assessment the timetable places the next run, and the log says when and why.
      await start.waitFor(
        /first assessment done: heavy tests \(throughput\) follow the timetable from now on/,
        10_000,
      );
      const next = await start.waitFor(
        /probe throughput next runs at (\S+ \S+) Europe\/Riga \(\w+\), in .+: (.+)$/,
      );
      expect(next[2]).toMatch(/lesson hours/);
    },
    150_000,
  );
});
