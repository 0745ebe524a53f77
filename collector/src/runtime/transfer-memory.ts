import { setFlagsFromString } from 'node:v8';

/**
 * Bytes of the one-off buffer that lifts glibc's trim threshold: 30 MiB,
 * under glibc's ceiling for its dynamic threshold (32 MiB on 64-bit).
 */
const THRESHOLD_PROBE_BYTES = 30 * 1024 * 1024;

/**
 * Tunes a serving collector's memory handling for speed-test uploads,
 * where Node's HTTP parser copies every received piece (up to 64 KiB)
 * into a fresh buffer: a gigabit per second is some 2,000 buffers a
 * second, each freed soon after. Two defaults turn that into wasted CPU,
 * and on a busy 2-core machine into an upload figure that halves from one
 * run to the next:
 *
 * - V8 frees dead buffers on a background thread. When both cores are
 *   busy with the transfer that thread lags, the bytes still counted as
 *   live pass V8's external-memory limit, and V8 answers with a full
 *   mark-compact every few tens of milliseconds. Freeing them on the main
 *   thread, right after each young-generation collection, keeps the count
 *   true (`--no-concurrent-array-buffer-sweeping`).
 * - glibc gives freed memory at the top of the heap back to the kernel
 *   once more than 128 KiB is free there, and the next buffers fault the
 *   same pages in again: on loopback, hundreds of thousands of page faults
 *   per 10 s upload. glibc raises that threshold by itself when a large
 *   block it had mapped is freed, so one 30 MiB buffer made and dropped at
 *   start raises it to 60 MiB for the life of the process.
 *
 * Measured on loopback with 4 upload streams (test/bench/accuracy.bench.ts,
 * docs/methodology.md): collector page faults per run fell from 110,000-
 * 810,000 to about 8,000, and no run fell into repeated mark-compacts.
 * Only `serve` calls this: it changes process-wide settings.
 */
export function tuneForTransfers(): void {
  setFlagsFromString('--no-concurrent-array-buffer-sweeping');
  // Made through Node's allocator (malloc, mapped at this size) and freed at
  // the first young-generation collection, which raises glibc's thresholds.
  // Elsewhere (musl, macOS, Windows) it is just a short-lived buffer.
  Buffer.allocUnsafeSlow(THRESHOLD_PROBE_BYTES);
}
