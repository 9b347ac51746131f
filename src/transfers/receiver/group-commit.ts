/** How one item of a run ended: its own result or its own error, never its neighbours'. */
export type Settled<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Group commit: items submitted while a run is under way wait and go together in the next run, up to
 * `maxBatch`; one run at a time. An item submitted to an idle queue runs at once, alone, so a quiet node pays
 * no wait for batching, and a busy one applies what arrived together in one transaction.
 */
export class GroupCommit<T, R> {
  private waiting: Array<{ item: T; resolve: (value: R) => void; reject: (error: unknown) => void }> = [];
  private running = false;

  constructor(
    private readonly maxBatch: number,
    /** Answers each item in the order given. */
    private readonly run: (items: T[]) => Promise<Settled<R>[]>,
  ) {}

  submit(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        let results: Settled<R>[];
        try {
          results = await this.run(batch.map((waiting) => waiting.item));
        } catch (error) {
          results = batch.map(() => ({ ok: false, error }));
        }
        batch.forEach((waiting, i) => {
          const result = results[i] ?? {
            ok: false,
            error: new Error('the batch gave no answer for this item'),
          };
          if (result.ok) waiting.resolve(result.value);
          else waiting.reject(result.error);
        });
      }
    } finally {
      this.running = false;
    }
  }
}
