import { Injectable } from '@nestjs/common';
import { CustomTransportStrategy, Server } from '@nestjs/microservices';
import { InboxConsumer } from './inbox.consumer';
import { UrgentLaneThread } from './urgent-lane-thread';

/**
 * The TRM inbound as a Nest transport: the node is a hybrid application, HTTP plus this transport (connected
 * and started in createNode). Nest starts it once every module is initialised, so nothing is consumed before
 * the boot's own work (migrations, the erasure ledger's pass), and closes it before the modules' shutdown
 * hooks, so deliveries stop while the database pool is still open. What the protocol needs of AMQP (the
 * broker-vouched user_id, manual ack after commit, quorum queues, the urgent lane) stays with amqplib in
 * InboxConsumer: Nest's own RMQ transport cannot express it (README, "Where @nestjs/microservices is used").
 * The urgent lane is consumed in a thread of its own by default (UrgentLaneThread), started and closed here.
 * No message patterns: a TRM message is routed by its type through the receiver's steps, not by a handler.
 */
@Injectable()
export class TrmTransport extends Server implements CustomTransportStrategy {
  constructor(
    private readonly consumer: InboxConsumer,
    private readonly urgentLane: UrgentLaneThread,
  ) {
    super();
  }

  /** The lanes this thread consumes, and the urgent lane's own thread when it has one. */
  listen(callback: (error?: unknown) => void): void {
    Promise.all([this.consumer.start(), this.urgentLane.start()]).then(() => callback(), callback);
  }

  async close(): Promise<void> {
    await Promise.all([this.consumer.stop(), this.urgentLane.stop()]);
  }

  /** Nest's transport events (connect, disconnect…) are not emitted: the node's /health says its broker state. */
  on(): never {
    throw new Error('the TRM transport emits no events: see /health/ready');
  }

  unwrap<T>(): T {
    throw new Error('the TRM transport has no client of its own to unwrap: see AmqpConnection');
  }
}
