/**
 * A pass that runs every so often and on demand (a test, an operator, a request): passes run one after the
 * other, a tick is skipped while one is still queued or running (it would only queue a redundant pass), and
 * stopping waits for the pass under way so it does not outlive the database connections.
 */
export class PeriodicPasses {
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** `failed` hears why a tick's pass failed; a direct caller of run() hears it from the promise. */
  constructor(private readonly failed: (error: Error) => void) {}

  /** Runs `pass` every `intervalMs`; 0 or less: never. The timer does not keep the process alive. */
  start(intervalMs: number, pass: () => Promise<unknown>): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => {
      if (this.pending === 0) this.run(pass).catch(this.failed);
    }, intervalMs);
    this.timer.unref();
  }

  /** Runs `pass` once the passes before it are done (whether they failed or not). */
  run<T>(pass: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.chain.then(pass).finally(() => this.pending--);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** No more ticks; resolves once the passes already queued are done. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.chain;
  }
}
