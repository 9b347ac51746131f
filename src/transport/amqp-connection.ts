import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import * as amqp from 'amqplib';
import { NODE_CONFIG, NodeConfig } from '../config/config';

type SetupStep = (connection: amqp.ChannelModel) => Promise<void>;

const MAX_BACKOFF_MS = 10_000;

/** AMQP_URL may list the members of a national cluster, separated by commas (docs/deployment.md). */
export function clusterMembers(amqpUrl: string): string[] {
  return amqpUrl
    .split(',')
    .map((url) => url.trim())
    .filter((url) => url !== '');
}

/**
 * One AMQP connection per node, re-established with backoff whenever it drops. Everything that lives on a
 * connection (topology, publisher channel, consumers) registers a setup step, re-run on every reconnect,
 * because amqplib channels die with their connection and a consumer on a dead channel stops silently.
 */
@Injectable()
export class AmqpConnection implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AmqpConnection.name);
  private readonly steps: SetupStep[] = [];
  private connection: amqp.ChannelModel | null = null;
  private closing = false;
  private connecting: Promise<void> | null = null;
  private readonly members: string[];
  /** The member tried next: after a failure or a lost connection, the following one. */
  private member = 0;
  private blockedBy: string | null = null;

  constructor(@Inject(NODE_CONFIG) private readonly config: NodeConfig) {
    this.members = clusterMembers(config.amqpUrl);
  }

  /** Registers a step and, if connected, runs it now. Steps run in registration order. */
  async onConnect(step: SetupStep): Promise<void> {
    this.steps.push(step);
    if (this.connection) await step(this.connection);
  }

  /**
   * Registers a step that opens a channel (`open` returns it, or null when its owner wants none any more), run
   * on every (re)connection like the others. A channel the broker closes alone while the connection stays up
   * (a refused publish, a deleted queue, a delivery left unacknowledged past the broker's consumer timeout) is
   * opened again by the same step, with backoff: otherwise nothing would publish or consume on it until the
   * connection dropped. A channel closed with its connection is left to the reconnect.
   */
  async onChannel(
    what: string,
    open: (connection: amqp.ChannelModel) => Promise<amqp.Channel | null>,
  ): Promise<void> {
    const step = async (connection: amqp.ChannelModel): Promise<boolean> => {
      const channel = await open(connection);
      channel?.once('close', () => void this.reopen(connection, what, () => step(connection)));
      return channel !== null;
    };
    await this.onConnect(async (connection) => void (await step(connection)));
  }

  get connected(): boolean {
    return this.connection !== null;
  }

  /**
   * Why the broker blocked this connection (a memory or disk alarm: RabbitMQ stops reading from publishing
   * connections), or null. Nothing is lost meanwhile, only held: publishes wait for their confirms and new
   * rows stay in the outbox. Said in the log and by /health/ready, not left for someone to guess.
   */
  get blocked(): string | null {
    return this.blockedBy;
  }

  /** Not awaited: the node serves HTTP and fills its outbox while the broker is away. */
  onApplicationBootstrap(): void {
    void this.start();
  }

  start(): Promise<void> {
    this.connecting ??= this.connectWithBackoff().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private async connectWithBackoff(): Promise<void> {
    let delay = 200;
    while (!this.closing) {
      try {
        await this.connectOnce(this.members[this.member]);
        return;
      } catch (error) {
        // Each member once before waiting: a stopped cluster member is passed over at once.
        this.member = (this.member + 1) % this.members.length;
        const which = this.members.length > 1 ? ` (cluster member ${this.member + 1} next)` : '';
        if (this.member !== 0) {
          this.logger.warn(`broker unreachable (${describe(error)}); trying the next member${which}`);
          continue;
        }
        this.logger.warn(`broker unreachable (${describe(error)}); retrying in ${delay} ms`);
        await sleep(delay);
        delay = Math.min(delay * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private async connectOnce(url: string): Promise<void> {
    // noDelay: a receipt published right after an ack must not wait for Nagle's algorithm (~40 ms per hop).
    const connection = await amqp.connect(url, {
      noDelay: true,
      clientProperties: { connection_name: `trm-node-${this.config.country}` },
    });
    // An unhandled 'error' would kill the process; 'close' always follows it, and that is where we reconnect.
    connection.on('error', (error) => this.logger.warn(`broker connection error: ${describe(error)}`));
    connection.on('blocked', (reason: unknown) => {
      this.blockedBy = typeof reason === 'string' && reason ? reason : 'a resource alarm';
      this.logger.warn(
        `the broker blocked publishing (${this.blockedBy}): messages wait in the outbox until it unblocks`,
      );
    });
    connection.on('unblocked', () => {
      if (this.blockedBy) this.logger.log('the broker unblocked publishing');
      this.blockedBy = null;
    });
    connection.on('close', () => {
      if (this.connection !== connection) return;
      this.connection = null;
      this.blockedBy = null;
      if (this.closing) return;
      // The member that dropped it may be the one going down: another is tried first.
      if (this.members.length > 1) this.member = (this.member + 1) % this.members.length;
      this.logger.warn('broker connection closed; reconnecting');
      void this.start();
    });
    try {
      for (const step of this.steps) await step(connection);
    } catch (error) {
      await connection.close().catch(() => undefined);
      throw error;
    }
    this.connection = connection;
    this.logger.log('connected to the broker');
  }

  /** onChannel's retries: until `open` gives a channel or the connection is gone. */
  private async reopen(
    connection: amqp.ChannelModel,
    what: string,
    open: () => Promise<boolean>,
  ): Promise<void> {
    for (let delay = 200; ; delay = Math.min(delay * 2, MAX_BACKOFF_MS)) {
      await sleep(delay);
      if (this.closing || this.connection !== connection) return;
      try {
        if (await open()) this.logger.warn(`${what}: the broker closed its channel; opened again`);
        return;
      } catch (error) {
        this.logger.warn(`${what}: its channel could not be opened again (${describe(error)}); retrying`);
      }
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    const connection = this.connection;
    this.connection = null;
    await connection?.close().catch(() => undefined);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Error text for logs: amqplib and pg messages carry no payloads, only codes and names. */
export function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
