import type { ResultClockLimits } from './result-clock.js';

/**
 * Largest outbox depth an agent may report, in results: 100 times the
 * agent's default outbox cap of 500,000 rows (`SKOLNET_OUTBOX_MAX_ROWS`
 * may raise it), far above any real backlog and far below the 2^53 one
 * agent once reported, which set the fleet-wide gauge to nonsense.
 */
export const MAX_REPORTED_OUTBOX_DEPTH = 50_000_000;

/** Why an agent's outbox report was left out of the fleet-wide gauges. */
export type OutboxReportRefusal = 'depth_out_of_range' | 'oldest_in_future' | 'oldest_before_earliest';

/** An outbox report fit for the gauges, or why it is not. */
export type CheckedOutboxReport =
  { ok: true; depth: number; oldest: Date | undefined } | { ok: false; reason: OutboxReportRefusal };

/**
 * Checks what an agent says of its outbox before it enters the
 * collector-wide gauges (`skolnet_agent_outbox_results`,
 * `skolnet_agent_outbox_oldest_age_seconds`): a depth within
 * {@link MAX_REPORTED_OUTBOX_DEPTH}, and an oldest result dated within the
 * same bounds as a result's own `at` (not ahead of the collector's clock by
 * more than the skew, not before the earliest date). The schema has
 * already checked the shape (a non-negative integer, an RFC 3339 time).
 * Without `limits` (a session built without the result-date check) only
 * the depth is bounded.
 */
export function checkOutboxReport(
  report: { depth: number; oldest_at?: string | undefined },
  now: Date,
  limits: ResultClockLimits | undefined,
): CheckedOutboxReport {
  if (!Number.isSafeInteger(report.depth) || report.depth < 0 || report.depth > MAX_REPORTED_OUTBOX_DEPTH) {
    return { ok: false, reason: 'depth_out_of_range' };
  }
  if (report.oldest_at === undefined) return { ok: true, depth: report.depth, oldest: undefined };
  const oldest = new Date(report.oldest_at);
  if (limits === undefined) return { ok: true, depth: report.depth, oldest };
  if (oldest.getTime() - now.getTime() > limits.maxSkewMs) return { ok: false, reason: 'oldest_in_future' };
  if (oldest.getTime() < limits.earliest.getTime()) return { ok: false, reason: 'oldest_before_earliest' };
  return { ok: true, depth: report.depth, oldest };
}
