import type { Rejection, Result } from '@skolnet/shared/core';

/** Connection state of a stream client. */
export type StreamState = 'connecting' | 'connected' | 'disconnected';

/** What a stream client reports, for logs. Never carries the secret or result contents. */
export type StreamEvent =
  | { type: 'state'; state: 'connecting'; url: string; attempt: number }
  | { type: 'state'; state: 'connected'; school_id: string; max_batch_results: number; outbox_depth: number }
  | { type: 'state'; state: 'disconnected'; reason: string; retry_in_ms?: number }
  | {
      type: 'acked';
      batch_id: string;
      sent: number;
      accepted: number;
      rejected: number;
      /** Results of the batch the ack did not mention; they stay queued and are sent again. */
      unsettled: number;
      outbox_depth: number;
    }
  | { type: 'config'; version: number; applied: boolean; error?: string }
  | { type: 'invalid_message'; code: string; detail: string }
  | { type: 'server_error'; code: string; message: string; batch_id?: string }
  | { type: 'auth_rejected'; message: string }
  /** The agent was revoked: the client has stopped for good. */
  | { type: 'revoked'; message: string }
  /** A secret rotation completed: the new secret is stored and the old one is void. */
  | { type: 'secret_rotated' }
  /** A new secret could not be stored; the old one stays valid and the rotation is retried later. */
  | { type: 'secret_not_stored'; error: string }
  | { type: 'dropped_oversized'; id: string; bytes: number };

/** The part of the outbox the stream client uses. */
export interface StreamOutbox {
  peek(limit: number, maxBytes?: number): Result[];
  settle(accepted: readonly string[], rejected: readonly Rejection[]): unknown;
  depth(): number;
  /**
   * Depth and the `at` of the oldest waiting result, reported to the
   * collector with each batch; without it the batch carries no report.
   */
  stats?(): { depth: number; oldest_at: string | null };
  /** Subscribes to appends; returns the unsubscribe function. */
  onAppend(listener: () => void): () => void;
}
