import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';

export const DIRECTIONS = ['OUTBOUND', 'INBOUND'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/**
 * Outbound: QUEUED (committed) → SENT (broker confirmed) → DELIVERED (receipt) or REJECTED (rejection).
 * Inbound: ACCEPTED or REJECTED.
 */
export const MESSAGE_STATUSES = ['QUEUED', 'SENT', 'DELIVERED', 'REJECTED', 'ACCEPTED'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

@Entity('messages')
export class MessageRecordEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref', nullable: true })
  caseRef!: string | null;

  @Column('text')
  direction!: Direction;

  @Column('text')
  type!: string;

  @Column('char', { length: 2 })
  counterpart!: string;

  @Column('text', { name: 'in_reply_to', nullable: true })
  inReplyTo!: string | null;

  @Column('text', { name: 'legal_basis' })
  legalBasis!: string;

  @Column('jsonb', { nullable: true })
  consent!: object | null;

  /** Use restrictions the data travelled under (docs/protocol.md, "Use restrictions"); null: none. */
  @Column('text', { array: true, nullable: true })
  restrictions!: string[] | null;

  /** The opened payload: personal data, encrypted at rest, never logged. */
  @EncryptedColumn('json', { nullable: true })
  payload!: object | null;

  @Column('text')
  status!: MessageStatus;

  /** The envelope's `language` of the free text (ISO 639-1), when it carried one. */
  @Column('text', { nullable: true })
  language!: string | null;

  /** Outbound: who asked for it (`api:<account>`, `agency:<code>`, `node:<CC>`); inbound: null. */
  @Column('text', { name: 'submitted_by', nullable: true })
  submittedBy!: string | null;

  @Column('text', { name: 'reason_code', nullable: true })
  reasonCode!: string | null;

  @Column('text', { nullable: true })
  reason!: string | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'sent_at', nullable: true })
  sentAt!: Date | null;

  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column('timestamptz', { name: 'rejected_at', nullable: true })
  rejectedAt!: Date | null;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
