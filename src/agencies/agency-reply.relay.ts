import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { describe, sleep } from '../transport/amqp-connection';
import { nationalExchange } from '../transport/national-exchange';
import { Publisher } from '../transport/publisher';
import { AgencyRepliesRepository } from './agency-replies.repository';
import { replyKey } from './agency-topology';

const BATCH_SIZE = 100;
const IDLE_POLL_MS = 500;

/**
 * Moves committed agency replies to their reply queues, as OutboxRelay does for the transnational outbox: a
 * row is marked published only after the broker confirmed it, in the transaction that claimed it, so a crash
 * or a broker outage leaves it pending and it is sent again (agencies dedupe on `replyId`).
 */
@Injectable()
export class AgencyReplyRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgencyReplyRelay.name);
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private kicked = false;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly replies: AgencyRepliesRepository,
    private readonly publisher: Publisher,
  ) {}

  /** TRM_OUTBOX_RELAY=off turns this relay off too: another instance publishes. */
  onApplicationBootstrap(): void {
    if (!this.config.outboxRelay) return;
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let backoff = IDLE_POLL_MS;
    while (this.running) {
      try {
        const claimed = await this.relayBatch();
        backoff = IDLE_POLL_MS;
        if (claimed === BATCH_SIZE) continue;
      } catch (error) {
        this.logger.warn(`agency reply relay paused: ${describe(error)}`);
        backoff = Math.min(backoff * 2, 10_000);
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

  private async relayBatch(): Promise<number> {
    if (!this.publisher.ready) {
      await sleep(100);
      return 0;
    }
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.replies.claimDue(manager, BATCH_SIZE);
      if (rows.length === 0) return 0;
      const results = await Promise.allSettled(
        rows.map((row) =>
          this.publisher.publish(nationalExchange(this.config.country), replyKey(row.agency), row.body, {
            messageId: row.replyId,
            ...(row.correlationId ? { correlationId: row.correlationId } : {}),
            type: row.kind,
            contentType: 'application/json',
            timestamp: Math.floor(Date.now() / 1000),
            headers: row.headers,
          }),
        ),
      );
      await this.replies.markPublished(
        manager,
        rows.filter((_, i) => results[i].status === 'fulfilled').map((row) => row.id),
      );
      for (const [i, row] of rows.entries()) {
        const result = results[i];
        if (result.status === 'rejected') {
          const reason = describe(result.reason);
          this.logger.warn(
            `reply ${row.replyId} (${row.kind}) to agency ${row.agency} failed: ${reason}; will retry`,
          );
          await this.replies.markFailed(manager, row.id, reason);
        }
      }
      return rows.length;
    });
  }
}
