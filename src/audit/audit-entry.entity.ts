import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Append-only. Never holds personal data: ids, types, countries, decisions and reason codes only. */
@Entity('audit_log')
export class AuditEntryEntity {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  seq!: string;

  @Column('timestamptz')
  at!: Date;

  @Column('text')
  action!: string;

  @Column('text')
  actor!: string;

  @Column('text', { name: 'case_ref', nullable: true })
  caseRef!: string | null;

  @Column('text', { name: 'message_id', nullable: true })
  messageId!: string | null;

  @Column('text', { name: 'message_type', nullable: true })
  messageType!: string | null;

  @Column('text', { nullable: true })
  counterpart!: string | null;

  @Column('text', { name: 'legal_basis', nullable: true })
  legalBasis!: string | null;

  @Column('text', { nullable: true })
  decision!: string | null;

  @Column('text', { name: 'reason_code', nullable: true })
  reasonCode!: string | null;

  @Column('jsonb')
  details!: Record<string, unknown>;
}
