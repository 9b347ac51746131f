import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';
import type { AgencyReplyKind } from './agency-contract';

/** A reply signed (and, for answers, sealed) at commit time: the relay publishes these exact bytes. */
@Entity('agency_replies')
export class AgencyReplyEntity {
  /** bigint comes back from pg as a string. */
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

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

export type NewAgencyReply = Pick<
  AgencyReplyEntity,
  'replyId' | 'agency' | 'kind' | 'correlationId' | 'body' | 'headers'
>;
