import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';

/**
 * A coordinator's written decision to let one message type through despite a HIGH assessment (or a child's
 * family assessed as a source of harm). Usable by the risk gate only once a second coordinator confirmed it.
 */
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

  /** Who requested it. */
  @Column('text', { name: 'overridden_by' })
  overriddenBy!: string;

  /** The second coordinator (never the requester); null while pending. */
  @Column('text', { name: 'confirmed_by', nullable: true })
  confirmedBy!: string | null;

  @Column('timestamptz', { name: 'confirmed_at', nullable: true })
  confirmedAt!: Date | null;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;
}
