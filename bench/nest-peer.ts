import 'reflect-metadata';
import type { Channel, ConsumeMessage } from 'amqplib';
import {
  Controller,
  DynamicModule,
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  ClientProxy,
  ClientsModule,
  Ctx,
  EventPattern,
  MicroserviceOptions,
  Payload,
  RmqContext,
  RmqOptions,
  RmqRecord,
  RmqRecordBuilder,
  ServerRMQ,
  Transport,
} from '@nestjs/microservices';
import { InjectRepository, TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { lastValueFrom } from 'rxjs';
import { Column, CreateDateColumn, Entity, PrimaryColumn, Repository } from 'typeorm';
import { markStatement, runMark } from '../scripts/lib/leftovers';
import { KeyStore, writeKeyFiles } from '../src/crypto/key-store';
import { generateKeyPairs, sealAad, verify } from '../src/crypto/trm-crypto';
import type { Envelope } from '../src/messages/catalogue';
import { encodeMessage, type OutgoingMessage, type Recipient } from '../src/transport/envelope-codec';
import { BrokerAdmin } from '../src/transport/broker-admin';
import { receiptMessage, requestMessage } from './protocol-floor';
import { atMost, phaseResult, type PhaseResult, round } from './stats';

/**
 * The NestJS peer (issue 13): what a NestJS user would build for the protocol's bare minimum. Two Nest
 * microservices in this process, FR and MK, each on the built-in RMQ transport of @nestjs/microservices
 * (durable quorum queues, persistent messages, publisher confirms, ack after the save) and its own database
 * (TypeORM, one `save` per message). FR seals (X25519 + HKDF + AES-GCM) and signs (Ed25519) a referral with
 * the node's own functions; MK verifies, opens, saves and emits a receipt sealed and signed the same way;
 * FR verifies, opens and saves it. A hop ends when the receipt is saved at FR. No validation, consent,
 * audit, case or outbox. Everything it creates (vhost, databases, key files) goes at the end, also on error.
 */

export interface NestPeerOptions {
  messages: number;
  /** Hops in flight at once. */
  concurrency: number;
  /** Hops before the measured ones (connections, JIT, TypeORM's metadata), not measured. */
  warmup: number;
  timeoutMs: number;
  /** Names the vhost, databases and key directory (`trm-<runId>-peer…`, swept if the process dies). */
  runId?: string;
  pgAdminUrl?: string;
  managementUrl?: string;
  /** Where the key files go (a fresh directory inside it); default the system's temporary directory. */
  workDir?: string;
  /** `host:port` of the broker; the management URL's user (an administrator) connects over AMQP too. */
  amqpHost?: string;
}

/** What a run creates, by name: the bench's own sweep removes them too when the run is cut short. */
export function nestPeerNames(runId: string): { vhost: string; databases: Record<'FR' | 'MK', string> } {
  return {
    vhost: `trm-${runId}-peer`,
    databases: { FR: `trm_${runId}_peer_fr`, MK: `trm_${runId}_peer_mk` },
  };
}

const NODE = Symbol('peer node');
const COUNTERPART = 'PEER_COUNTERPART';
const queueOf = (code: string): string => `peer.${code.toLowerCase()}`;
// PROTOCOL.md's inboxes are durable quorum queues; both transport ends assert the queue, so alike.
const QUEUE_OPTIONS = { durable: true, arguments: { 'x-queue-type': 'quorum' } };
// Nagle's algorithm would hold each small publish for the peer's delayed ACK; the node turns it off too.
const SOCKET_OPTIONS = { connectionOptions: { noDelay: true } };

/** What one node knows: its keys, its counterpart's directory entry, where it stores and listens. */
interface PeerNode {
  code: string;
  keys: KeyStore;
  counterpart: Recipient & { signingKey: string };
  amqpUrl: string;
  databaseUrl: string;
  prefetch: number;
  /** A handler failed: the run stops with this error instead of waiting for its timeout. */
  fail(error: Error): void;
}

@Entity('peer_messages')
class PeerMessage {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') type!: string;
  @Column('text') sender!: string;
  @Column('text', { nullable: true }) caseRef!: string | null;
  @Column('uuid', { nullable: true }) inReplyTo!: string | null;
  /** The signed envelope as received. */
  @Column('text') envelope!: string;
  @Column('jsonb') payload!: object;
  @CreateDateColumn({ type: 'timestamptz' }) receivedAt!: Date;
}

/** Seal and sign on the way out, verify and open on the way in: the protocol's cryptography, nothing more. */
@Injectable()
class Envelopes {
  constructor(
    @Inject(NODE) private readonly node: PeerNode,
    @InjectRepository(PeerMessage) private readonly messages: Repository<PeerMessage>,
  ) {}

  seal(message: OutgoingMessage): RmqRecord<string> {
    const wire = encodeMessage(message, this.node.counterpart, this.node.keys);
    const headers = Object.fromEntries(Object.entries(wire.headers).map(([k, v]) => [k, String(v)]));
    // The body travels as a string inside Nest's JSON packet: the same bytes come out at the other end.
    return new RmqRecordBuilder(wire.body.toString('utf8'))
      .setOptions({ headers, messageId: message.id, persistent: true })
      .build();
  }

  /** Verifies, opens and saves one message; returns its envelope. */
  async receive(body: string, context: RmqContext): Promise<Envelope> {
    const bytes = Buffer.from(body, 'utf8');
    const headers = context.getMessage().properties.headers as Record<string, unknown>;
    if (!verify(bytes, String(headers['x-trm-signature']), this.node.counterpart.signingKey)) {
      throw new Error(`${this.node.code}: a signature did not verify`);
    }
    const envelope = JSON.parse(body) as Envelope;
    const payload = JSON.parse(this.node.keys.open(envelope.sealed, sealAad(envelope)).toString('utf8'));
    await this.messages.save(
      this.messages.create({
        id: envelope.id,
        type: envelope.type,
        sender: envelope.from,
        caseRef: envelope.caseRef,
        inReplyTo: envelope.inReplyTo,
        envelope: body,
        payload: payload as object,
      }),
    );
    return envelope;
  }

  /** Ack after the save; a failure rejects the message (no redelivery loop) and stops the run. */
  async handle(context: RmqContext, work: () => Promise<void>): Promise<void> {
    const channel = context.getChannelRef() as Channel;
    const message = context.getMessage() as ConsumeMessage;
    try {
      await work();
      channel.ack(message);
    } catch (error) {
      // On a closed channel (the run is being stopped) the broker requeues it itself.
      try {
        channel.nack(message, false, false);
      } catch {
        // nothing to do
      }
      this.node.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** FR's side of a hop: emits the referral, resolves when its receipt is saved. */
@Injectable()
class Hops {
  private readonly pending = new Map<string, () => void>();

  constructor(
    @Inject(NODE) private readonly node: PeerNode,
    @Inject(COUNTERPART) private readonly counterpart: ClientProxy,
    private readonly envelopes: Envelopes,
  ) {}

  async hop(): Promise<void> {
    const referral = requestMessage(this.node.code, this.node.counterpart.code);
    const saved = new Promise<void>((resolve) => this.pending.set(referral.id, resolve));
    // Resolves on the broker's confirm (amqp-connection-manager's channels confirm by default).
    await lastValueFrom(this.counterpart.emit('referral', this.envelopes.seal(referral)), {
      defaultValue: undefined,
    });
    await saved;
  }

  settle(referralId: string | null): void {
    const done = referralId === null ? undefined : this.pending.get(referralId);
    if (!done) throw new Error(`${this.node.code}: a receipt for no referral in flight`);
    this.pending.delete(referralId!);
    done();
  }
}

/** Connects to the counterpart's queue at start: a close during a lazy first connect crashes the process. */
@Injectable()
class CounterpartConnection implements OnApplicationBootstrap {
  constructor(@Inject(COUNTERPART) private readonly counterpart: ClientProxy) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.counterpart.connect();
  }
}

@Controller()
class ReferralsController {
  constructor(
    @Inject(NODE) private readonly node: PeerNode,
    @Inject(COUNTERPART) private readonly counterpart: ClientProxy,
    private readonly envelopes: Envelopes,
  ) {}

  @EventPattern('referral')
  async referral(@Payload() body: string, @Ctx() context: RmqContext): Promise<void> {
    await this.envelopes.handle(context, async () => {
      const referral = await this.envelopes.receive(body, context);
      const receipt = receiptMessage(this.node.code, referral.from, referral);
      await lastValueFrom(this.counterpart.emit('receipt', this.envelopes.seal(receipt)), {
        defaultValue: undefined,
      });
    });
  }
}

@Controller()
class ReceiptsController {
  constructor(
    private readonly envelopes: Envelopes,
    private readonly hops: Hops,
  ) {}

  @EventPattern('receipt')
  async receipt(@Payload() body: string, @Ctx() context: RmqContext): Promise<void> {
    await this.envelopes.handle(context, async () => {
      this.hops.settle((await this.envelopes.receive(body, context)).inReplyTo);
    });
  }
}

/** The transport's options; a consumer (`prefetch`) acks itself, after the save (the reply consumer cannot). */
function rmq(node: PeerNode, queue: string, prefetch?: number): RmqOptions {
  return {
    transport: Transport.RMQ,
    options: {
      urls: [node.amqpUrl],
      queue,
      queueOptions: QUEUE_OPTIONS,
      socketOptions: SOCKET_OPTIONS,
      persistent: true,
      ...(prefetch === undefined ? {} : { noAck: false, prefetchCount: prefetch }),
    },
  };
}

/**
 * Nest's ServerRMQ says it listens before the broker has confirmed its consumer (its `consume` is not
 * awaited), and a close in that window leaves a rejection that nothing handles. `consuming()` waits for the
 * confirm: a later call on the same channel is answered after it.
 */
class PeerServer extends ServerRMQ {
  async consuming(): Promise<void> {
    await (this.channel as { checkQueue(queue: string): Promise<unknown> }).checkQueue(this.queue);
  }
}

@Module({})
class PeerNodeModule {
  static for(node: PeerNode, role: 'sender' | 'receiver'): DynamicModule {
    return {
      module: PeerNodeModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: node.databaseUrl,
          entities: [PeerMessage],
          synchronize: true,
          retryAttempts: 0,
        }),
        TypeOrmModule.forFeature([PeerMessage]),
        ClientsModule.register([{ name: COUNTERPART, ...rmq(node, queueOf(node.counterpart.code)) }]),
      ],
      controllers: [role === 'sender' ? ReceiptsController : ReferralsController],
      providers: [
        { provide: NODE, useValue: node },
        Envelopes,
        CounterpartConnection,
        ...(role === 'sender' ? [Hops] : []),
      ],
    };
  }
}

export async function measureNestPeer(options: NestPeerOptions): Promise<PhaseResult> {
  const runId = options.runId ?? randomBytes(4).toString('hex');
  const pgAdminUrl =
    options.pgAdminUrl ?? process.env.TRM_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const management = new URL(
    options.managementUrl ?? process.env.RABBITMQ_MANAGEMENT_URL ?? 'http://guest:guest@127.0.0.1:15672',
  );
  const amqpHost = options.amqpHost ?? process.env.TRM_AMQP_HOST ?? '127.0.0.1:5672';
  const broker = new BrokerAdmin({ url: management.toString() });
  const { vhost, databases } = nestPeerNames(runId);
  const keysDir = mkdtempSync(path.join(options.workDir ?? tmpdir(), `trm-${runId}-peer-`));
  const apps: Array<{ close(): Promise<void> }> = [];
  let failure: Error | null = null;
  let failed: (error: Error) => void = () => undefined;
  try {
    await broker.createVhost(vhost, runMark(runId));
    await broker.setPermissions(vhost, decodeURIComponent(management.username), {
      configure: '.*',
      write: '.*',
      read: '.*',
    });
    for (const database of Object.values(databases)) {
      await admin(pgAdminUrl, `CREATE DATABASE ${database}`);
      await admin(pgAdminUrl, markStatement(database, runId));
    }
    const pairs = { FR: generateKeyPairs('FR'), MK: generateKeyPairs('MK') };
    for (const [code, pair] of Object.entries(pairs)) writeKeyFiles(keysDir, code, pair);
    const user = `${management.username}:${management.password}`;
    const peer = (code: 'FR' | 'MK', other: 'FR' | 'MK'): PeerNode => ({
      code,
      keys: KeyStore.load(keysDir, code),
      counterpart: {
        code: other,
        encryptionKey: { keyId: pairs[other].encryption.keyId, publicKey: pairs[other].encryption.publicKey },
        signingKey: pairs[other].signing.publicKey,
      },
      amqpUrl: `amqp://${user}@${amqpHost}/${encodeURIComponent(vhost)}`,
      databaseUrl: Object.assign(new URL(pgAdminUrl), { pathname: `/${databases[code]}` }).toString(),
      prefetch: options.concurrency,
      fail: (error) => {
        failure ??= error;
        failed(error);
      },
    });

    const start = async (node: PeerNode, role: 'sender' | 'receiver') => {
      const server = new PeerServer(rmq(node, queueOf(node.code), node.prefetch).options!);
      const app = await NestFactory.createMicroservice<MicroserviceOptions>(PeerNodeModule.for(node, role), {
        strategy: server,
        logger: ['error'],
        abortOnError: false,
      });
      apps.push(app);
      await app.listen();
      await server.consuming();
      return app;
    };
    const receiver = peer('MK', 'FR');
    const sender = peer('FR', 'MK');
    await start(receiver, 'receiver');
    const hops = (await start(sender, 'sender')).get(Hops);

    /** `count` hops with `concurrency` in flight; the latency of each, send call to receipt saved. */
    const run = (count: number): Promise<{ latencies: number[]; elapsedMs: number }> =>
      new Promise((resolve, reject) => {
        const latencies: number[] = [];
        const began = performance.now();
        const timer = setTimeout(
          () => reject(new Error(`nest peer: ${latencies.length}/${count} receipts after the timeout`)),
          options.timeoutMs,
        );
        failed = (error) => {
          clearTimeout(timer);
          reject(error);
        };
        if (failure) failed(failure);
        let started = 0;
        const next = (): void => {
          if (started >= count) return;
          started += 1;
          const at = performance.now();
          hops.hop().then(() => {
            latencies.push(performance.now() - at);
            if (latencies.length === count) {
              clearTimeout(timer);
              resolve({ latencies, elapsedMs: performance.now() - began });
            } else next();
          }, failed);
        };
        for (let i = 0; i < Math.min(options.concurrency, count); i++) next();
      });

    if (options.warmup > 0) await run(options.warmup);
    const cpuBefore = process.cpuUsage();
    const { latencies, elapsedMs } = await run(options.messages);
    const cpu = process.cpuUsage(cpuBefore);
    const rows = {
      FR: await countRows(sender.databaseUrl),
      MK: await countRows(receiver.databaseUrl),
    };
    return phaseResult('NestJS peer', options.messages, elapsedMs, latencies, {
      concurrency: options.concurrency,
      warmup: options.warmup,
      transport: `@nestjs/microservices RMQ, quorum queues, prefetch ${options.concurrency}`,
      // Both applications and the driver: this process alone, without RabbitMQ and PostgreSQL.
      processCpuMsPerHop: round((cpu.user + cpu.system) / 1000 / options.messages, 3),
      // Every saved row at each end, warm-up included: FR holds the receipts, MK the referrals.
      rows,
    });
  } finally {
    for (const app of apps.reverse()) await atMost(app.close(), 10_000);
    await atMost(broker.deleteVhost(vhost), 15_000);
    for (const database of Object.values(databases)) {
      await admin(pgAdminUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    }
    rmSync(keysDir, { recursive: true, force: true });
  }
}

async function countRows(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) FROM peer_messages')).rows[0].count);
  } finally {
    await client.end();
  }
}

async function admin(url: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
