import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import type { Channel } from 'amqplib';
import { randomUUID } from 'node:crypto';
import { NODE_CONFIG, NodeConfig } from '../config/config';
import { AmqpConnection } from './amqp-connection';
import { Publisher } from './publisher';

/**
 * A node's own exchange for its country (ARCHITECTURE.md: "HTTP / AMQP (national)"): partner agencies
 * submit requests and receive replies on it, and coordinators' systems receive the node's events. It is not
 * part of PROTOCOL.md: other countries never see it.
 *
 * Routing keys: `submit.<agency>` (an agency's request, into the submissions queue), `reply.<agency>` (the
 * node's answers to one agency, into that agency's reply queue), `event.<name>` (node events such as an
 * overdue expectation, into the events queue, which keeps them until a coordinator system reads them).
 */
export const nationalExchange = (country: string): string => `trm.national.${country}`;
export const nationalEventsQueue = (country: string): string => `trm.national.${country}.events`;
export const agencySubmissionsQueue = (country: string): string => `trm.national.${country}.submissions`;
export const agencyReplyQueue = (country: string, agency: string): string =>
  `trm.national.${country}.agency.${agency}`;

/** Declares the national exchange and the node's events queue. Idempotent: run on every (re)connect. */
export async function assertNationalTopology(channel: Channel, country: string): Promise<void> {
  const exchange = nationalExchange(country);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  const events = nationalEventsQueue(country);
  await channel.assertQueue(events, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await channel.bindQueue(events, exchange, 'event.#');
}

/** Publishes node events on the national exchange, with publisher confirms (never silently dropped). */
@Injectable()
export class NationalEvents implements OnModuleInit {
  constructor(
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    private readonly amqp: AmqpConnection,
    private readonly publisher: Publisher,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.amqp.onConnect(async (connection) => {
      const channel = await connection.createChannel();
      await assertNationalTopology(channel, this.config.country);
      await channel.close();
    });
  }

  /**
   * `name` is a dotted event name, e.g. `expectation.overdue`; `body` must hold no personal data. `id`, when
   * given, names the event itself (not this attempt): an event published again after a failure keeps its
   * AMQP `message_id`, so consumers can drop the copy.
   */
  async publish(name: string, body: object, id?: string): Promise<void> {
    const messageId = id ?? randomUUID();
    await this.publisher.publish(
      nationalExchange(this.config.country),
      `event.${name}`,
      Buffer.from(JSON.stringify(body)),
      { messageId, contentType: 'application/json', type: name, timestamp: Math.floor(Date.now() / 1000) },
    );
  }
}
