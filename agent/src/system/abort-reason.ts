/**
 * The reason `signal` was aborted, as an Error. `AbortSignal.reason` may be
 * any value (`controller.abort('bye')`); callers that reject promises want
 * an Error, so a non-Error reason is wrapped (a string one keeps its text as the message) in the same `AbortError`
 * DOMException `abort()` uses by default. An Error reason is returned as is,
 * so callers can tell their own abort apart by identity.
 */
export function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const message = typeof reason === 'string' ? reason : 'This operation was aborted';
  return new DOMException(message, 'AbortError');
}
