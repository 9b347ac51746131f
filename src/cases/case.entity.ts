import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

export type CaseStatus = 'OPEN' | 'CLOSED';

/** The transnational referral file as this node knows it. Personal data lives in the messages, not here. */
@Entity('cases')
export class CaseEntity {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column('text', { name: 'case_ref', unique: true })
  caseRef!: string;

  /** The referring NCP, which created the case reference. */
  @Column('char', { name: 'owner_country', length: 2 })
  ownerCountry!: string;

  /** Every other country this node has exchanged messages with on the case. */
  @Column('text', { array: true })
  countries!: string[];

  @Column('text')
  status!: CaseStatus;

  @Column('timestamptz', { name: 'opened_at' })
  openedAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;
}
