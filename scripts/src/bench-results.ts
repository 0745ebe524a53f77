import { uuidv7, type Result } from '@skolnet/shared';

/**
 * The `i`-th latency result of a simulated agent, one second apart from
 * `start` (ms): the rows every ingest bench sends and its reference inserts.
 */
export function benchResult(agentId: string, schoolId: string, start: number, i: number): Result {
  return {
    id: uuidv7(start + i * 1000),
    agent_id: agentId,
    school_id: schoolId,
    measurement: 'latency',
    fields: {
      rtt_avg_ms: 10 + (i % 17),
      rtt_min_ms: 8.5,
      rtt_max_ms: 31.2,
      jitter_ms: 1.7,
      loss_pct: i % 50 === 0 ? 10 : 0,
      sent: 10,
      received: 10,
      result: 'success',
    },
    tags: { target: 'collector', host: 'collector.example.lv' },
    at: new Date(start + i * 1000).toISOString(),
  };
}
