import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** A request's state as a page shows it. */
export interface ApiState<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

/**
 * Runs `load` when `deps` change (and every `pollMs` when given) and keeps
 * the last good answer on screen while a new one loads or when a poll
 * fails. An answer to an older request never overwrites a newer one.
 */
export function useApi<T>(load: () => Promise<T>, deps: readonly unknown[], pollMs?: number): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const run = useCallback(() => {
    const mine = ++generation.current;
    setLoading(true);
    load().then(
      (value) => {
        if (mine !== generation.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== generation.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, deps);
  useEffect(() => {
    run();
    if (pollMs === undefined) return undefined;
    const timer = setInterval(run, pollMs);
    return () => clearInterval(timer);
  }, [run, pollMs]);
  return { data, error, loading, reload: run };
}
