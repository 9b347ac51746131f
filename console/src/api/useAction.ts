import { useState } from 'react';

export interface Action {
  busy: boolean;
  /** The last failure, for <Problem> and the form's field errors. */
  error: unknown;
  setError: (error: unknown) => void;
  /** Runs `action` with the screen busy, the last failure cleared first and a new one kept. */
  run: (action: () => Promise<void>) => Promise<void>;
}

/** What a form's submit does around its API call: busy while it runs, its failure kept to be shown. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return { busy, error, setError, run };
}
