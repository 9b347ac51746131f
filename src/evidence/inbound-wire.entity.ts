import { Column, Entity, PrimaryColumn } from 'typeorm';
import { EncryptedColumn } from '../crypto/encrypted-column';

/**
 * The exact signed body of a message accepted from a peer, with its signature and the signing key's id: the
 * peer's signed statement, kept for the case's evidence bundle (the outbox keeps ours). The body carries the
 * payload sealed for this node, so it is encrypted at rest like the outbox's.
 */
@Entity('inbound_wire')
export class InboundWireEntity {
  /** The message's id. */
  @PrimaryColumn('uuid')
  id!: string;

  /** The message's case: the body is encrypted under the case's key (docs/data-at-rest.md, "Per-case keys"). */
  @Column('text', { name: 'case_ref', nullable: true })
  caseRef!: string | null;

  @Column('char', { length: 2 })
  sender!: string;

  @Column('text', { name: 'key_id' })
  keyId!: string;

  /** Null once the case is erased: its key is gone, and the payload sealed for this node with it. */
  @EncryptedColumn('bytes')
  body!: Buffer | null;

  @Column('text')
  signature!: string;

  @Column('timestamptz', { name: 'received_at', default: () => 'now()' })
  receivedAt!: Date;
}
