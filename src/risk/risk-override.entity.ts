import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';

/** A coordinator's written decision to let one message type through despite a HIGH assessment. */
@Entity('risk_overrides')
export class RiskOverrideEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  @Column('uuid', { name: 'assessment_id' })
  assessmentId!: string;

  @Column('text', { name: 'message_type' })
  messageType!: string;

  /** Written reason: free text that may describe the person, encrypted at rest. */
  @EncryptedColumn('text')
  reason!: string;

  @Column('text', { name: 'overridden_by' })
  overriddenBy!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
