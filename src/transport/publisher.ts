import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { ChannelModel, ConfirmChannel, Message, Options } from 'amqplib';
import { AmqpConnection, describe } from './amqp-connection';

export class PublishError extends Error {}

/**
 * Publishes on a confirm channel: a publish resolves only once the broker has taken responsibility for the
 * message (persistent, routed to at least one queue). `mandatory` plus the return listener turns an
 * unroutable message into an error instead of a silent drop.
 */
@Injectable()
export class Publisher implements OnModuleInit {
  private readonly logger = new Logger(Publisher.name);
  private channel: ConfirmChannel | null = null;
  private readonly returned = new Set<string>();
  /** Publishes awaiting their confirm; failed all at once when the channel closes under them. */
  private readonly pending = new Set<(error: Error) => void>();
  private drained: Promise<void> | null = null;

  constructor(private readonly amqp: AmqpConnection) {}

  async onModuleInit(): Promise<void> {
    await this.amqp.onChannel('publisher', (connection) => this.openChannel(connection));
  }

  private async openChannel(connection: ChannelModel): Promise<ConfirmChannel> {
    const channel = await connection.createConfirmChannel();
    channel.on('error', (error) => this.logger.warn(`publisher channel error: ${describe(error)}`));
    channel.on('close', () => {
      if (this.channel !== channel) return;
      this.channel = null;
      const error = new PublishError('channel closed before the broker confirmed');
      [...this.pending].forEach((fail) => fail(error));
      channel.emit('drain');
    });
    channel.on('return', (message: Message) => {
      const id = message.properties.messageId as string | undefined;
      if (id) this.returned.add(id);
    });
    this.channel = channel;
    return channel;
  }

  /** A channel is open and the broker takes publishes (a blocked connection holds them unconfirmed). */
  get ready(): boolean {
    return this.channel !== null && this.amqp.blocked === null;
  }

  /**
   * Publishes every message, in this order, and then waits once for the broker's verdict on all of them:
   * null for each it confirmed, else why not (refused, returned as unroutable, or unconfirmed when the
   * channel closed). The confirms come back as the broker gives them; only the wait is shared.
   */
  async publishAll(
    exchange: string,
    messages: ReadonlyArray<{
      routingKey: string;
      body: Buffer;
      options: Options.Publish & { messageId: string };
    }>,
  ): Promise<Array<Error | null>> {
    // Each publish writes to the channel before its first await, so the messages leave in array order.
    const confirms = messages.map((m) => this.publish(exchange, m.routingKey, m.body, m.options));
    const settled = await Promise.allSettled(confirms);
    return settled.map((result) =>
      result.status === 'fulfilled'
        ? null
        : result.reason instanceof Error
          ? result.reason
          : new PublishError(describe(result.reason)),
    );
  }

  async publish(
    exchange: string,
    routingKey: string,
    body: Buffer,
    options: Options.Publish & { messageId: string },
  ): Promise<void> {
    if (this.drained) await this.drained;
    const channel = this.channel;
    if (!channel) throw new PublishError('not connected to the broker');
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.pending.delete(fail);
        reject(error);
      };
      this.pending.add(fail);
      try {
        const accepted = channel.publish(
          exchange,
          routingKey,
          body,
          { ...options, persistent: true, mandatory: true },
          (error) => {
            this.pending.delete(fail);
            // The broker sends basic.return before the confirm of an unroutable message.
            const wasReturned = this.returned.delete(options.messageId);
            if (error) reject(new PublishError(`broker did not confirm the message: ${describe(error)}`));
            else if (wasReturned) reject(new PublishError(`no queue is bound for ${routingKey}`));
            else resolve();
          },
        );
        if (!accepted && !this.drained) {
          this.drained = new Promise((done) =>
            channel.once('drain', () => {
              this.drained = null;
              done();
            }),
          );
        }
      } catch (error) {
        fail(new PublishError(`publish failed: ${describe(error)}`));
      }
    });
  }
}
