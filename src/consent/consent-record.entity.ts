import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';
import type { ConsentGiver, ConsentScope } from '../messages/envelope.dto';

/** Never edited: a change is a new record, and a withdrawal ends it (enforced by a trigger too). */
@Entity('consent_records')
export class ConsentRecordEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  @Column('text', { array: true })
  scopes!: ConsentScope[];

  /** Countries the data may go to. */
  @Column('text', { array: true })
  recipients!: string[];

  @Column('text', { name: 'given_by' })
  givenBy!: ConsentGiver;

  /** For a child, the child's own view, heard and recorded: free text about the person, encrypted at rest. */
  @EncryptedColumn('text', { name: 'child_view', nullable: true })
  childView!: string | null;

  @Column('boolean')
  informed!: boolean;

  @Column('text', { name: 'informed_language' })
  informedLanguage!: string;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column('timestamptz', { name: 'given_at' })
  givenAt!: Date;

  @Column('timestamptz', { name: 'recorded_at' })
  recordedAt!: Date;

  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt!: Date | null;

  @Column('timestamptz', { name: 'withdrawn_at', nullable: true })
  withdrawnAt!: Date | null;

  @Column('text', { name: 'withdrawn_by', nullable: true })
  withdrawnBy!: string | null;
}
