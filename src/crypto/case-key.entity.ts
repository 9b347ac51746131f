import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EncryptedColumn } from './encrypted-column';

/**
 * A case's own data key (docs/data-at-rest.md, "Per-case keys"), wrapped by the node's data key like any
 * encrypted column, so a backup holds it only wrapped and `keys:rotate` re-wraps it. Erasing the case drops
 * the wrapped key: every personal value of the case is then ciphertext nobody can open.
 */
@Entity('case_keys')
export class CaseKeyEntity {
  @PrimaryColumn('text', { name: 'case_ref' })
  caseRef!: string;

  /** 32 random bytes; null once the case is erased. */
  @EncryptedColumn('bytes', { name: 'wrapped_key', nullable: true })
  wrappedKey!: Buffer | null;

  @Column({ type: 'timestamptz', name: 'created_at', insert: false, update: false })
  createdAt!: Date;

  @Column('timestamptz', { name: 'erased_at', nullable: true })
  erasedAt!: Date | null;
}
