import { uuidv7, type Result } from '@skolnet/shared';

/**
 * `n` valid latency results of one agent, one a minute, oldest first and
 * the newest a minute before `now` (ms): the backlog an agent's outbox holds
 * after an outage. `offsetMs` moves the whole backlog earlier, so several
 * agents' backlogs in one test do not share instants. Synthetic.
 */
export function latencyBacklog(
  agentId: string,
  schoolId: string,
  n: number,
  { now = Date.now(), offsetMs = 0 }: { now?: number; offsetMs?: number } = {},
): Result[] {
  const start = now - n * 60_000 - offsetMs;
  return Array.from({ length: n }, (_, i) => ({
    id: uuidv7(start + i * 60_000),
    agent_id: agentId,
    school_id: schoolId,
    measurement: 'latency',
    fields: { rtt_avg_ms: 10 + (i % 7), loss_pct: 0, sent: 10, received: 10, result: 'success' },
    tags: { target: 'collector' },
    at: new Date(start + i * 60_000).toISOString(),
  }));
}
