/**
 * Picks which inbound delivery of one lane runs next. Deliveries are grouped by sender (the AMQP user_id,
 * which the broker vouches for) and a free slot goes to the senders in turn: a peer with a thousand
 * deliveries waiting gets one slot in N like everyone else, instead of all of them in arrival order.
 * It also counts what each sender has waiting, from arrival to the end of its handling, for the cap.
 */
export class FairScheduler {
  /** Senders with work ready to start, in turn order (Map keeps insertion order: re-inserting = last). */
  private readonly ready = new Map<string, Array<() => void>>();
  private readonly pendingBySender = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly concurrency: number,
    /** Deliveries one sender may have pending at once; 0: no cap. */
    private readonly maxPendingPerSender = 0,
  ) {}

  pending(sender: string): number {
    return this.pendingBySender.get(sender) ?? 0;
  }

  /** Counts a delivery against its sender, unless the sender is at its cap: then false, nothing counted. */
  admit(sender: string, force = false): boolean {
    const pending = this.pending(sender);
    if (!force && this.maxPendingPerSender > 0 && pending >= this.maxPendingPerSender) return false;
    this.pendingBySender.set(sender, pending + 1);
    return true;
  }

  /** Ends what admit() counted. */
  release(sender: string): void {
    const pending = this.pending(sender) - 1;
    if (pending > 0) this.pendingBySender.set(sender, pending);
    else this.pendingBySender.delete(sender);
  }

  /** Runs `work` once a slot is free and it is this sender's turn. */
  run<T>(sender: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.running += 1;
        work()
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1;
            this.dispatch();
          });
      };
      const queue = this.ready.get(sender);
      if (queue) queue.push(start);
      else this.ready.set(sender, [start]);
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.running < this.concurrency && this.ready.size > 0) {
      const [sender, queue] = this.ready.entries().next().value!;
      const start = queue.shift()!;
      // Served: to the back of the turn order, or out of it when nothing else of it waits.
      this.ready.delete(sender);
      if (queue.length > 0) this.ready.set(sender, queue);
      start();
    }
  }
}
