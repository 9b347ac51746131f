import { Column, Entity } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';
import { RelayRow } from './relay-row';

/** A message sealed and signed at commit time: the relay publishes these exact bytes, however often it retries. */
@Entity('outbox')
export class OutboxEntity extends RelayRow {
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
}

export interface OutboxProperties {
  messageId: string;
  correlationId: string;
  type: string;
  userId: string;
  timestamp: number;
}
