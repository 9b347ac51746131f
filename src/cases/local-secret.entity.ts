import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';

/**
 * A local secret on a case: a value this node keeps and never sends (a shelter's address, a safe-house phone
 * number, a protected contact). Its label and its value are encrypted for their row; only a coordinator of
 * this node records or reads one, each read with a reason, audited (src/cases/local-secrets.service.ts).
 */
@Entity('local_secrets')
export class LocalSecretEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  /** What it is, as the coordinator names it ("shelter address"): shown in the list. */
  @EncryptedColumn('text')
  label!: string;

  @EncryptedColumn('text')
  value!: string;

  @Column('text', { name: 'recorded_by' })
  recordedBy!: string;

  @Column({ type: 'timestamptz', name: 'recorded_at', insert: false, update: false })
  recordedAt!: Date;
}
