import type { Accumulator, Probe } from './probe.js';

/**
 * A probe whose implementation is loaded on its first `gather`, not when
 * the registry is imported. The agent runs for months on small school
 * hardware; a probe that never runs on a machine (SNMP on a pupil's laptop,
 * Wi-Fi on a server) then never loads its code or its libraries, and
 * `--help` or option checks load none at all.
 *
 * `load` runs at most once while it succeeds; after a failure (a module
 * missing from a broken install, say) the next `gather` tries again, so
 * the error is reported on every run like any other probe failure.
 */
export function lazyProbe(load: () => Promise<Probe>): Probe {
  let loading: Promise<Probe> | undefined;
  return {
    async gather(acc: Accumulator, signal: AbortSignal): Promise<void> {
      loading ??= load().catch((err: unknown) => {
        loading = undefined;
        throw err;
      });
      const probe = await loading;
      return probe.gather(acc, signal);
    },
  };
}
