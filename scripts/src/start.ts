/**
 * `npm start`: the whole of skolnet on one machine, for a first look.
 *
 * Starts the collector on the embedded SQLite store, creates the first
 * admin account when there is none (printing its password once and how to
 * sign in), creates "Local school"
 * when there is no school yet, enrolls a local agent for it (once; the
 * credentials stay in the data directory), starts the agent as its own
 * process with `--assess-now`, so its first assessment runs every probe at
 * once whatever the timetable says, and prints the dashboard URL. Ctrl-C
 * stops the agent, then the collector.
 *
 * Environment: PORT (8080), HOST (127.0.0.1), SKOLNET_DATA (./data),
 * SKOLNET_LOCAL_PUPILS (pupils of the local school, 300),
 * SKOLNET_ADMIN_EMAIL (the first admin's sign-in name, admin@localhost),
 * SKOLNET_AGENT_PROBES (probes the local agent runs, all by default),
 * SKOLNET_AGENT_SET (space-separated probe options for the local agent,
 * e.g. `latency.gateway=off throughput.duration_s=5`).
 * For tests only, SKOLNET_TEST_CLOCK_START sets the clock of the collector
 * and (inherited) of the agent, e.g. to a Saturday night.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testClockFromEnv } from '@skolnet/agent';
import { credentialWriter, generatePassword, startCollector } from '@skolnet/collector';
import { describeError } from '@skolnet/shared';

const root = fileURLToPath(new URL('../../', import.meta.url));
const agentBin = resolve(root, 'agent/bin/skolnet-agent.js');

const LOCAL_SCHOOL = 'Local school';
/** How long to wait for the first score before saying so, in ms (the issue's promise: two minutes). */
const FIRST_SCORE_WAIT_MS = 120_000;
/** How often to look for the first score, in ms. */
const SCORE_POLL_MS = 2_000;

function log(message: string): void {
  process.stdout.write(`skolnet: ${message}\n`);
}

function parsePort(text: string | undefined): number {
  const port = Number(text ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be an integer 0-65535, got "${text}"`);
  }
  return port;
}

/** Runs the agent CLI to completion with inherited output; resolves its exit code. */
function runAgent(args: string[]): Promise<number | null> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [agentBin, ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', fail);
    child.on('exit', (code) => done(code));
  });
}

/** Prefixes each line of a child's stream, so agent and collector output stay apart. */
function prefixLines(stream: NodeJS.ReadableStream | null, prefix: string): void {
  let buf = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      process.stdout.write(`${prefix}${buf.slice(0, nl)}\n`);
      buf = buf.slice(nl + 1);
    }
  });
}

async function main(): Promise<void> {
  const host = process.env.HOST ?? '127.0.0.1';
  const port = parsePort(process.env.PORT);
  const dataDir = resolve(process.env.SKOLNET_DATA ?? 'data');
  const pupils = Number(process.env.SKOLNET_LOCAL_PUPILS ?? 300);
  const agentState = resolve(dataDir, 'agent');
  const clock = testClockFromEnv(process.env);

  const collector = await startCollector({
    host,
    port,
    dataDir,
    quiet: true,
    ...(clock ? { config: { now: clock } } : {}),
  }).catch((err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new Error(
        `port ${port} on ${host} is in use; stop what uses it or run with PORT=8081 npm start`,
        {
          cause: err,
        },
      );
    }
    throw err;
  });
  const url = collector.url;
  log(`collector listening on ${url} (data in ${dataDir})`);
  const signIn = `${url.replace('127.0.0.1', 'localhost')}/sign-in`;
  if (collector.needsFirstAdmin) {
    const email = process.env.SKOLNET_ADMIN_EMAIL ?? 'admin@localhost';
    const password = generatePassword();
    await collector.accounts.createUser({ email, role: 'admin', password }, { label: 'npm start' });
    // On the terminal, not among the agent's log lines on stdout.
    const show = credentialWriter();
    if (show)
      show(`skolnet: created the admin account ${email}; its password (shown once, keep it): ${password}`);
    else log(`created the admin account ${email}; its password is not shown (this output is a log)`);
    log(
      `sign in at ${signIn} (a lost password: skolnet-collector user reset-password --email ${email} --data ${dataDir})`,
    );
  } else {
    log(`sign in at ${signIn}; accounts: skolnet-collector user list --data ${dataDir}`);
  }

  // Filled once the agent runs; the stop handler must exist before that.
  const running: { agent?: ChildProcess } = {};
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    const { agent } = running;
    if (agent && agent.exitCode === null) {
      const exited = new Promise((r) => agent.once('exit', r));
      agent.kill('SIGTERM');
      const timer = setTimeout(() => agent.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await collector.close();
    log('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  let school = (await collector.store.listSchools()).find((s) => s.name === LOCAL_SCHOOL);
  if (!school) {
    school = await collector.store.createSchool({ name: LOCAL_SCHOOL, municipality: 'Local', pupils });
    log(`created school "${LOCAL_SCHOOL}" (${pupils} pupils)`);
  }

  if (!existsSync(resolve(agentState, 'credentials.json'))) {
    const { code } = await collector.store.createEnrollmentCode(school.id, 10 * 60 * 1000);
    const status = await runAgent(['enroll', '--collector', url, '--code', code, '--state', agentState]);
    if (status !== 0) throw new Error(`the local agent could not enroll (exit ${status})`);
  }

  // --assess-now: someone is waiting for the score, whatever hour it is.
  const runArgs = ['run', '--state', agentState, '--initial-delay', '0s', '--assess-now'];
  if (process.env.SKOLNET_AGENT_PROBES) runArgs.push('--only', process.env.SKOLNET_AGENT_PROBES);
  for (const setting of (process.env.SKOLNET_AGENT_SET ?? '').split(/\s+/).filter(Boolean)) {
    runArgs.push('--set', setting);
  }
  const agent = spawn(process.execPath, [agentBin, ...runArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  running.agent = agent;
  prefixLines(agent.stdout, '[agent] ');
  prefixLines(agent.stderr, '[agent] ');
  agent.on('exit', (code, signal) => {
    if (!stopping) log(`the local agent exited (${signal ?? `code ${code}`}); the collector keeps running`);
  });

  const dashboard = url.replace('127.0.0.1', 'localhost');
  log(`dashboard: ${dashboard}/  (first assessment running; Ctrl-C stops)`);

  const schoolId = school.id;
  const deadline = Date.now() + FIRST_SCORE_WAIT_MS;
  const poll = async (): Promise<void> => {
    if (stopping) return;
    const scored = (await collector.schoolSummaries()).find((s) => s.id === schoolId);
    if (scored && scored.score !== null) {
      log(`"${scored.name}" scored ${Math.round(scored.score)} (${scored.band}) — see ${dashboard}/`);
      return;
    }
    if (Date.now() > deadline) {
      log('no score yet after two minutes: check the agent lines above');
      return;
    }
    setTimeout(() => void poll().catch(pollFailed), SCORE_POLL_MS);
  };
  // A failed look for the score is said and tried again; it must never take
  // the collector and the agent down with it.
  const pollFailed = (err: unknown): void => {
    log(`could not read the score yet: ${describeError(err)}`);
    if (!stopping && Date.now() <= deadline) setTimeout(() => void poll().catch(pollFailed), SCORE_POLL_MS);
  };
  void poll().catch(pollFailed);
}

main().catch((err: unknown) => {
  process.stderr.write(`skolnet: cannot start: ${describeError(err)}\n`);
  process.exit(1);
});
