import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { sleep } from '../transport/amqp-connection';
import { nationalExchange } from '../transport/national-exchange';
import { Publisher } from '../transport/publisher';
import { RelayLoop } from '../transport/relay-loop';
import { publishInOrder, splitOutcomes } from '../transport/relay-row';
import { AgencyRepliesRepository } from './agency-replies.repository';
import { replyKey } from './agency-topology';

const BATCH_SIZE = 100;

/**
 * Moves committed agency replies to their reply queues, as OutboxRelay does for the transnational outbox: a
 * row is marked published only after the broker confirmed it, in the transaction that claimed it, so a crash
 * or a broker outage leaves it pending and it is sent again (agencies dedupe on `replyId`).
 */
@Injectable()
export class AgencyReplyRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AgencyReplyRelay.name);
  private readonly loop = new RelayLoop('agency reply relay', this.logger, BATCH_SIZE, () =>
    this.relayBatch(),
  );

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly dataSource: DataSource,
    private readonly replies: AgencyRepliesRepository,
    private readonly publisher: Publisher,
  ) {}

  /** TRM_OUTBOX_RELAY=off turns this relay off too: another instance publishes; so does the urgent lane's thread. */
  onApplicationBootstrap(): void {
    if (!this.config.outboxRelay || this.config.urgentLaneOnly) return;
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }

  kick(): void {
    this.loop.kick();
  }

  /**
   * One batch: claim due rows (in order, none behind an earlier reply to its agency that backs off), publish
   * them in order per agency (a failed reply stops the later ones to its agency in this batch), then in the
   * same transaction mark the confirmed rows published and the failed ones failed. An agency hears a
   * submission's outcome, then its receipt, then the answers (docs/agencies.md) even when a publish fails or
   * another instance relays too. Returns how many rows it claimed.
   */
  private async relayBatch(): Promise<number> {
    if (!this.publisher.ready) {
      await sleep(100);
      return 0;
    }
    return this.dataSource.transaction(async (manager) => {
      const rows = await this.replies.claimDue(manager, BATCH_SIZE);
      if (rows.length === 0) return 0;
      const outcomes = await publishInOrder(
        rows,
        (row) => row.agency,
        (wave) =>
          this.publisher.publishAll(
            nationalExchange(this.config.country),
            wave.map((row) => ({
              routingKey: replyKey(row.agency),
              body: row.body,
              options: {
                messageId: row.replyId,
                ...(row.correlationId ? { correlationId: row.correlationId } : {}),
                type: row.kind,
                contentType: 'application/json',
                timestamp: Math.floor(Date.now() / 1000),
                headers: row.headers,
              },
            })),
          ),
      );
      const { published, failed } = splitOutcomes(rows, outcomes);
      await this.replies.markPublished(
        manager,
        published.map((row) => row.id),
      );
      await this.replies.markFailed(
        manager,
        failed.map(({ row, reason }) => ({ id: row.id, error: reason })),
      );
      for (const { row, reason } of failed)
        this.logger.warn(
          `reply ${row.replyId} (${row.kind}) to agency ${row.agency} failed: ${reason}; will retry`,
        );
      return rows.length;
    });
  }
}
