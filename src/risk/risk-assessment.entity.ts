import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';
import type { RiskLevel } from './risk.policy';

export interface RiskFactor {
  /** RF-01 … RF-20 (domain.md). */
  code: string;
  status: 'PRESENT' | 'ABSENT' | 'UNKNOWN';
  /** The evidence: stays in this country (only the summary, level and plan cross the border). */
  evidence?: string;
}

@Entity('risk_assessments')
export class RiskAssessmentEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  /** The country that assessed (this node, or a peer through RISK_ASSESSMENT_RESULT). */
  @Column('char', { length: 2 })
  country!: string;

  @Column('text')
  level!: RiskLevel;

  /** The factors, summary and plan describe the person and their danger: encrypted at rest. */
  @EncryptedColumn('json')
  factors!: RiskFactor[];

  @EncryptedColumn('text')
  summary!: string;

  @EncryptedColumn('text', { name: 'protection_plan', nullable: true })
  protectionPlan!: string | null;

  @Column('boolean')
  complete!: boolean;

  @Column('text', { name: 'assessed_by' })
  assessedBy!: string;

  @Column('timestamptz', { name: 'assessed_at' })
  assessedAt!: Date;

  @Column('timestamptz', { name: 'valid_until' })
  validUntil!: Date;

  @Column('uuid', { name: 'source_message_id', nullable: true })
  sourceMessageId!: string | null;

  @Column('timestamptz', { name: 'review_required_at', nullable: true })
  reviewRequiredAt!: Date | null;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;
}
