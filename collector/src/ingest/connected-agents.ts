import type { AgentConfig } from '@skolnet/shared';

/** Something an administrator changed that a live session of the agent must act on. */
export type AgentNotice =
  /** Close the connection at once; the agent may not come back. */
  | { type: 'revoked' }
  /** The agent now belongs to another school: reconnect so the welcome tells it. */
  | { type: 'moved'; school_id: string }
  /** Push this configuration. */
  | { type: 'config'; version: number; config: AgentConfig }
  /** Start a secret rotation now. */
  | { type: 'rotate_secret' };

/** One live agent connection. */
export interface AgentConnection {
  agent_id: string;
  school_id: string;
  /** When the hello was accepted, RFC 3339. */
  connected_at: string;
  /** Hands a notice to the session that owns the connection. */
  notify?: (notice: AgentNotice) => void;
  /**
   * The agent did not announce the `campaign` capability in its hello: it
   * gets a campaign's settings without the marker, so it cannot schedule
   * the campaign's tests ("agent too old for campaign scheduling").
   */
  campaign_unsupported?: boolean;
}

/** The last outbox an agent reported (hello or batch), as its school IT page shows it. */
export interface OutboxReport {
  /** Results waiting in the agent's outbox. */
  depth: number;
  /** When the oldest of them was measured, RFC 3339; null when unknown or empty. */
  oldest_at: string | null;
  /** When the agent reported it, RFC 3339. */
  reported_at: string;
}

/** Registry of authenticated agent connections, one per app. */
export interface ConnectedAgents {
  /** Keeps an agent's latest outbox report (in memory: a restart forgets it until the next report). */
  reportOutbox(agentId: string, report: OutboxReport): void;
  /** The agent's latest outbox report in this process, or undefined. */
  outboxOf(agentId: string): OutboxReport | undefined;
  /** Registers a connection; call the returned function when it closes. */
  add(connection: AgentConnection): () => void;
  /** Every live connection (an agent may briefly hold two while reconnecting). */
  list(): AgentConnection[];
  /** Number of live connections of agents of a school. */
  countForSchool(schoolId: string): number;
  /** Hands a notice to every live connection of an agent; returns how many there were. */
  notify(agentId: string, notice: AgentNotice): number;
}

/** Creates an empty {@link ConnectedAgents} registry. */
export function createConnectedAgents(): ConnectedAgents {
  const live = new Set<AgentConnection>();
  const outboxes = new Map<string, OutboxReport>();
  return {
    reportOutbox(agentId, report) {
      outboxes.set(agentId, report);
    },
    outboxOf: (agentId) => outboxes.get(agentId),
    add(connection) {
      // The object's identity is the key, so two connections of one agent stay apart.
      const entry = { ...connection };
      live.add(entry);
      return () => {
        live.delete(entry);
      };
    },
    list: () =>
      [...live].map(({ agent_id, school_id, connected_at, campaign_unsupported }) => ({
        agent_id,
        school_id,
        connected_at,
        ...(campaign_unsupported === undefined ? {} : { campaign_unsupported }),
      })),
    countForSchool: (schoolId) => [...live].filter((c) => c.school_id === schoolId).length,
    notify(agentId, notice) {
      let count = 0;
      for (const c of [...live]) {
        if (c.agent_id !== agentId) continue;
        count += 1;
        c.notify?.(notice);
      }
      return count;
    },
  };
}
