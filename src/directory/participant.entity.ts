import { Column, Entity, PrimaryColumn } from 'typeorm';

export interface TrmContact {
  sop: number;
  institution: string;
  department?: string;
  role?: string;
  phone?: string;
  email?: string;
}

@Entity('participants')
export class ParticipantEntity {
  @PrimaryColumn({ type: 'char', length: 2 })
  code!: string;

  @Column('text')
  name!: string;

  @Column('text', { array: true })
  languages!: string[];

  /** null: accepts every type. */
  @Column('text', { array: true, nullable: true })
  accepts!: string[] | null;

  @Column('text', { name: 'signing_key_id' })
  signingKeyId!: string;

  @Column('text', { name: 'signing_public_key' })
  signingPublicKey!: string;

  @Column('text', { name: 'encryption_key_id' })
  encryptionKeyId!: string;

  @Column('text', { name: 'encryption_public_key' })
  encryptionPublicKey!: string;

  @Column('jsonb')
  contacts!: TrmContact[];

  @Column('timestamptz', { name: 'loaded_at' })
  loadedAt!: Date;
}
