/** One live agent connection. */
export interface AgentConnection {
  agent_id: string;
  school_id: string;
  /** When the hello was accepted, RFC 3339. */
  connected_at: string;
}

/** Registry of authenticated agent connections, one per app. */
export interface ConnectedAgents {
  /** Registers a connection; call the returned function when it closes. */
  add(connection: AgentConnection): () => void;
  /** Every live connection (an agent may briefly hold two while reconnecting). */
  list(): AgentConnection[];
  /** Number of live connections of agents of a school. */
  countForSchool(schoolId: string): number;
}

/** Creates an empty {@link ConnectedAgents} registry. */
export function createConnectedAgents(): ConnectedAgents {
  const live = new Set<AgentConnection>();
  return {
    add(connection) {
      // The object's identity is the key, so two connections of one agent stay apart.
      const entry = { ...connection };
      live.add(entry);
      return () => {
        live.delete(entry);
      };
    },
    list: () => [...live].map((c) => ({ ...c })),
    countForSchool: (schoolId) => [...live].filter((c) => c.school_id === schoolId).length,
  };
}
