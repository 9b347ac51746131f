import * as amqp from 'amqplib';
import { generateKeyPairSync, sign as edSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { v7 as uuidv7 } from 'uuid';
import { CaseKeys } from '../../src/crypto/case-keys';
import { FieldCipher, isCaseSealed, openForCase } from '../../src/crypto/field-cipher';
import { KeyStore } from '../../src/crypto/key-store';
import { seal, sealAad } from '../../src/crypto/trm-crypto';
import { deadLetterQueue, TRANSNATIONAL_EXCHANGE } from '../../src/transport/topology';
import type { LocalFederation } from '../../scripts/lib/local-federation';
import { CONSENT } from '../support/foreign-peer';

/** What goes on the wire: the exact body bytes and every AMQP property, forgeable one by one. */
export interface Wire {
  body: Buffer;
  /** AMQP message_id; for a built envelope, its id. */
  messageId: string;
  /** AMQP type, and the last segment of the routing key. */
  type: string;
  /** null: published without user_id (RabbitMQ only checks the property when present). */
  userId?: string | null;
  correlationId?: string;
  /** Replaces the default x-trm-* headers; a header set to undefined is left out. */
  headers?: Record<string, unknown>;
  routingKey?: string;
}

export interface EnvelopeDraft {
  type?: string;
  to?: string;
  caseRef?: string | null;
  payload?: unknown;
  /** The exact plaintext to seal instead of the payload's JSON (e.g. bytes that are not UTF-8). */
  plaintext?: Buffer;
  id?: string;
  sentAt?: string;
  legalBasis?: string;
  consent?: unknown;
  inReplyTo?: string | null;
  /** Seal for this key instead of the recipient's directory key. */
  sealFor?: { keyId: string; publicKey: string };
  /** Edits the envelope after sealing (the AAD was computed before). */
  after?: (envelope: Record<string, unknown>) => void;
  /**
   * JSON text spliced into the body in place of the string value `"@@<name>@@"`: for what JSON.stringify
   * cannot write (10,000 levels of nesting, duplicate keys).
   */
  raw?: Record<string, string>;
}

interface DirectoryEntry {
  code: string;
  signingKey: { keyId: string; publicKey: string };
  encryptionKey: { keyId: string; publicKey: string };
}

/**
 * Builds envelopes as a participant written from PROTOCOL.md would, then breaks them on request: like
 * test/support/foreign-peer.ts, but with control over the plaintext, the bytes and every property.
 */
export class Forger {
  readonly keys: KeyStore;
  private readonly directory: DirectoryEntry[];

  constructor(
    federation: LocalFederation,
    readonly code: string,
  ) {
    this.keys = KeyStore.load(federation.keysDir, code);
    this.directory = JSON.parse(readFileSync(federation.directoryFile, 'utf8')).participants;
  }

  participant(code: string): DirectoryEntry {
    return this.directory.find((p) => p.code === code)!;
  }

  envelope(draft: EnvelopeDraft): { id: string; envelope: Record<string, unknown> } {
    const id = draft.id ?? uuidv7();
    const head = {
      version: 1,
      id,
      type: draft.type ?? 'REFERRAL_REQUEST',
      from: this.code,
      to: draft.to ?? 'MK',
      caseRef: draft.caseRef === undefined ? null : draft.caseRef,
    };
    const plaintext = draft.plaintext ?? Buffer.from(JSON.stringify(draft.payload ?? {}), 'utf8');
    const recipient = draft.sealFor ?? this.participant(head.to).encryptionKey;
    const legalBasis = draft.legalBasis ?? 'CONSENT';
    const envelope: Record<string, unknown> = {
      ...head,
      inReplyTo: draft.inReplyTo ?? null,
      sentAt: draft.sentAt ?? new Date().toISOString(),
      legalBasis,
      ...(legalBasis === 'CONSENT' ? { consent: draft.consent ?? structuredClone(CONSENT) } : {}),
      sealed: seal(plaintext, recipient, sealAad(head)),
    };
    draft.after?.(envelope);
    return { id, envelope };
  }

  /** A signed wire message of the envelope (or of the given bytes), with its properties derived from it. */
  wire(draft: EnvelopeDraft, overrides: Partial<Wire> = {}): Wire & { id: string } {
    const { id, envelope } = this.envelope(draft);
    let text = JSON.stringify(envelope);
    for (const [name, json] of Object.entries(draft.raw ?? {})) text = text.replace(`"@@${name}@@"`, json);
    const body = Buffer.from(text, 'utf8');
    return {
      id,
      body,
      messageId: id,
      type: typeof envelope.type === 'string' ? envelope.type : 'REFERRAL_REQUEST',
      // AMQP short strings hold 255 bytes: a longer caseRef (the 1 MB case) travels in the body only.
      correlationId:
        typeof envelope.caseRef === 'string' && envelope.caseRef.length <= 255 ? envelope.caseRef : '',
      headers: this.headers(body),
      ...overrides,
    };
  }

  /** Arbitrary bytes, correctly signed by this participant. */
  bytes(body: Buffer, overrides: Partial<Wire> = {}): Wire {
    return {
      body,
      messageId: `hostile-${uuidv7()}`,
      type: 'REFERRAL_REQUEST',
      headers: this.headers(body),
      ...overrides,
    };
  }

  headers(body: Buffer): Record<string, unknown> {
    return {
      'x-trm-version': 1,
      'x-trm-key-id': this.keys.signingKeyId,
      'x-trm-signature': this.keys.sign(body),
    };
  }
}

/** An Ed25519 signature by a key no directory lists. */
export function signWithUnknownKey(body: Buffer): string {
  const { privateKey } = generateKeyPairSync('ed25519');
  return edSign(null, body, privateKey).toString('base64');
}

/** Publishes wire messages as participant `code`, over its own broker user, with publisher confirms. */
export class RawPublisher {
  private constructor(
    private readonly connection: amqp.ChannelModel,
    private readonly channel: amqp.ConfirmChannel,
    private readonly code: string,
  ) {}

  static async connect(federation: LocalFederation, code: string): Promise<RawPublisher> {
    const connection = await amqp.connect(federation.amqpUrl(code));
    connection.on('error', () => undefined);
    const channel = await connection.createConfirmChannel();
    channel.on('error', () => undefined);
    return new RawPublisher(connection, channel, code);
  }

  async publish(wire: Wire, to = 'MK'): Promise<void> {
    const lane = wire.type === 'EMERGENCY_ALERT' ? 'urgent' : 'routine';
    const headers = Object.fromEntries(
      Object.entries(wire.headers ?? {}).filter(([, value]) => value !== undefined),
    );
    await new Promise<void>((resolve, reject) =>
      this.channel.publish(
        TRANSNATIONAL_EXCHANGE,
        wire.routingKey ?? `${lane}.${to}.${this.code}.${wire.type.replace(/[.*#]/g, '_')}`,
        wire.body,
        {
          persistent: true,
          messageId: wire.messageId,
          correlationId: wire.correlationId ?? '',
          type: wire.type,
          ...(wire.userId === null ? {} : { userId: wire.userId ?? this.code }),
          contentType: 'application/json',
          timestamp: Math.floor(Date.now() / 1000),
          headers,
        },
        (error) => (error ? reject(error) : resolve()),
      ),
    );
  }

  async close(): Promise<void> {
    await this.connection.close().catch(() => undefined);
  }
}

/** Collects everything a node dead-letters, by AMQP message_id. */
export class DeadLetters {
  private readonly received = new Map<string, Array<Record<string, unknown>>>();
  private waiters: Array<() => void> = [];

  private constructor(private readonly connection: amqp.ChannelModel) {}

  static async consume(federation: LocalFederation, code: string): Promise<DeadLetters> {
    const connection = await amqp.connect(federation.amqpUrl('guest', 'guest', 'guest'));
    connection.on('error', () => undefined);
    const letters = new DeadLetters(connection);
    const channel = await connection.createChannel();
    await channel.consume(deadLetterQueue(code), (message) => {
      if (!message) return;
      channel.ack(message);
      const id = String(message.properties.messageId ?? '');
      letters.received.set(id, [...(letters.received.get(id) ?? []), message.properties.headers ?? {}]);
      letters.waiters.splice(0).forEach((wake) => wake());
    });
    return letters;
  }

  /** How many dead letters carried this message_id so far. */
  count(messageId: string): number {
    return this.received.get(messageId)?.length ?? 0;
  }

  /** The headers of dead letter number `after + 1` with this message_id, once it arrives. */
  async take(messageId: string, after = 0, timeoutMs = 10_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.get(messageId)?.[after];
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no dead letter for ${messageId}`);
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

/** What a node has stored: every row of the tables that hold cases and messages, keyed and hashed. */
export type Snapshot = Map<string, Map<string, { hash: string; row: Record<string, unknown> }>>;

const STORED_TABLES: Record<string, string> = {
  cases: 'case_ref',
  messages: 'id::text',
  inbox: `message_id || '/' || sender`,
  consent_records: 'id::text',
  peer_consent_withdrawals: `consent_id || '/' || country`,
  risk_assessments: 'id::text',
  risk_overrides: 'id::text',
  participants: 'code',
};

export interface StoreDiff {
  added: Array<{ table: string; row: Record<string, unknown> }>;
  changed: Array<{
    table: string;
    key: string;
    before: Record<string, unknown>;
    after: Record<string, unknown>;
  }>;
  removed: Array<{ table: string; key: string }>;
}

/** A superuser connection to one node's database, for snapshots and read-backs. */
export class NodeStore {
  private constructor(
    private readonly client: Client,
    private readonly cipher: FieldCipher,
  ) {}

  static async connect(federation: LocalFederation, code: string): Promise<NodeStore> {
    const client = new Client({ connectionString: federation.databaseUrl(code) });
    await client.connect();
    return new NodeStore(client, FieldCipher.load(federation.keysDir, code));
  }

  /**
   * A value of an encrypted column (`table.column`) of row `rowId` (its primary key `id`), decrypted with the
   * node's data key, or with its case's key (unwrapped by the node's) when it is under one.
   */
  async decrypt(stored: string, column: string, rowId: string): Promise<string> {
    if (!isCaseSealed(stored)) return this.cipher.open(stored, column, rowId).toString('utf8');
    const table = column.split('.')[0];
    const [{ case_ref }] = await this.query<{ case_ref: string }>(
      `SELECT case_ref FROM ${table} WHERE id = $1`,
      [rowId],
    );
    const key = await new CaseKeys(this.cipher).existingKey(
      (sql, params) => this.query(sql, params),
      case_ref,
    );
    if (!key) throw new Error(`${column} (row ${rowId}): its case ${case_ref} has no key`);
    return openForCase(key, stored, column, rowId).toString('utf8');
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query(sql, params)).rows as T[];
  }

  async snapshot(): Promise<Snapshot> {
    const snapshot: Snapshot = new Map();
    for (const [table, key] of Object.entries(STORED_TABLES)) {
      const rows = await this.query<{ k: string; h: string; row: Record<string, unknown> }>(
        `SELECT ${key} AS k, md5(t::text) AS h, to_jsonb(t) AS row FROM ${table} t`,
      );
      snapshot.set(table, new Map(rows.map((r) => [r.k, { hash: r.h, row: r.row }])));
    }
    return snapshot;
  }

  /**
   * Waits until the node has nothing in flight: its outbox is empty and every business message it sent has
   * its answer (receipts and rejections stay SENT: nothing acknowledges them).
   */
  async settle(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [state] = await this.query<{ pending: number; open: number }>(
        `SELECT (SELECT count(*) FROM outbox WHERE published_at IS NULL)::int AS pending,
                (SELECT count(*) FROM messages WHERE status = 'QUEUED'
                   OR (status = 'SENT' AND type NOT IN ('DELIVERY_RECEIPT', 'DELIVERY_REJECTED', 'AUDIT_CHECKPOINT')))::int AS open`,
      );
      if (state.pending === 0 && state.open === 0) return;
      if (Date.now() > deadline) throw new Error(`node did not settle: ${JSON.stringify(state)}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}

export function diffStore(before: Snapshot, after: Snapshot): StoreDiff {
  const diff: StoreDiff = { added: [], changed: [], removed: [] };
  for (const [table, rows] of after) {
    const earlier = before.get(table)!;
    for (const [key, { hash, row }] of rows) {
      const was = earlier.get(key);
      if (!was) diff.added.push({ table, row });
      else if (was.hash !== hash) diff.changed.push({ table, key, before: was.row, after: row });
    }
    for (const key of earlier.keys()) if (!rows.has(key)) diff.removed.push({ table, key });
  }
  return diff;
}

export async function healthOf(url: string): Promise<number> {
  return (await fetch(`${url}/health`)).status;
}
