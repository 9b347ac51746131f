import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';
import type { CaseFactBody, CaseFactKind } from './case-facts.policy';

/**
 * One fact recorded on a case (an asylum claim's status, an identification change, the reflection period and
 * its extensions, a threat, a reopening): append-only, so the history is the table. The fact itself tells of
 * the person (an asylum claim, threats, free-text reasons): encrypted at rest.
 */
@Entity('case_facts')
export class CaseFactEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  @Column('text')
  kind!: CaseFactKind;

  @EncryptedColumn('json')
  fact!: CaseFactBody['fact'];

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column({ type: 'timestamptz', name: 'recorded_at', insert: false, update: false })
  recordedAt!: Date;
}
