/** How one item of a run ended: its own result or its own error, never its neighbours'. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit: items submitted while a run is under way wait and go together in the next run, up to
 * `maxBatch`. When a whole batch waits, a second run starts beside the first, up to `maxRuns` (one
 * transaction each: while one waits on the database, the next is applied); a trickle keeps to one run, so
 * its items still gather into batches. An item submitted to an idle queue runs at once, alone, so a quiet node pays no wait for
 * batching, and a busy one applies what arrived together in one transaction. The caller keeps two items
 * that must not be applied at once (one case's messages) from waiting at the same time.
 */
export class GroupCommit<T, R> {
  private waiting: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  private running = 0;

  constructor(
    private readonly maxBatch: number,
    /** Answers each item in the order given. */
    private readonly run: (items: T[]) => Promise<Settled<R>[]>,
    private readonly maxRuns = 1,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      this.drain();
    });
  }

  /** A run starts when none is under way, or beside one when a whole batch waits (a backlog, not a trickle). */
  private drain(): void {
    while (
      this.waiting.length > 0 &&
      (this.running === 0 || (this.running < this.maxRuns && this.waiting.length >= this.maxBatch))
    ) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.running += 1;
      void this.apply(batch).finally(() => {
        this.running -= 1;
        this.drain();
      });
    }
  }

  private async apply(
    batch: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }>,
  ): Promise<void> {
    let results: Settled<R>[];
    try {
      results = await this.run(batch.map((waiting) => waiting.item));
    } catch (error) {
      results = batch.map(() => ({ ok: false, error }));
    }
    batch.forEach((waiting, i) => {
      const result = results[i] ?? { ok: false, error: new Error('the batch gave no answer for this item') };
      if (result.ok) waiting.resolve(result.value);
      else waiting.reject(result.error);
    });
  }
}
