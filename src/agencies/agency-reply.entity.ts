import { Column, Entity } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';
import { RelayRow } from '../transport/relay-row';
import type { AgencyReplyKind } from './agency-contract';

/** A reply signed (and, for answers, sealed) at commit time: the relay publishes these exact bytes. */
@Entity('agency_replies')
export class AgencyReplyEntity extends RelayRow {
  @Column('uuid', { name: 'reply_id' })
  replyId!: string;

  @Column('text')
  agency!: string;

  @Column('text')
  kind!: AgencyReplyKind;

  @Column('text', { name: 'correlation_id', nullable: true })
  correlationId!: string | null;

  /** The signed reply: an answer's carries its payload sealed for the agency, so it is encrypted at rest too. */
  @EncryptedColumn('bytes')
  body!: Buffer;

  @Column('jsonb')
  headers!: Record<string, string | number>;
}

export type NewAgencyReply = Pick<
  AgencyReplyEntity,
  'replyId' | 'agency' | 'kind' | 'correlationId' | 'body' | 'headers'
>;
