import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LaneDatabases } from '../database/database.module';
import { lanesHandledHere, NODE_CONFIG, NodeConfig } from '../config/config';
import { withLogContext } from '../logging/log-context';
import { MetricsService } from '../metrics/metrics.service';
import { sleep } from './amqp-connection';
import { OutboxEntity } from './outbox.entity';
import { OutboxRepository } from './outbox.repository';
import { Publisher } from './publisher';
import { RelayLoop } from './relay-loop';
import { publishInOrder, splitOutcomes } from './relay-row';
import type { Lane } from '../messages/message-types';
import { TRANSNATIONAL_EXCHANGE } from './topology';

const BATCH_SIZE = 200;

/** Runs in the relay's transaction for the rows the broker confirmed (message status, audit). */
export type PublishedListener = (manager: EntityManager, published: OutboxEntity[]) => Promise<void>;

/**
 * Moves committed outbox rows to the broker, a batch at a time under publisher confirms. A row is marked
 * published only after the broker confirmed it, in the transaction that claimed it: a crash or a broker
 * restart before that leaves it pending, and it is sent again (the receiver's inbox makes the repeat
 * harmless). Each lane has a loop of its own, so an alert is claimed and published at once, not after the
 * routine batch under way (and on the urgent lane's pool, not behind routine work for a connection); one
 * loop per lane also keeps each lane's rows of a case in order.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly loops: Record<Lane, RelayLoop> = {
    urgent: new RelayLoop('outbox relay (urgent)', this.logger, BATCH_SIZE, () => this.relayBatch('urgent')),
    routine: new RelayLoop('outbox relay', this.logger, BATCH_SIZE, () => this.relayBatch('routine')),
  };
  private readonly listeners: PublishedListener[] = [];
  /** Where kicks of the lanes this thread does not relay go (forwardKicks). */
  private kickElsewhere: ((lane: Lane) => void) | null = null;
  private readonly lanesHere: Lane[];

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly databases: LaneDatabases,
    private readonly outbox: OutboxRepository,
    private readonly publisher: Publisher,
    private readonly metrics: MetricsService,
  ) {
    this.lanesHere = lanesHandledHere(config);
  }

  onPublished(listener: PublishedListener): void {
    this.listeners.push(listener);
  }

  onApplicationBootstrap(): void {
    if (!this.config.outboxRelay) {
      this.logger.warn(
        'outbox relay is off (TRM_OUTBOX_RELAY=off): committed messages wait for another instance',
      );
      return;
    }
    for (const lane of this.lanesHere) this.loops[lane].start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.loops).map((loop) => loop.stop()));
  }

  /** Called after a commit that added outbox rows of the lane, so they leave at once, not at the next poll. */
  kick(lane: Lane): void {
    if (this.lanesHere.includes(lane)) this.loops[lane].kick();
    else this.kickElsewhere?.(lane);
  }

  /**
   * Where the kicks of a lane another thread of this node relays go (the urgent lane's thread relays alerts,
   * the main thread the rest, lanesHandledHere), so a row committed here leaves at once all the same.
   */
  forwardKicks(to: (lane: Lane) => void): void {
    this.kickElsewhere = to;
  }

  /**
   * One batch: claim up to BATCH_SIZE due rows (in order, none behind an earlier row of its case that backs
   * off), publish them in order per case (publishInOrder: one wait for confirms per wave), then in the same transaction
   * mark the confirmed rows published (one statement, and the listeners' writes) and the failed ones failed
   * (one statement: they are retried after a backoff, and the rows of their case wait behind them). A crash or a
   * broker drop before the commit leaves every claimed row pending. Returns how many rows it claimed.
   */
  async relayBatch(lane: Lane): Promise<number> {
    if (!this.publisher.ready) {
      await sleep(100);
      return 0;
    }
    return this.databases.of(lane).transaction(async (manager) => {
      const rows = await this.outbox.claimDue(manager, lane, BATCH_SIZE);
      if (rows.length === 0) return 0;
      const outcomes = await publishInOrder(rows, orderKey, (wave) =>
        this.publisher.publishAll(
          TRANSNATIONAL_EXCHANGE,
          wave.map((row) => ({
            routingKey: row.routingKey,
            body: row.body,
            options: { ...row.properties, contentType: 'application/json', headers: row.headers },
          })),
        ),
      );
      const { published, failed } = splitOutcomes(rows, outcomes);
      await this.outbox.markPublished(
        manager,
        published.map((row) => row.id),
      );
      if (published.length > 0) for (const listener of this.listeners) await listener(manager, published);
      await this.outbox.markFailed(
        manager,
        failed.map(({ row, reason }) => ({ id: row.id, error: reason })),
      );
      const confirmedAt = Date.now();
      for (const row of published) {
        this.metrics.relayLatency.observe((confirmedAt - row.createdAt.getTime()) / 1000);
        this.withRow(row, () => this.logger.debug(`published message ${row.messageId} to ${row.routingKey}`));
      }
      for (const { row, reason } of failed) {
        this.metrics.relayFailures.inc();
        this.withRow(row, () =>
          this.logger.warn(
            `publish of message ${row.messageId} (${row.properties.type}) failed: ${reason}; will retry`,
          ),
        );
      }
      return rows.length;
    });
  }

  /** Log lines about one row carry its message id, case and recipient as fields. */
  private withRow(row: OutboxEntity, log: () => void): void {
    withLogContext(
      {
        node: this.config.country,
        messageId: row.messageId,
        caseRef: row.properties.correlationId || undefined,
        // Routing key <lane>.<to>.<from>.<TYPE>.
        peer: row.routingKey.split('.')[1],
      },
      log,
    );
  }
}

/** What order holds within: the case (correlation id), the lane and the recipient (routing key <lane>.<to>.…). */
function orderKey(row: OutboxEntity): string {
  const [lane, to] = row.routingKey.split('.');
  return `${row.properties.correlationId ?? ''}|${lane}|${to}`;
}
