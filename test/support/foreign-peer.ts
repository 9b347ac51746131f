import * as amqp from 'amqplib';
import { readFileSync } from 'node:fs';
import { v7 as uuidv7 } from 'uuid';
import { KeyStore } from '../../src/crypto/key-store';
import { seal, sealAad } from '../../src/crypto/trm-crypto';
import { routingKey, MessageType } from '../../src/messages/message-types';
import { inboxQueue, TRANSNATIONAL_EXCHANGE, urgentQueue } from '../../src/transport/topology';
import { LocalFederation } from '../../scripts/lib/local-federation';

export interface Draft {
  type: MessageType;
  to: string;
  caseRef: string | null;
  payload: unknown;
  id?: string;
  inReplyTo?: string | null;
  sentAt?: string;
  legalBasis?: string;
  consent?: unknown;
  /** Seal for this public key instead of the recipient's. */
  sealFor?: { keyId: string; publicKey: string };
  /** Replace or add envelope fields after sealing (e.g. to tamper). */
  override?: Record<string, unknown>;
}

export interface Reply {
  envelope: Record<string, unknown> & {
    id: string;
    type: string;
    inReplyTo: string | null;
    caseRef: string | null;
  };
  payload: Record<string, unknown>;
}

export const CONSENT = {
  consentId: 'consent-1',
  scopes: [
    'SHARE_IDENTITY',
    'SHARE_HEALTH',
    'RETURN',
    'REINTEGRATION',
    'CONTACT_FAMILY',
    'CRIMINAL_PROCEEDINGS',
    'CONTACT_ORIGIN_AUTHORITIES',
  ],
  recipients: ['FR', 'IT', 'MK'],
  // The example referral is of a child: her guardian consents.
  givenBy: 'GUARDIAN',
  givenAt: '2026-11-01T09:00:00.000Z',
};

/** What publish() puts on the wire besides the body; each property can be forged. */
export interface WireOptions {
  id: string;
  type: string;
  to: string;
  signature?: string;
  keyId?: string;
  userId?: string;
  routingKey?: string;
  caseRef?: string | null;
}

/**
 * A participant written straight from PROTOCOL.md with plain amqplib, as another country's software would be:
 * it proves a node interoperates with software that is not trm-broker, and it can misbehave on purpose.
 */
export class ForeignPeer {
  private replies: Reply[] = [];
  private channelError: Error | null = null;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly code: string,
    private readonly federation: LocalFederation,
    private readonly connection: amqp.ChannelModel,
    private readonly channel: amqp.ConfirmChannel,
    private readonly keys: KeyStore,
    private readonly directory: Array<{ code: string; encryptionKey: { keyId: string; publicKey: string } }>,
  ) {}

  static async connect(federation: LocalFederation, code: string): Promise<ForeignPeer> {
    const connection = await amqp.connect(federation.amqpUrl(code));
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    const directory = JSON.parse(readFileSync(federation.directoryFile, 'utf8')).participants;
    const peer = new ForeignPeer(
      code,
      federation,
      connection,
      channel,
      KeyStore.load(federation.keysDir, code),
      directory,
    );
    // The broker's reason for closing the channel (e.g. ACCESS_REFUSED) arrives as an 'error' event.
    channel.on('error', (error: Error) => (peer.channelError = error));
    const consumer = await connection.createChannel();
    // Both lanes: emergency alerts come on the urgent queue, everything else on the routine one.
    for (const queue of [inboxQueue(code), urgentQueue(code)]) {
      await consumer.consume(queue, (message) => {
        if (!message) return;
        consumer.ack(message);
        const envelope = JSON.parse(message.content.toString('utf8'));
        const payload = JSON.parse(peer.keys.open(envelope.sealed, sealAad(envelope)).toString('utf8'));
        peer.replies.push({ envelope, payload });
        peer.waiters.splice(0).forEach((wake) => wake());
      });
    }
    return peer;
  }

  /** Builds, seals and signs a message the way PROTOCOL.md says. */
  build(draft: Draft): { id: string; body: Buffer; signature: string } {
    const id = draft.id ?? uuidv7();
    const head = { version: 1, id, type: draft.type, from: this.code, to: draft.to, caseRef: draft.caseRef };
    const recipient = draft.sealFor ?? this.directory.find((p) => p.code === draft.to)!.encryptionKey;
    const sealed = seal(Buffer.from(JSON.stringify(draft.payload), 'utf8'), recipient, sealAad(head));
    const envelope = {
      ...head,
      inReplyTo: draft.inReplyTo ?? null,
      sentAt: draft.sentAt ?? new Date().toISOString(),
      legalBasis: draft.legalBasis ?? 'CONSENT',
      ...(draft.legalBasis === 'NONE' ? {} : { consent: draft.consent ?? CONSENT }),
      sealed,
      ...(draft.override ?? {}),
    };
    const body = Buffer.from(JSON.stringify(envelope), 'utf8');
    return { id, body, signature: this.keys.sign(body) };
  }

  sign(body: Buffer): string {
    return this.keys.sign(body);
  }

  /** Publishes raw bytes with publisher confirms; every property can be forged for negative tests. */
  async publish(body: Buffer, options: WireOptions): Promise<void> {
    const { routingKey: key, properties } = this.wire(options);
    await new Promise<void>((resolve, reject) => {
      this.channel.publish(TRANSNATIONAL_EXCHANGE, key, body, properties, (error) => {
        if (!error) return resolve();
        setImmediate(() => reject(this.channelError ?? error));
      });
    });
  }

  /** The routing key and AMQP properties PROTOCOL.md puts on a message (for publishing it from elsewhere too). */
  wire(options: WireOptions): { routingKey: string; properties: amqp.Options.Publish } {
    return {
      routingKey: options.routingKey ?? routingKey(options.type as MessageType, options.to, this.code),
      properties: {
        persistent: true,
        messageId: options.id,
        correlationId: options.caseRef ?? '',
        type: options.type,
        userId: options.userId ?? this.code,
        contentType: 'application/json',
        timestamp: Math.floor(Date.now() / 1000),
        headers: {
          'x-trm-version': 1,
          'x-trm-key-id': options.keyId ?? this.keys.signingKeyId,
          'x-trm-signature': options.signature ?? '',
        },
      },
    };
  }

  async send(draft: Draft): Promise<string> {
    const built = this.build(draft);
    await this.publish(built.body, {
      id: built.id,
      type: draft.type,
      to: draft.to,
      signature: built.signature,
      caseRef: draft.caseRef,
    });
    return built.id;
  }

  /** Waits for the receipt or rejection answering `id`. */
  async replyTo(id: string, timeoutMs = 15_000): Promise<Reply> {
    const found = await this.waitFor((r) => r.envelope.inReplyTo === id, timeoutMs, `reply to ${id}`);
    return found[0];
  }

  /** The replies received so far that match, without waiting. */
  received(match: (reply: Reply) => boolean): Reply[] {
    return this.replies.filter(match);
  }

  /** All replies so far that answer `id`, without waiting (call `settle` first to catch late extras). */
  repliesTo(id: string): Reply[] {
    return this.replies.filter((r) => r.envelope.inReplyTo === id);
  }

  /**
   * Sends `to` a later message of this peer (a CASE_UPDATE on a case of its own) and waits for its answer:
   * once it has come, the receiver has had the time to answer what this peer sent before, so a check that
   * nothing more came is not passed merely by a slow machine. Returns the answer.
   */
  async settle(to: string): Promise<Reply> {
    const id = await this.send({
      type: 'CASE_UPDATE',
      to,
      caseRef: `TRM-${this.code}-2026-${String(900_000 + Math.floor(Math.random() * 100_000))}`,
      payload: { sop: 3, summary: 'Marker: a later message from the same sender.' },
    });
    return this.replyTo(id);
  }

  async waitFor(match: (reply: Reply) => boolean, timeoutMs: number, what: string): Promise<Reply[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.replies.filter(match);
      if (found.length > 0) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.code} timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}
