import { useEffect, useState } from 'react';

export interface Page<T> {
  items: T[];
  next: string | null;
}

export interface Pages<T> {
  /** The rows loaded so far; null before the first page and after clear(). */
  rows: T[] | null;
  next: string | null;
  busy: boolean;
  error: unknown;
  /** The screen's other actions (an export) report in the same place. */
  setError: (error: unknown) => void;
  /** null: the first page again (as on mount); a cursor: the next page, appended. */
  load: (after: string | null) => Promise<void>;
  clear: () => void;
}

/**
 * A cursor-paged list (the first page loaded on mount). `loaded` hears how many rows a page added and how
 * many are shown now, for the screen's announcement.
 */
export function usePages<T>(
  fetchPage: (after: string | null) => Promise<Page<T>>,
  loaded: (added: number, shown: number) => void,
): Pages<T> {
  const [rows, setRows] = useState<T[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  async function load(after: string | null): Promise<void> {
    setBusy(true);
    setError(undefined);
    try {
      const page = await fetchPage(after);
      setRows((previous) => (after && previous ? [...previous, ...page.items] : page.items));
      setNext(page.next);
      loaded(page.items.length, (after && rows ? rows.length : 0) + page.items.length);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  useEffect(() => {
    void load(null);
  }, []);

  const clear = (): void => {
    setRows(null);
    setNext(null);
  };
  return { rows, next, busy, error, setError, load, clear };
}

/**
 * Every row of a paged list route, page after page: for the short lists a screen shows whole (a case's
 * expectations, consents, assessments; accounts), which must not stop at the first page without saying so.
 */
export async function allPages<T>(
  fetchPage: (after: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
): Promise<T[]> {
  const rows: T[] = [];
  let after: string | undefined;
  do {
    const page = await fetchPage(after);
    rows.push(...page.items);
    after = page.nextCursor ?? undefined;
  } while (after);
  return rows;
}
