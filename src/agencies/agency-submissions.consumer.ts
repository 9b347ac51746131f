import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { AmqpConnection, describe, sleep } from '../transport/amqp-connection';
import { MetricsService } from '../metrics/metrics.service';
import { republishAsDeadLetter } from '../transport/dead-letter';
import { agencySubmissionsQueue, nationalExchange } from '../transport/national-exchange';
import { Publisher } from '../transport/publisher';
import { AgenciesRepository } from './agencies.repository';
import { AgencyRefusalCode } from './agency-contract';
import { AgencySubmissions, SubmissionDelivery, SubmissionDisposition } from './agency-submissions.service';
import { assertAgencyTopology, SUBMISSIONS_DEAD_LETTER_KEY } from './agency-topology';
import { databaseReachable } from '../database/reachable';

const PREFETCH = 8;
const ATTEMPTS = 3;

/**
 * The AMQP edge of agency submissions: declares the national topology (with one reply queue per registered
 * agency) on every (re)connect, consumes with manual ack, acks only after the submission's transaction
 * committed, and dead-letters every refused submission with its reason.
 */
@Injectable()
export class AgencySubmissionsConsumer implements OnApplicationBootstrap {
  private readonly logger = new Logger(AgencySubmissionsConsumer.name);
  private readonly closed = new WeakSet<Channel>();

  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly amqp: AmqpConnection,
    private readonly dataSource: DataSource,
    private readonly agencies: AgenciesRepository,
    private readonly submissions: AgencySubmissions,
    private readonly publisher: Publisher,
    private readonly metrics: MetricsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.urgentLaneOnly) return; // the urgent lane's thread takes alerts from peers only
    await this.amqp.onChannel('agency submissions consumer', (connection) => this.consume(connection));
  }

  private async consume(connection: ChannelModel): Promise<Channel> {
    // Without the database the reply queues are left as they are (agency:add declared them): the
    // submissions, which need the database anyway, must not keep the whole connection down.
    const registered = await this.agencies.all(this.dataSource.manager).catch((error: unknown) => {
      this.logger.warn(`agency registry unreadable (${describe(error)}); reply queues not re-declared`);
      return [];
    });
    const channel = await connection.createChannel();
    channel.on('error', (error) => this.logger.warn(`submissions channel error: ${describe(error)}`));
    channel.on('close', () => this.closed.add(channel));
    await assertAgencyTopology(
      channel,
      this.config.country,
      registered.map((agency) => agency.code),
    );
    await channel.prefetch(PREFETCH);
    await channel.consume(agencySubmissionsQueue(this.config.country), (message) => {
      if (message)
        this.handle(channel, message).catch((error: unknown) =>
          this.logger.error(`agency submission handling failed: ${describe(error)}`),
        );
      else void channel.close().catch(() => undefined);
    });
    return channel;
  }

  private async handle(channel: Channel, message: ConsumeMessage): Promise<void> {
    const disposition = await this.process(channel, message);
    if (!disposition) return;
    if (disposition.outcome === 'REFUSED') {
      if (!(await this.deadLetter(message, disposition))) {
        // Back to the queue rather than holding a prefetch slot until the channel closes.
        if (!this.closed.has(channel)) channel.nack(message, false, true);
        return;
      }
      this.metrics.deadLetters.inc({ source: 'agency', reason: disposition.code });
    }
    if (!this.closed.has(channel)) channel.ack(message);
  }

  /** Our own failures are retried (a database outage is waited out); then the submission is dead-lettered. */
  private async process(channel: Channel, message: ConsumeMessage): Promise<SubmissionDisposition | null> {
    const delivery = {
      body: message.content,
      userId: message.properties.userId,
      routingKey: message.fields.routingKey,
      headers: message.properties.headers ?? {},
    };
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.submissions.receive(delivery);
      } catch (error) {
        if (this.closed.has(channel)) return null; // redelivered to the next consumer
        this.logger.warn(`agency submission failed (attempt ${attempt}): ${describe(error)}`);
        while (!this.closed.has(channel) && !(await databaseReachable(this.dataSource))) await sleep(1000);
        if (attempt >= ATTEMPTS) return this.failed(delivery);
        await sleep(200 * attempt);
      }
    }
  }

  /** The agency, when identified, hears of the failure; if even that fails, the dead letter alone says it. */
  private async failed(delivery: SubmissionDelivery): Promise<SubmissionDisposition> {
    try {
      return await this.submissions.failed(delivery);
    } catch (error) {
      this.logger.warn(`answering a failed agency submission failed: ${describe(error)}`);
      return {
        outcome: 'REFUSED',
        code: AgencyRefusalCode.INTERNAL_ERROR,
        reason: 'the node could not process the submission',
        agency: null,
      };
    }
  }

  /**
   * Into the national dead-letter queue with its reason in headers; the sealed payload stays sealed. False
   * leaves it to be returned to the queue, delivered (and refused) again.
   */
  private deadLetter(
    message: ConsumeMessage,
    disposition: Extract<SubmissionDisposition, { outcome: 'REFUSED' }>,
  ): Promise<boolean> {
    const { messageId } = message.properties;
    return republishAsDeadLetter(
      this.publisher,
      this.logger,
      {
        exchange: nationalExchange(this.config.country),
        routingKey: SUBMISSIONS_DEAD_LETTER_KEY,
        messageId: typeof messageId === 'string' ? messageId : randomUUID(),
      },
      message,
      disposition,
      { 'x-trm-agency-answered': disposition.agency !== null },
    );
  }
}
