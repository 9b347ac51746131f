import { Module } from '@nestjs/common';
import { AmqpConnection } from './amqp-connection';
import { InboxRepository } from './inbox.repository';
import { NationalEvents } from './national-exchange';
import { OutboxRelay } from './outbox-relay';
import { OutboxRepository } from './outbox.repository';
import { Publisher } from './publisher';

/** RabbitMQ plumbing and the outbox/inbox tables; knows nothing of cases or message meaning. */
@Module({
  providers: [AmqpConnection, Publisher, OutboxRepository, OutboxRelay, InboxRepository, NationalEvents],
  exports: [AmqpConnection, Publisher, OutboxRepository, OutboxRelay, InboxRepository, NationalEvents],
})
export class TransportModule {}
