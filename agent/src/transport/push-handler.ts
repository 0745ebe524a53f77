import type {
  CollectorMessage,
  ConfigAck,
  ConfigOffer,
  ConfigPush,
  SecretAck,
  SecretPush,
} from '@skolnet/shared/core';
import {
  ErrorCodes,
  SkolnetError,
  configPushValidator,
  describeError,
  formatIssues,
} from '@skolnet/shared/core';
import type { StreamEvent } from './stream-events.js';
import type { StreamSocket } from './stream-socket.js';

/** What the push handler needs of the connection: to answer, and to close it. */
export type PushReplies = Pick<StreamSocket, 'sendIfOpen' | 'close'>;

/** Options of {@link handlePush}; the stream client's options carry the callbacks. */
export interface PushHandlerOptions {
  /**
   * Applies a pushed configuration; a throw makes the ack say `applied: false`
   * with the error message. Without it, pushes are acked as applied.
   */
  onConfig?: (push: ConfigPush) => void | Promise<void>;
  /**
   * Stores a new secret durably (atomically) before the client proves it
   * to the collector; a throw leaves the old secret in force.
   */
  onSecret?: (secret: string) => void | Promise<void>;
  /** Receives `config`, `secret_rotated`, `secret_not_stored`, `revoked`, `auth_rejected`, `server_error` and `invalid_message`. */
  emit: (event: StreamEvent) => void;
}

/** What a handled message means for the connection: the agent was revoked, or its credentials refused. */
export type PushVerdict = 'revoked' | 'auth_rejected' | undefined;

/**
 * Handles a message the collector sent on its own, whatever the stream is
 * doing: configuration pushes (checked against the allow-listed schema,
 * applied, acked), the secret of a rotation (stored, then proved), errors
 * (a revocation or refused credentials close the connection) and stray
 * messages (reported). The configuration and secret replies go out once
 * their callbacks have settled; the verdict is known at once.
 */
export function handlePush(
  socket: PushReplies,
  message: CollectorMessage,
  o: PushHandlerOptions,
): PushVerdict {
  switch (message.type) {
    case 'config':
      void applyConfig(socket, message, o);
      return undefined;
    case 'secret':
      void storeSecret(socket, message, o);
      return undefined;
    case 'secret_confirmed':
      o.emit({ type: 'secret_rotated' });
      return undefined;
    case 'error':
      if (message.code === ErrorCodes.AUTH_REVOKED) {
        o.emit({ type: 'revoked', message: message.message.slice(0, 200) });
        socket.close(1000, 'agent revoked');
        return 'revoked';
      }
      if (message.code === ErrorCodes.AUTH_UNAUTHORIZED) {
        o.emit({ type: 'auth_rejected', message: message.message.slice(0, 200) });
        socket.close(1000, 'credentials rejected');
        return 'auth_rejected';
      }
      o.emit({
        type: 'server_error',
        code: message.code.slice(0, 64),
        message: message.message.slice(0, 200),
        ...(message.batch_id ? { batch_id: message.batch_id } : {}),
      });
      return undefined;
    default:
      o.emit({
        type: 'invalid_message',
        code: ErrorCodes.PROTOCOL_UNEXPECTED,
        detail: `unexpected ${message.type}${message.type === 'ack' ? ` for batch ${message.batch_id}` : ''}`,
      });
      return undefined;
  }
}

/**
 * Second half of a rotation on this side: store the new secret (the
 * caller writes it atomically), and only then prove it to the collector,
 * which from then on refuses the old one. A crash before the store keeps
 * the old secret working; a crash after it finds the new one on disk.
 */
async function storeSecret(socket: PushReplies, push: SecretPush, o: PushHandlerOptions): Promise<void> {
  try {
    await o.onSecret?.(push.secret);
  } catch (err) {
    o.emit({ type: 'secret_not_stored', error: describeError(err).slice(0, 200) });
    return;
  }
  if (!o.onSecret) return;
  const ack: SecretAck = { type: 'secret_ack', secret: push.secret };
  socket.sendIfOpen(ack);
}

async function applyConfig(socket: PushReplies, offer: ConfigOffer, o: PushHandlerOptions): Promise<void> {
  const reply: ConfigAck = { type: 'config_ack', version: offer.version, applied: true };
  try {
    // Checked here against the allow-listed schema, so a push with a
    // setting only the local configuration may hold (a program to run)
    // is refused and the refusal, with the path, goes back to the collector.
    const checked = configPushValidator.check(offer);
    if (!checked.ok)
      throw new SkolnetError(
        ErrorCodes.CONFIG_INVALID,
        `configuration version ${offer.version} refused: ${formatIssues(checked.issues)}`,
      );
    await o.onConfig?.(checked.value);
  } catch (err) {
    reply.applied = false;
    reply.error = describeError(err).slice(0, 1024);
  }
  o.emit({
    type: 'config',
    version: offer.version,
    applied: reply.applied,
    ...(reply.error ? { error: reply.error } : {}),
  });
  socket.sendIfOpen(reply);
}
