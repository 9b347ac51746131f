/**
 * Picks which inbound delivery of one lane runs next. Deliveries are grouped by sender (the AMQP user_id,
 * which the broker vouches for) and a free slot goes to the senders in turn: a peer with a thousand
 * deliveries waiting gets one slot in N like everyone else, instead of all of them in arrival order.
 * It also counts what each sender has pending, from arrival to the end of its handling: a sender with more
 * than its cap pending lets a sender below its cap go first when its turn comes (once per turn, so it is
 * slowed down, never stopped). Alone, or among senders all over their cap, it simply takes its turns.
 */
export class FairScheduler {
  /** Senders with work ready to start, in turn order (Map keeps insertion order: re-inserting = last). */
  private readonly ready = new Map<string, Array<() => void>>();
  private readonly pendingBySender = new Map<string, number>();
  /** Over-cap senders that just let another go first: their next turn is theirs. */
  private readonly yielded = new Set<string>();
  private running = 0;

  constructor(
    private readonly concurrency: number,
    /** Deliveries one sender may have pending before it gives way to the others; 0: no cap. */
    private readonly maxPendingPerSender = 0,
  ) {}

  pending(sender: string): number {
    return this.pendingBySender.get(sender) ?? 0;
  }

  /** Counts a delivery against its sender, from its arrival. */
  admit(sender: string): void {
    this.pendingBySender.set(sender, this.pending(sender) + 1);
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
      const sender = this.next();
      const queue = this.ready.get(sender)!;
      const start = queue.shift()!;
      // Served: to the back of the turn order, or out of it when nothing else of it waits.
      this.ready.delete(sender);
      if (queue.length > 0) this.ready.set(sender, queue);
      start();
    }
  }

  /** The sender whose turn it is, unless it is over its cap and a sender below its own is waiting. */
  private next(): string {
    const [first] = this.ready.keys();
    const yieldedLastTime = this.yielded.delete(first);
    if (yieldedLastTime || !this.overCap(first)) return first;
    const other = [...this.ready.keys()].find((sender) => !this.overCap(sender));
    if (other === undefined) return first;
    this.yielded.add(first);
    return other;
  }

  private overCap(sender: string): boolean {
    return this.maxPendingPerSender > 0 && this.pending(sender) > this.maxPendingPerSender;
  }
}
