import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A peer told us it withdrew one of its consents: data it sent under that consent is restricted here. */
@Entity('peer_consent_withdrawals')
export class PeerConsentWithdrawalEntity {
  @PrimaryColumn('text', { name: 'consent_id' })
  consentId!: string;

  @PrimaryColumn('char', { length: 2 })
  country!: string;

  @Column('text', { name: 'case_ref' })
  caseRef!: string;

  @Column('uuid', { name: 'message_id' })
  messageId!: string;

  @Column('timestamptz', { name: 'withdrawn_at' })
  withdrawnAt!: Date;
}
