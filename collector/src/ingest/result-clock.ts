/**
 * Default of how far a result's `at` may lie ahead of the collector's
 * clock, in ms: 5 minutes. An NTP-synchronised machine is within a second;
 * 5 minutes leaves room for a school PC whose clock drifted between syncs,
 * while a result from a badly wrong clock (dated days or years ahead) is
 * refused: it would count as the school's latest and enter every score
 * until that date came.
 */
export const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Default earliest `at` accepted: 2020-01-01T00:00:00Z, before any skolnet
 * release. A machine without a working real-time clock boots into 1970
 * (the Unix epoch) or its firmware's build date; its results are not
 * late arrivals but misdated.
 */
export const DEFAULT_EARLIEST_RESULT_AT = new Date('2020-01-01T00:00:00.000Z');

/** How long an agent stays flagged after its last misdated result, in ms: a day, so a daily probe keeps it flagged. */
export const CLOCK_FLAG_KEEP_MS = 24 * 3_600_000;

/** The limits of {@link checkResultTime}. */
export interface ResultClockLimits {
  /** Largest lead of `at` over the collector's clock, in ms. */
  maxSkewMs: number;
  /** Earliest `at` accepted. */
  earliest: Date;
}

/** Why a result's `at` was refused: ahead of the collector's clock, or before the earliest date. */
export type ClockRefusal = 'future' | 'before_earliest';

/** A refused `at`: why, and by how much the agent's clock seems off (ms, positive when ahead). */
export interface ResultTimeRefusal {
  reason: ClockRefusal;
  offset_ms: number;
  message: string;
}

/**
 * Checks a validated result's `at` against the collector's clock. Returns
 * undefined when it is acceptable, else why not with a message for the
 * agent (the rejection's text) that names the field and the limit.
 */
export function checkResultTime(
  at: string,
  now: Date,
  limits: ResultClockLimits,
): ResultTimeRefusal | undefined {
  const atMs = Date.parse(at);
  const offset = atMs - now.getTime();
  if (offset > limits.maxSkewMs) {
    return {
      reason: 'future',
      offset_ms: offset,
      message: `at ${at} is ${Math.round(offset / 1000)} s ahead of the collector's clock (${now.toISOString()}; at most ${Math.round(limits.maxSkewMs / 1000)} s allowed): check the agent machine's clock`,
    };
  }
  if (atMs < limits.earliest.getTime()) {
    return {
      reason: 'before_earliest',
      offset_ms: offset,
      message: `at ${at} is before ${limits.earliest.toISOString()}, the earliest date accepted: check the agent machine's clock`,
    };
  }
  return undefined;
}

/** What the collector saw of one agent's wrong clock. */
export interface AgentClockFlag {
  reason: ClockRefusal;
  /** How far the agent's clock seemed off at its last misdated result, ms (positive: ahead). */
  offset_ms: number;
  /** When the collector last refused a result of this agent for its date, RFC 3339. */
  seen_at: string;
}

/**
 * Agents whose results came with a badly wrong date, for the admin agent
 * listing and `/metrics`. Kept in memory for {@link CLOCK_FLAG_KEEP_MS}
 * after the last such result: an agent with a wrong clock keeps sending
 * misdated results, so after a restart it is flagged again by its next
 * batch, and one whose clock was fixed drops out by itself.
 */
export interface AgentClocks {
  /** Records a misdated result of an agent. */
  record(agentId: string, refusal: ResultTimeRefusal, now: Date): void;
  /** The agent's flag, if a misdated result came within the keep period. */
  get(agentId: string, now: Date): AgentClockFlag | undefined;
  /** Agents flagged within the keep period. */
  count(now: Date): number;
}

/** Creates an empty {@link AgentClocks}. */
export function createAgentClocks(keepMs: number = CLOCK_FLAG_KEEP_MS): AgentClocks {
  const flags = new Map<string, AgentClockFlag & { seenMs: number }>();
  const prune = (now: Date): void => {
    for (const [id, flag] of flags) if (now.getTime() - flag.seenMs > keepMs) flags.delete(id);
  };
  return {
    record(agentId, refusal, now) {
      flags.set(agentId, {
        reason: refusal.reason,
        offset_ms: refusal.offset_ms,
        seen_at: now.toISOString(),
        seenMs: now.getTime(),
      });
    },
    get(agentId, now) {
      prune(now);
      const flag = flags.get(agentId);
      return flag === undefined
        ? undefined
        : { reason: flag.reason, offset_ms: flag.offset_ms, seen_at: flag.seen_at };
    },
    count(now) {
      prune(now);
      return flags.size;
    },
  };
}
