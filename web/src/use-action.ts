import { useCallback, useState } from 'react';

/**
 * The state of a button or form that calls the API: busy while it runs, the last error,
 * and the success message the action returned (if any). Every page's forms use it, so
 * they disable, report and confirm the same way.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const run = useCallback(async (fn: () => Promise<string | void>) => {
    setBusy(true);
    setError(undefined);
    setDone(null);
    try {
      const message = await fn();
      if (typeof message === 'string') setDone(message);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, done, run };
}
