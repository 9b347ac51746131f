import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { CancelReason, ExpectationStatus } from './expectation-rules';

/** The function addressed for an answer (from the directory's contact list), never a person's own data. */
export interface AddressedContact {
  institution: string;
  department?: string;
  role?: string;
  /** Its place in the escalation order of that country and SOP. */
  rank: number;
}

export interface Escalation {
  level: number;
  /** null once the contact list is exhausted. */
  contact: AddressedContact | null;
  at: string;
}

/** AWAITED: another country must answer us. OWED: we must answer another country. */
export const EXPECTATION_DIRECTIONS = ['AWAITED', 'OWED'] as const;
export type ExpectationDirection = (typeof EXPECTATION_DIRECTIONS)[number];

/** An answer a request is waiting for: who must give it, of which types, by when, and where it stands. */
@Entity('expectations')
export class ExpectationEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  @Column('uuid', { name: 'request_message_id' })
  requestMessageId!: string;

  @Column('text', { name: 'request_type' })
  requestType!: string;

  @Column('text', { name: 'expected_types', array: true })
  expectedTypes!: string[];

  @Column('text')
  direction!: ExpectationDirection;

  /** The country that must answer. */
  @Column('char', { name: 'owed_by', length: 2 })
  owedBy!: string;

  @Column('char', { name: 'owed_to', length: 2 })
  owedTo!: string;

  @Column('smallint')
  sop!: number;

  @Column('timestamptz', { name: 'requested_at' })
  requestedAt!: Date;

  @Column('timestamptz', { name: 'due_at' })
  dueAt!: Date;

  @Column('text')
  status!: ExpectationStatus;

  /** The receiver's DELIVERY_RECEIPT for the request (for an OWED one: when we received it). */
  @Column('timestamptz', { name: 'delivered_at', nullable: true })
  deliveredAt!: Date | null;

  @Column('timestamptz', { name: 'answered_at', nullable: true })
  answeredAt!: Date | null;

  @Column('uuid', { name: 'answer_message_id', nullable: true })
  answerMessageId!: string | null;

  @Column('text', { name: 'answer_type', nullable: true })
  answerType!: string | null;

  /** The request was rejected by the receiver (DELIVERY_REJECTED): nobody owes an answer to it. */
  @Column('timestamptz', { name: 'failed_at', nullable: true })
  failedAt!: Date | null;

  @Column('text', { name: 'failure_reason_code', nullable: true })
  failureReasonCode!: string | null;

  /** The case was closed (CASE_CLOSED sent or received) while the answer was still awaited. */
  @Column('timestamptz', { name: 'cancelled_at', nullable: true })
  cancelledAt!: Date | null;

  /** Why it was cancelled (`CANCELLATIONS` in expectation-rules.ts); null before reasons were recorded. */
  @Column('text', { name: 'cancel_reason', nullable: true })
  cancelReason!: CancelReason | null;

  @Column('timestamptz', { name: 'overdue_at', nullable: true })
  overdueAt!: Date | null;

  /** Index, in the contact list of owedBy for this SOP, of the contact addressed now. */
  @Column('integer', { name: 'escalation_level' })
  escalationLevel!: number;

  /** The contact addressed now; null when the list has no entry for the SOP. */
  @Column('jsonb', { nullable: true })
  contact!: AddressedContact | null;

  @Column('jsonb')
  escalations!: Escalation[];

  @Column('timestamptz', { name: 'escalation_exhausted_at', nullable: true })
  escalationExhaustedAt!: Date | null;

  /** When the scheduler next looks at it (the deadline, then each escalation period); null once settled. */
  @Column('timestamptz', { name: 'next_check_at', nullable: true })
  nextCheckAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
