/**
 * A polite live region. Screen readers announce it when its text changes;
 * pages pass a message derived from what changed (a count, an error), never
 * a timestamp, so a poll that brings the same data announces nothing.
 * The element is always in the page: a live region that appears together
 * with its text is not announced reliably.
 */
export function LiveStatus(props: { message: string; id?: string }) {
  return (
    <p class="status" role="status" id={props.id}>
      {props.message}
    </p>
  );
}
