import * as amqp from 'amqplib';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool } from 'pg';
import { laneQueueArguments, TRANSNATIONAL_EXCHANGE } from '../src/transport/topology';
import { cpuMsByGroup, snapshot } from './machine-load';
import { atMost, phaseResult, PhaseResult, round } from './stats';

/**
 * The raw limit: the same hop as the pipeline's (publish with confirm → consume, commit one row per message,
 * publish a confirmed receipt back → consume the receipt) with plain amqplib and pg, no crypto, no
 * validation, no framework, batched as well as plain code can. It runs on the same broker, database server
 * and process as the pipeline, so the ratio between the two says what the pipeline's own work costs.
 */

export const RAW_REQUEST_QUEUE = 'bench.raw.requests';
export const RAW_RECEIPT_QUEUE = 'bench.raw.receipts';
// Routed through the pipeline's topic exchange, as the nodes' messages are, with keys no node binds to.
const REQUEST_KEY = 'bench.raw.request';
const RECEIPT_KEY = 'bench.raw.receipt';

export interface WireSample {
  body: Buffer;
  headers: Record<string, string | number>;
}

export interface RawLimitOptions {
  /** A broker user with full rights on the run's vhost. */
  amqpUrl: string;
  /** Its own database on the same PostgreSQL server as the nodes'. */
  databaseUrl: string;
  messages: number;
  warmup: number;
  /** A real sealed REFERRAL_REQUEST and DELIVERY_RECEIPT: realistic sizes and headers. */
  request: WireSample;
  receipt: WireSample;
  /** Publisher confirms outstanding at once on the sending side. */
  publishWindow: number;
  prefetch: number;
  maxBatch: number;
  /** Batches committed concurrently by the consumer (acks still go out in delivery order). */
  parallelBatches: number;
  /** TCP_NODELAY on the bench's AMQP sockets (amqplib's default is off). */
  noDelay: boolean;
  /** Measured rounds of `messages`; the round with the median rate is reported, the others are kept. */
  rounds: number;
  /** Hops sent one at a time (each after the previous receipt): the latency of the hop itself. */
  idleHops: number;
  timeoutMs: number;
}

export interface RawLimitResult {
  loaded: PhaseResult;
  idle: PhaseResult | null;
}

interface RunStats {
  latencies: number[];
  elapsedMs: number;
  batches: number;
  meanBatch: number;
  maxBatch: number;
}

export async function measureRawLimit(options: RawLimitOptions): Promise<RawLimitResult> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.parallelBatches + 1 });
  pool.on('error', () => undefined); // an idle client dying between batches must not kill the process
  const connections: amqp.ChannelModel[] = [];
  let rig: RawRig | null = null;
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS raw_inbox (
         message_id text PRIMARY KEY,
         body bytea NOT NULL,
         received_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    // Three connections, as the sender, the receiver and the sender's receipt consumer would each have.
    for (let i = 0; i < 3; i++) {
      const connection = await amqp.connect(options.amqpUrl, {
        // amqplib leaves Nagle's algorithm on by default; a publish then waits for the peer's delayed ACK.
        noDelay: options.noDelay,
        clientProperties: { connection_name: `trm-bench-raw-${i}` },
      });
      connection.on('error', () => undefined); // 'close' follows, and fails the run
      connection.on('close', () => rig?.fail(new Error('a raw-limit connection closed (broker restart?)')));
      connections.push(connection);
    }
    const [senderConnection, receiverConnection, receiptConnection] = connections;
    const setup = await senderConnection.createChannel();
    for (const [queue, key] of [
      [RAW_REQUEST_QUEUE, REQUEST_KEY],
      [RAW_RECEIPT_QUEUE, RECEIPT_KEY],
    ]) {
      await setup.assertQueue(queue, { durable: true, arguments: laneQueueArguments(queue) });
      await setup.bindQueue(queue, TRANSNATIONAL_EXCHANGE, key);
      await setup.purgeQueue(queue);
    }

    rig = await RawRig.open(senderConnection, receiverConnection, receiptConnection, pool, options);
    if (options.warmup > 0) await rig.run('warmup', options.warmup, false);
    const rounds: RunStats[] = [];
    const before = snapshot();
    for (let round = 0; round < options.rounds; round++) {
      rounds.push(await rig.run(`round${round}`, options.messages, false));
    }
    // What a raw hop costs the machine (this process, RabbitMQ, PostgreSQL): the protocol floor adds to it.
    const used = cpuMsByGroup(before, snapshot());
    const cpuMsPerHop = used
      ? round((used.benchProcess + used.rabbitmq + used.postgres) / (options.rounds * options.messages), 3)
      : null;
    // A short burst on a shared machine is noisy: the median round is the figure, every round is kept.
    const byRate = [...rounds].sort((a, b) => a.elapsedMs - b.elapsedMs);
    const measured = byRate[Math.floor((byRate.length - 1) / 2)];
    const idle = options.idleHops > 0 ? await rig.run('idle', options.idleHops, true) : null;

    await setup.deleteQueue(RAW_REQUEST_QUEUE);
    await setup.deleteQueue(RAW_RECEIPT_QUEUE);
    const loaded = phaseResult('raw amqplib + pg', options.messages, measured.elapsedMs, measured.latencies, {
      requestBytes: options.request.body.length,
      receiptBytes: options.receipt.body.length,
      publishWindow: options.publishWindow,
      prefetch: options.prefetch,
      maxBatch: options.maxBatch,
      parallelBatches: options.parallelBatches,
      roundsPerSecond: rounds.map((r) => round(options.messages / (r.elapsedMs / 1000))),
      batches: measured.batches,
      meanBatch: round(measured.meanBatch),
      largestBatch: measured.maxBatch,
      cpuMsPerHop,
    });
    return {
      loaded,
      idle: idle && phaseResult('raw, one hop at a time', options.idleHops, idle.elapsedMs, idle.latencies),
    };
  } finally {
    for (const connection of connections) await atMost(connection.close(), 2000);
    await atMost(pool.end(), 2000);
  }
}

/** Holds the three sides' channels; each run() sends a fresh set of ids through the whole hop. */
class RawRig {
  private onRequest: (message: amqp.ConsumeMessage) => void = () => undefined;
  private onReceipt: (message: amqp.ConsumeMessage) => void = () => undefined;
  private failure: ((error: Error) => void) | null = null;

  private constructor(
    private readonly sender: amqp.ConfirmChannel,
    private readonly consumer: amqp.Channel,
    private readonly receiptPublisher: amqp.ConfirmChannel,
    private readonly receiptConsumer: amqp.Channel,
    private readonly pool: Pool,
    private readonly options: RawLimitOptions,
  ) {}

  static async open(
    senderConnection: amqp.ChannelModel,
    receiverConnection: amqp.ChannelModel,
    receiptConnection: amqp.ChannelModel,
    pool: Pool,
    options: RawLimitOptions,
  ): Promise<RawRig> {
    const sender = await senderConnection.createConfirmChannel();
    const consumer = await receiverConnection.createChannel();
    const receiptPublisher = await receiverConnection.createConfirmChannel();
    const receiptConsumer = await receiptConnection.createChannel();
    const rig = new RawRig(sender, consumer, receiptPublisher, receiptConsumer, pool, options);
    for (const channel of [sender, consumer, receiptPublisher, receiptConsumer]) {
      channel.on('error', (error: Error) => rig.fail(error));
      channel.on('close', () => rig.fail(new Error('a raw-limit channel closed')));
    }
    // mandatory + return, as the pipeline's Publisher does: an unroutable message must not count as sent.
    for (const channel of [sender, receiptPublisher]) {
      channel.on('return', () => rig.fail(new Error('a raw-limit message was unroutable')));
    }
    await consumer.prefetch(options.prefetch);
    await receiptConsumer.prefetch(options.prefetch);
    await consumer.consume(RAW_REQUEST_QUEUE, (message) => message && rig.onRequest(message));
    await receiptConsumer.consume(RAW_RECEIPT_QUEUE, (message) => message && rig.onReceipt(message));
    return rig;
  }

  fail(error: Error): void {
    this.failure?.(error);
  }

  /** `oneAtATime`: each request waits for the previous receipt, so nothing queues anywhere. */
  run(prefix: string, count: number, oneAtATime: boolean): Promise<RunStats> {
    return new Promise<RunStats>((resolve, reject) => {
      const sentAt = new Map<string, number>();
      const latencies: number[] = [];
      const batchSizes: number[] = [];
      let receiptArrived: (() => void) | null = null;
      let started = 0;
      const timer = setTimeout(
        () => finish(new Error(`raw limit: ${latencies.length}/${count} receipts after the timeout`)),
        this.options.timeoutMs,
      );
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.failure = null;
        this.onRequest = () => undefined;
        this.onReceipt = () => undefined;
        if (error) return reject(error);
        resolve({
          latencies,
          elapsedMs: performance.now() - started,
          batches: batchSizes.length,
          meanBatch: batchSizes.reduce((a, b) => a + b, 0) / Math.max(1, batchSizes.length),
          maxBatch: Math.max(0, ...batchSizes),
        });
      };
      this.failure = finish;

      // Receiving side: deliveries pile up while up to `parallelBatches` batches are being committed, so
      // batches grow with the load; acks go out with `multiple`, strictly in delivery order.
      const buffered: amqp.ConsumeMessage[] = [];
      let active = 0;
      let acked: Promise<void> = Promise.resolve();
      let pumpScheduled = false;
      const pump = (): void => {
        pumpScheduled = false;
        while (active < this.options.parallelBatches && buffered.length > 0) {
          const batch = buffered.splice(0, this.options.maxBatch);
          batchSizes.push(batch.length);
          active += 1;
          const committed = this.commitAndAnswer(batch);
          // A failed batch fails the run (below); the chain itself must never hold an unhandled rejection.
          acked = Promise.all([acked, committed])
            .then(() => this.consumer.ack(batch[batch.length - 1], true))
            .catch(() => undefined);
          committed
            .then(() => {
              active -= 1;
              pump();
            })
            .catch((error: Error) => finish(error));
        }
      };
      this.onRequest = (message) => {
        buffered.push(message);
        // setImmediate, not a microtask: every delivery parsed from the same socket read joins the batch.
        if (!pumpScheduled) {
          pumpScheduled = true;
          setImmediate(pump);
        }
      };

      // The original sender's receipt consumer: one latency sample per receipt, acks in bulk.
      let lastReceipt: amqp.ConsumeMessage | null = null;
      this.onReceipt = (message) => {
        const id = String(message.properties.correlationId);
        const at = sentAt.get(id);
        if (at !== undefined) {
          latencies.push(performance.now() - at);
          sentAt.delete(id);
        }
        if (lastReceipt === null) {
          setImmediate(() => {
            if (lastReceipt) this.receiptConsumer.ack(lastReceipt, true);
            lastReceipt = null;
          });
        }
        lastReceipt = message;
        const wake = receiptArrived;
        receiptArrived = null;
        wake?.();
        if (latencies.length === count) finish();
      };

      started = performance.now();
      const afterPublish = oneAtATime
        ? (sent: number) =>
            latencies.length >= sent ? Promise.resolve() : new Promise<void>((r) => (receiptArrived = r))
        : null;
      this.publishRequests(prefix, count, sentAt, afterPublish).catch((error: Error) => finish(error));
    });
  }

  /** A bounded window of unconfirmed publishes; `publish() === false` waits for 'drain'. */
  private async publishRequests(
    prefix: string,
    count: number,
    sentAt: Map<string, number>,
    afterPublish: ((sent: number) => Promise<void>) | null,
  ): Promise<void> {
    const { body, headers } = this.options.request;
    let inFlight = 0;
    let slotFreed: (() => void) | null = null;
    for (let i = 0; i < count; i++) {
      while (inFlight >= this.options.publishWindow) await new Promise<void>((r) => (slotFreed = r));
      const id = `${prefix}-${i}`;
      inFlight += 1;
      sentAt.set(id, performance.now());
      const accepted = this.sender.publish(
        TRANSNATIONAL_EXCHANGE,
        REQUEST_KEY,
        body,
        requestProperties(id, headers),
        (error) => {
          inFlight -= 1;
          if (error) this.fail(new Error('the broker nacked a raw-limit request'));
          const wake = slotFreed;
          slotFreed = null;
          wake?.();
        },
      );
      if (!accepted) await once(this.sender, 'drain');
      if (afterPublish) await afterPublish(i + 1);
    }
  }

  /** One multi-row INSERT (the commit), then every receipt published and confirmed, then the caller acks. */
  private async commitAndAnswer(batch: amqp.ConsumeMessage[]): Promise<void> {
    const ids = batch.map((message) => String(message.properties.messageId));
    await this.pool.query(
      `INSERT INTO raw_inbox (message_id, body)
       SELECT * FROM unnest($1::text[], $2::bytea[]) ON CONFLICT (message_id) DO NOTHING`,
      [ids, batch.map((message) => message.content)],
    );
    const { body, headers } = this.options.receipt;
    await Promise.all(
      ids.map(
        (id) =>
          new Promise<void>((resolve, reject) => {
            const accepted = this.receiptPublisher.publish(
              TRANSNATIONAL_EXCHANGE,
              RECEIPT_KEY,
              body,
              { ...requestProperties(`receipt-${id}`, headers), correlationId: id },
              (error) => (error ? reject(new Error('the broker nacked a raw-limit receipt')) : resolve()),
            );
            // Confirms still arrive while the channel's buffer drains, so there is nothing to wait for here.
            void accepted;
          }),
      ),
    );
  }
}

/** The same AMQP properties as a node's publish, so the broker does the same work (user_id check included). */
function requestProperties(id: string, headers: Record<string, string | number>): amqp.Options.Publish {
  return {
    persistent: true,
    mandatory: true,
    messageId: id,
    correlationId: id,
    type: 'REFERRAL_REQUEST',
    userId: 'guest',
    contentType: 'application/json',
    timestamp: Math.floor(Date.now() / 1000),
    headers,
  };
}
