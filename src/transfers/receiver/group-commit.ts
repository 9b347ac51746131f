/** How one item of a run ended: its own result or its own error, never its neighbours'. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit: items submitted while the runs under way are busy wait and go together in the next run, up to
 * `maxBatch`; at most `maxRuns` runs at a time (one transaction each: while one waits on the database, the
 * next is applied). An item submitted to an idle queue runs at once, alone, so a quiet node pays no wait for
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

  private drain(): void {
    while (this.running < this.maxRuns && this.waiting.length > 0) {
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
