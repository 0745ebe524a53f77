import type { HardwareFingerprint, Hello, Welcome } from '@skolnet/shared/core';
import { AgentCapabilities, PROTOCOL_VERSION } from '@skolnet/shared/core';
import type { StreamOutbox } from './stream-events.js';
import type { StreamSocket } from './stream-socket.js';

/** What the agent says in `hello`; the stream client's options carry all of it. */
export interface HelloSource {
  agentId: string;
  /** A function is asked on every connection, so a secret rotated by another process is picked up. */
  secret: string | (() => string);
  agentVersion: string;
  outbox: Pick<StreamOutbox, 'depth'>;
  /** Version of the configuration in force. */
  configVersion?: () => number | undefined;
  /** The hardware fingerprint; a failure to read it leaves it out of `hello`. */
  fingerprint?: () => Promise<HardwareFingerprint | undefined>;
}

/** How the handshake ended: welcomed, or the connection is closed and `reason` says why. */
export type HandshakeOutcome = { ok: true; welcome: Welcome } | { ok: false; reason: string };

/**
 * The first exchange on an open connection: `hello` with the agent's
 * credentials and state, then the collector's `welcome` within
 * `welcomeTimeoutMs`. On any other ending the connection is closed (a
 * missing welcome ends it) before this resolves, so the caller only
 * records the reason.
 */
export async function streamHandshake(
  socket: StreamSocket,
  source: HelloSource,
  welcomeTimeoutMs: number,
): Promise<HandshakeOutcome> {
  const secret = typeof source.secret === 'function' ? source.secret() : source.secret;
  const hello: Hello = {
    type: 'hello',
    protocol: PROTOCOL_VERSION,
    agent_id: source.agentId,
    secret,
    agent_version: source.agentVersion,
    outbox_depth: source.outbox.depth(),
    // The collector pushes the campaign marker only to agents that say they take it.
    capabilities: [AgentCapabilities.campaign],
  };
  const configVersion = source.configVersion?.();
  if (configVersion !== undefined) hello.config_version = configVersion;
  const fingerprint = await source.fingerprint?.().catch(() => undefined);
  if (fingerprint !== undefined) hello.fingerprint = fingerprint;
  // Reading the fingerprint awaited; the socket may have closed meanwhile.
  if (!socket.isOpen) {
    await socket.closed;
    return { ok: false, reason: socket.closeReason ?? 'closed before hello' };
  }
  socket.send(hello);

  const welcomed = await socket.next((m): m is Welcome => m.type === 'welcome', welcomeTimeoutMs);
  if (welcomed.kind === 'message') return { ok: true, welcome: welcomed.message };
  if (welcomed.kind === 'timeout') socket.terminate('no welcome from the collector in time');
  await socket.closed;
  return { ok: false, reason: socket.closeReason ?? 'closed before welcome' };
}
