import { existsSync } from 'node:fs';
import { ErrorCodes, describeError, isSkolnetError, openSqlite } from '@skolnet/shared/core';
import { LOST_META_PREFIX, droppedByCause } from '../outbox/sqlite-outbox.js';
import { readRecord } from '../runtime/data-budget.js';
import { STATUS_STALE_MS, readStatusFile, type AgentStatus } from '../runtime/status-file.js';
import { monthKey } from '../runtime/timetable.js';
import { createAgentState, type Credentials } from '../state/agent-state.js';
import type { CommandContext } from './command-context.js';
import { EXIT_OK, EXIT_USAGE } from './command-context.js';

/** Exit status of `status` when no agent is running in the state directory (LSB's "program is not running"). */
export const EXIT_NOT_RUNNING = 3;

/** Options of `skolnet-agent status`. */
export interface StatusOptions {
  state?: string;
  json?: boolean;
}

/** The outbox's figures, read from its SQLite file without writing to it. */
interface OutboxFigures {
  depth: number;
  rejected_total: number;
  dropped_total: number;
  /** `dropped_total` by cause: `cap`, `disk_full`, `read_only`, `store_error`. */
  dropped_by_cause: Record<string, number>;
  oldest_at: string | null;
}

/** What `status --json` prints. */
export interface StatusReport {
  running: boolean;
  /** Why the agent is not running, or null. */
  not_running_reason: string | null;
  /** Age of the status file, in s, or null when there is none. */
  status_age_s: number | null;
  agent: { agent_id: string; school_id: string; collector_url: string };
  pid: number | null;
  started_at: string | null;
  connection: AgentStatus['connection'] | null;
  outbox: OutboxFigures | null;
  config_version: number | null;
  /** The acceptance campaign of the agent's effective configuration, or null. */
  campaign: { id: string; ends_at: string } | null;
  timetable: AgentStatus['timetable'] | null;
  budget: AgentStatus['budget'] | null;
  probes: AgentStatus['probes'];
}

function readOutbox(file: string): OutboxFigures | null {
  if (!existsSync(file)) return null;
  const db = openSqlite(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM outbox').get()?.n ?? 0;
    const meta = (key: string): number =>
      db.prepare<[string], { value: number }>('SELECT value FROM meta WHERE key = ?').get(key)?.value ?? 0;
    const oldest =
      db.prepare<[], { at: string }>('SELECT at FROM outbox ORDER BY seq LIMIT 1').get()?.at ?? null;
    return {
      depth: count,
      rejected_total: meta('rejected_total'),
      dropped_total: meta('dropped_total'),
      dropped_by_cause: droppedByCause(
        meta('dropped_total'),
        db
          .prepare<[], { key: string; value: number }>(
            `SELECT key, value FROM meta WHERE key LIKE '${LOST_META_PREFIX}%'`,
          )
          .all(),
      ),
      oldest_at: oldest,
    };
  } finally {
    db.close();
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user (a service account).
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Builds the report from the state directory's files. */
export function statusReport(
  credentials: Credentials,
  status: AgentStatus | undefined,
  outbox: OutboxFigures | null,
  budgetFile: string,
  now: Date,
): StatusReport {
  const age = status ? (now.getTime() - Date.parse(status.written_at)) / 1000 : null;
  let reason: string | null = null;
  if (!status) reason = 'no status file: the agent has not run in this state directory';
  else if (status.stopped_at) reason = `the agent stopped at ${status.stopped_at}`;
  else if ((age ?? 0) * 1000 > STATUS_STALE_MS)
    reason = `the status file is ${formatAge(age ?? 0)} old: the agent is not running (it was killed or crashed)`;
  else if (!pidAlive(status.pid)) reason = `process ${status.pid} is gone`;
  let budget = status?.budget ?? null;
  if (status && budget) {
    // The budget file is the source of the count; the status file may be old.
    const record = readRecord(budgetFile);
    const month = monthKey(now, status.timetable.timezone);
    const used = record && record.month === month ? record.used_bytes : 0;
    budget = { ...budget, month, used_bytes: used, remaining_bytes: Math.max(0, budget.budget_bytes - used) };
  }
  return {
    running: reason === null,
    not_running_reason: reason,
    status_age_s: age === null ? null : Math.round(age * 10) / 10,
    agent: {
      agent_id: credentials.agent_id,
      school_id: credentials.school_id,
      collector_url: credentials.collector_url,
    },
    pid: status?.pid ?? null,
    started_at: status?.started_at ?? null,
    connection: reason === null ? (status?.connection ?? null) : null,
    outbox,
    config_version: status?.config_version ?? null,
    campaign: status?.campaign ?? null,
    timetable: status?.timetable ?? null,
    budget,
    probes: status?.probes ?? {},
  };
}

/** `2 s`, `5 min`, `3 h 4 min`, `2 d 1 h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const DAY_NAMES = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

/** The human-readable report. */
export function formatStatus(r: StatusReport): string {
  const lines: string[] = [];
  const row = (label: string, value: string): void => void lines.push(`${`${label}:`.padEnd(12)} ${value}`);
  row('agent', `${r.agent.agent_id} (school ${r.agent.school_id}), collector ${r.agent.collector_url}`);
  if (r.running)
    row('running', `yes, pid ${r.pid}, since ${r.started_at} (status ${formatAge(r.status_age_s ?? 0)} old)`);
  else
    row('running', `NO: no agent is running (${r.not_running_reason}); what follows is the last known state`);
  if (r.connection) {
    row(
      'connection',
      `${r.connection.state} since ${r.connection.since}${r.connection.detail ? ` (${r.connection.detail})` : ''}`,
    );
  }
  if (r.outbox) {
    row(
      'outbox',
      `${r.outbox.depth} results waiting${r.outbox.oldest_at ? ` (oldest ${r.outbox.oldest_at})` : ''}, ` +
        `${r.outbox.rejected_total} rejected, ${r.outbox.dropped_total} dropped`,
    );
  } else row('outbox', 'none yet');
  row(
    'config',
    r.config_version === null
      ? 'no configuration pushed yet (local settings)'
      : `version ${r.config_version}`,
  );
  if (r.campaign) row('campaign', `${r.campaign.id} until ${r.campaign.ends_at}`);
  if (r.timetable) {
    const t = r.timetable;
    const days = t.days.map((d) => DAY_NAMES[d] ?? String(d)).join(',');
    const share = Math.round((t.outside_share ?? 0.1) * 100);
    row(
      'timetable',
      `${days} ${t.start}-${t.end} ${t.timezone}; ${share} % of heavy tests outside lesson hours`,
    );
  }
  if (r.budget) {
    row(
      'budget',
      `${formatBytes(r.budget.used_bytes)} of ${formatBytes(r.budget.budget_bytes)} used in ${r.budget.month}, ${formatBytes(r.budget.remaining_bytes)} left`,
    );
  }
  const probes = Object.entries(r.probes);
  if (probes.length > 0) {
    lines.push('probes:');
    for (const [name, p] of probes) {
      const last = p.last_run_at
        ? `last ${p.last_run_at} ${p.last_outcome}: ${p.last_detail ?? ''}`
        : 'not run yet';
      const next = r.running && p.next_run_at ? `; next ${p.next_run_at}` : '';
      const every = `every ${formatAge(p.interval_s)}${p.enabled ? '' : ' (paused)'}`;
      lines.push(`  ${name.padEnd(11)} ${every.padEnd(22)} ${last}${next}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `skolnet-agent status`: what the agent in a state directory is doing.
 * Reads the status file the running agent keeps, the outbox (read-only)
 * and the budget file; never prints the secret.
 */
export function runStatusCommand(options: StatusOptions, ctx: CommandContext): number {
  const state = createAgentState({ ...(options.state ? { flag: options.state } : {}), env: ctx.env });
  let credentials: Credentials;
  try {
    credentials = state.readCredentials();
  } catch (err) {
    if (isSkolnetError(err, ErrorCodes.ENROLL_MISSING)) {
      ctx.io.stderr(`not enrolled: no credentials in ${state.dir} (${err.code})\n`);
      return EXIT_USAGE;
    }
    throw err;
  }
  let outbox: OutboxFigures | null = null;
  try {
    outbox = readOutbox(state.outboxFile);
  } catch (err) {
    ctx.io.stderr(`cannot read the outbox ${state.outboxFile}: ${describeError(err)}\n`);
  }
  const report = statusReport(
    credentials,
    readStatusFile(state.statusFile),
    outbox,
    state.budgetFile,
    ctx.now(),
  );
  ctx.io.stdout(options.json ? `${JSON.stringify(report)}\n` : formatStatus(report));
  return report.running ? EXIT_OK : EXIT_NOT_RUNNING;
}
