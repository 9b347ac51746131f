import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';

/** A message sealed and signed at commit time: the relay publishes these exact bytes, however often it retries. */
@Entity('outbox')
export class OutboxEntity {
  /** bigint comes back from pg as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column('uuid', { name: 'message_id' })
  messageId!: string;

  @Column('text', { name: 'routing_key' })
  routingKey!: string;

  /** The signed wire body: it carries the sealed payload, so it is encrypted at rest as well. */
  @EncryptedColumn('bytes')
  body!: Buffer;

  @Column('jsonb')
  headers!: Record<string, string | number>;

  @Column('jsonb')
  properties!: OutboxProperties;

  @Column('int')
  attempts!: number;

  @Column('timestamptz', { name: 'next_attempt_at' })
  nextAttemptAt!: Date;

  @Column('text', { name: 'last_error', nullable: true })
  lastError!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'published_at', nullable: true })
  publishedAt!: Date | null;
}

export interface OutboxProperties {
  messageId: string;
  correlationId: string;
  type: string;
  userId: string;
  timestamp: number;
}
