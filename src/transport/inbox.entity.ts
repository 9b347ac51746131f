import { Column, Entity, PrimaryColumn } from 'typeorm';

export type InboxOutcome = 'ACCEPTED' | 'REJECTED';

/**
 * One row per (message id, sender) an authenticated sender ever sent us: the dedupe key of the idempotent
 * inbox. Keyed by the sender too, so another sender reusing an id is refused once and then answered from its
 * own row, without touching the first sender's.
 */
@Entity('inbox')
export class InboxEntity {
  @PrimaryColumn('text', { name: 'message_id' })
  messageId!: string;

  @PrimaryColumn('char', { length: 2 })
  sender!: string;

  @Column('text', { nullable: true })
  type!: string | null;

  @Column('text')
  outcome!: InboxOutcome;

  @Column('text', { name: 'reason_code', nullable: true })
  reasonCode!: string | null;

  /** The receipt or rejection we answered with: a duplicate gets the same one again. */
  @Column('uuid', { name: 'response_id', nullable: true })
  responseId!: string | null;

  @Column('timestamptz', { name: 'received_at' })
  receivedAt!: Date;
}
