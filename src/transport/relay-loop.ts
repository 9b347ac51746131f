import { Logger } from '@nestjs/common';
import { describe } from './amqp-connection';

const IDLE_POLL_MS = 500;
const MAX_BACKOFF_MS = 10_000;

/**
 * The loop both outboxes share (transnational messages, agency replies): run one batch after another while
 * batches come back full, otherwise wait for a kick (a commit that added rows) or the next poll; back off
 * while batches fail (database or broker down) and carry on once they succeed.
 */
export class RelayLoop {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private kicked = false;

  /** `batch` publishes up to `batchSize` rows and returns how many it claimed. */
  constructor(
    private readonly name: string,
    private readonly logger: Logger,
    private readonly batchSize: number,
    private readonly batch: () => Promise<number>,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Rows were committed: publish them now rather than at the next poll. */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let backoff = IDLE_POLL_MS;
    while (this.running) {
      try {
        const claimed = await this.batch();
        backoff = IDLE_POLL_MS;
        if (claimed === this.batchSize) continue;
      } catch (error) {
        this.logger.warn(`${this.name} paused: ${describe(error)}`);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
      await this.idle(backoff);
    }
  }

  private idle(ms: number): Promise<void> {
    if (this.kicked) {
      this.kicked = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        this.kicked = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
