import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { lanesHandledHere, NODE_CONFIG, NodeConfig } from '../config/config';
import { withLogContext } from '../logging/log-context';
import { MetricsService } from '../metrics/metrics.service';
import { AmqpConnection, describe, sleep } from '../transport/amqp-connection';
import { republishAsDeadLetter } from '../transport/dead-letter';
import { Publisher } from '../transport/publisher';
import {
  assertParticipantTopology,
  DEAD_LETTER_EXCHANGE,
  inboxQueue,
  urgentQueue,
} from '../transport/topology';
import { RejectionCode } from '../messages/rejection-codes';
import { Disposition, InboundDelivery, InboundService } from './inbound.service';
import { FairScheduler } from './fair-scheduler';
import { databaseReachable } from '../database/reachable';
import { LaneDatabases, URGENT_CONNECTIONS } from '../database/database.module';
import { isDeliveryAnswer, type Lane as LaneName } from '../messages/message-types';
import { CASE_REF, COUNTRY_CODE, UUID } from '../common/validation';

/** Alerts are few and never refused: a small window of their own, one at a time per urgent connection. */
const URGENT = { prefetch: 8, concurrency: URGENT_CONNECTIONS };
const ATTEMPTS_BEFORE_INTERNAL_ERROR = 3;

interface Lane {
  name: LaneName;
  queue: string;
  prefetch: number;
  scheduler: FairScheduler;
  /** The pool its deliveries are applied on: the urgent lane's is its own. */
  database: DataSource;
}

/**
 * The AMQP edge of the inbound pipeline. Each lane has its own channel and the urgent lane its own database
 * pool (an alert never waits behind routine traffic, for a delivery slot nor for a connection), messages are acked on the channel that delivered them and only after the inbound transaction
 * committed, and messages of one case are handled in arrival order. Within a lane, deliveries of different
 * senders take turns (FairScheduler); on the routine lane a sender with more than its cap of messages
 * pending lets the others go first, so one noisy peer cannot take the slots the others need.
 */
@Injectable()
export class InboxConsumer {
  private readonly logger = new Logger(InboxConsumer.name);
  private readonly caseChains = new Map<string, Promise<void>>();
  private readonly lanes: Lane[];
  /** The consuming channel of each lane on the current connection: stop() closes them. */
  private readonly channels = new Map<LaneName, Channel>();
  private stopped = false;

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly amqp: AmqpConnection,
    private readonly inbound: InboundService,
    private readonly publisher: Publisher,
    databases: LaneDatabases,
    private readonly audit: AuditService,
    private readonly metrics: MetricsService,
  ) {
    const lanes: Lane[] = [
      {
        name: 'urgent',
        queue: urgentQueue(config.country),
        prefetch: URGENT.prefetch,
        scheduler: new FairScheduler(URGENT.concurrency),
        database: databases.of('urgent'),
      },
      {
        name: 'routine',
        queue: inboxQueue(config.country),
        prefetch: config.inboundPrefetch,
        scheduler: new FairScheduler(config.inboundConcurrency, config.inboundMaxPendingPerSender),
        database: databases.of('routine'),
      },
    ];
    const consumed = lanesHandledHere(config);
    this.lanes = lanes.filter((lane) => consumed.includes(lane.name));
  }

  /**
   * Consumes its lanes (lanesHandledHere) on every (re)connection, from now until stop(). Called by the TRM
   * transport (trm-transport.ts) once the node's modules are initialised.
   */
  async start(): Promise<void> {
    for (const lane of this.lanes)
      await this.amqp.onChannel(`consumer of ${lane.queue}`, (connection) => this.consume(connection, lane));
  }

  /** Declares the topology (the queue may have been deleted) and consumes the lane on a channel of its own. */
  private async consume(connection: ChannelModel, lane: Lane): Promise<Channel | null> {
    if (this.stopped) return null;
    const channel = await connection.createChannel();
    channel.on('error', (error) =>
      this.logger.warn(`consumer channel ${lane.queue} error: ${describe(error)}`),
    );
    channel.on('close', () => closedChannels.add(channel));
    this.channels.set(lane.name, channel);
    await assertParticipantTopology(channel, this.config.country);
    await channel.prefetch(lane.prefetch);
    await channel.consume(lane.queue, (message) => {
      // null: the broker cancelled the consumer (its queue deleted): closing the channel consumes again.
      if (message) this.dispatch(lane, channel, message);
      else void channel.close().catch(() => undefined);
    });
    return channel;
  }

  /**
   * Takes no more deliveries: the channels close, so the broker requeues what was delivered and not acked,
   * and the deliveries already being applied finish (on a database still open) before this resolves.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.channels.values()].map((channel) => channel.close().catch(() => undefined)));
    await Promise.all(this.caseChains.values());
  }

  /**
   * Queues a delivery behind the earlier ones of its case and, among senders, in turn. Nothing is refused
   * for load: a delivery beyond its sender's cap waits unacked in the window like any other, and only gives
   * way to the senders below their cap (FairScheduler), so no message is lost to a burst.
   */
  private dispatch(lane: Lane, channel: Channel, message: ConsumeMessage): void {
    const sender = printable(message.properties.userId);
    lane.scheduler.admit(sender);
    this.inOrder(lane, message, () =>
      lane.scheduler
        .run(sender, () => this.handle(channel, lane, message))
        .finally(() => lane.scheduler.release(sender)),
    );
  }

  /**
   * Chains deliveries of one lane that share a case reference (AMQP correlation_id), so one case's messages
   * never race. Per lane: an alert must not wait for a routine message of its case that is itself waiting
   * for a routine slot (PROTOCOL.md: an alert never waits behind routine traffic); the case row lock still
   * keeps the two from applying at once. A receipt or a rejection changes no case, only the status of the
   * one message it answers: it waits for nothing, so a burst of them is applied in one batch.
   */
  private inOrder(lane: Lane, message: ConsumeMessage, work: () => Promise<unknown>): void {
    const key = `${lane.queue}|${orderKey(message)}`;
    const previous = this.caseChains.get(key) ?? Promise.resolve();
    const next = previous
      .then(work)
      .then(() => undefined)
      .catch((error) => this.logger.error(`inbound handling failed: ${describe(error)}`));
    this.caseChains.set(key, next);
    void next.finally(() => {
      if (this.caseChains.get(key) === next) this.caseChains.delete(key);
    });
  }

  /**
   * Everything logged while one delivery is handled carries its message id, case and sender as fields; the
   * properties come from an unverified sender, so only values shaped like ids and codes are kept.
   */
  private async handle(channel: Channel, lane: Lane, message: ConsumeMessage): Promise<void> {
    // Its channel closed while it waited (stop, or a lost connection): the broker delivers it again.
    if (isClosed(channel)) return;
    const { messageId, correlationId, userId } = message.properties;
    const context = {
      node: this.config.country,
      messageId: shaped(messageId, UUID) ?? undefined,
      caseRef: shaped(correlationId, CASE_REF) ?? undefined,
      peer: shaped(userId, COUNTRY_CODE) ?? undefined,
    };
    const started = process.hrtime.bigint();
    return withLogContext(context, () => this.handleDelivery(channel, lane, message, started));
  }

  private async handleDelivery(
    channel: Channel,
    lane: Lane,
    message: ConsumeMessage,
    started: bigint,
  ): Promise<void> {
    const delivery: InboundDelivery = {
      body: message.content,
      messageId: message.properties.messageId,
      userId: message.properties.userId,
      type: message.properties.type,
      headers: message.properties.headers ?? {},
    };
    const { queue, database } = lane;
    const disposition = await this.process(delivery, channel, lane);
    if (!disposition) return;
    this.logger.debug(
      `inbound message ${printable(delivery.messageId)} on ${queue}: ${disposition.outcome}` +
        (disposition.outcome === 'REJECTED' ? ` (${disposition.code})` : ''),
    );
    if (disposition.outcome === 'REJECTED') {
      if (!(await this.deadLetter(queue, message, disposition))) {
        // Back to the queue rather than held: a held delivery keeps its slot of the window until the channel
        // closes. The redelivery is handled again; x-delivery-limit bounds the rounds.
        if (!isClosed(channel)) channel.nack(message, false, true);
        return;
      }
      this.metrics.deadLetters.inc({ source: 'peer', reason: disposition.code });
      await this.auditDeadLetter(database, queue, message, disposition);
    }
    this.ack(channel, message);
    const outcome = disposition.outcome;
    this.metrics.inboundLatency.observe({ outcome }, Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.inboundDeliveries.inc({
      outcome,
      reason: disposition.outcome === 'REJECTED' ? disposition.code : '',
    });
  }

  /**
   * No transaction to join: the copy is already in trm.dead. The properties come from an unverified sender,
   * so only values shaped like ids and codes are kept. A failed write does not hold the message back: its
   * MESSAGE_REJECTED entry is already committed.
   */
  private async auditDeadLetter(
    database: DataSource,
    queue: string,
    message: ConsumeMessage,
    disposition: Extract<Disposition, { outcome: 'REJECTED' }>,
  ): Promise<void> {
    const { messageId, correlationId, type, userId } = message.properties;
    try {
      await this.audit.record(database.manager, {
        action: 'MESSAGE_DEAD_LETTERED',
        actor: `node:${this.config.country}`,
        caseRef: shaped(correlationId, CASE_REF),
        messageId: shaped(messageId, UUID),
        messageType: shaped(type, /^[A-Z_]{1,50}$/),
        counterpart: disposition.authenticated ? shaped(userId, COUNTRY_CODE) : null,
        decision: 'DENY',
        reasonCode: disposition.code,
        details: { queue, authenticated: disposition.authenticated },
      });
    } catch (error) {
      this.logger.warn(`dead letter ${String(messageId ?? '?')} not audited: ${describe(error)}`);
    }
  }

  /** Retries our own failures (a database outage waits for the database); a peer is told after that. */
  private async process(
    delivery: InboundDelivery,
    channel: Channel,
    { name, database }: Lane,
  ): Promise<Disposition | null> {
    let attempt = 0;
    for (;;) {
      try {
        if (attempt >= ATTEMPTS_BEFORE_INTERNAL_ERROR)
          return await this.inbound.rejectAsInternalError(delivery, name);
        return await this.inbound.receive(delivery, name);
      } catch (error) {
        if (isClosed(channel)) return null; // the broker redelivers it to the next consumer
        this.logger.warn(`inbound message ${printable(delivery.messageId)} failed: ${describe(error)}`);
        if (await databaseReachable(database)) attempt += 1;
        else await this.waitForDatabase(channel, database);
        if (attempt >= 2 * ATTEMPTS_BEFORE_INTERNAL_ERROR) {
          // Even recording the failure fails with a healthy database: a poison message. Dead-letter it without
          // the database rather than hold it (and every later message of its case) forever.
          return {
            outcome: 'REJECTED',
            code: RejectionCode.INTERNAL_ERROR,
            reason: 'the receiver could not record this message',
            authenticated: false,
            signatureVerified: false,
          };
        }
        await sleep(200 * attempt);
      }
    }
  }

  private async waitForDatabase(channel: Channel, database: DataSource): Promise<void> {
    this.logger.warn('database unreachable: holding inbound messages until it is back');
    while (!isClosed(channel) && !(await databaseReachable(database))) await sleep(1000);
  }

  /** To trm.dead, routed like the broker's own dead-lettering (routing key = the queue). */
  private deadLetter(
    queue: string,
    message: ConsumeMessage,
    disposition: Extract<Disposition, { outcome: 'REJECTED' }>,
  ): Promise<boolean> {
    return republishAsDeadLetter(
      this.publisher,
      this.logger,
      {
        exchange: DEAD_LETTER_EXCHANGE,
        routingKey: queue,
        messageId: String(message.properties.messageId ?? ''),
      },
      message,
      disposition,
      {
        'x-trm-signature-verified': disposition.signatureVerified,
        'x-trm-sender-answered': disposition.authenticated,
      },
    );
  }

  private ack(channel: Channel, message: ConsumeMessage): void {
    if (isClosed(channel)) return; // acking on a dead channel throws; the redelivery is a duplicate we handle
    channel.ack(message);
  }
}

/** amqplib has no public "is closed" flag, so channels are marked from their own 'close' event. */
const closedChannels = new WeakSet<Channel>();

function isClosed(channel: Channel): boolean {
  return closedChannels.has(channel);
}

/** A message id from an unverified sender, fit for a log line. */
function printable(id: unknown): string {
  return typeof id === 'string' && /^[\x21-\x7e]{1,200}$/.test(id) ? id : '?';
}

/** A property from an unverified sender, kept only when shaped like what it claims to be. */
function shaped(value: unknown, pattern: RegExp): string | null {
  return typeof value === 'string' && pattern.test(value) ? value : null;
}

/**
 * What a delivery waits behind: the earlier deliveries of its case (AMQP correlation_id), or nothing for a
 * receipt or rejection. The type property is the sender's word; a false one only unchains that sender's own
 * message, which the case row lock and the batch's own check (InboundService) still keep apart.
 */
function orderKey(message: ConsumeMessage): string {
  const { type, messageId, correlationId } = message.properties;
  if (isDeliveryAnswer(type)) return `answer|${printable(messageId)}`;
  return `case|${String(correlationId ?? '')}`;
}
