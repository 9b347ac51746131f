import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { AgeStatus } from './age-presumption';
import { EncryptedColumn } from '../crypto/encrypted-column';
import type { CountryRole, Phases } from './case-lifecycle.policy';

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

  /** The newest message, consent or assessment on the case, or change to it: kept by the database. */
  @Column({ type: 'timestamptz', name: 'last_activity_at', insert: false, update: false })
  lastActivityAt!: Date;

  @Column('timestamptz', { name: 'closed_at', nullable: true })
  closedAt!: Date | null;

  /**
   * A legal hold suspends the retention period (docs/retention.md): its reason code, who set it and when.
   */
  @Column('text', { name: 'legal_hold', nullable: true })
  legalHold!: string | null;

  @Column('text', { name: 'legal_hold_by', nullable: true })
  legalHoldBy!: string | null;

  @Column('timestamptz', { name: 'legal_hold_since', nullable: true })
  legalHoldSince!: Date | null;

  /** An admin asked to erase the case: a second admin confirms (four eyes). */
  @Column('text', { name: 'erasure_requested_by', nullable: true })
  erasureRequestedBy!: string | null;

  @Column('timestamptz', { name: 'erasure_requested_at', nullable: true })
  erasureRequestedAt!: Date | null;

  /** The case's key was destroyed: its personal data is unreadable; the row keeps its non-personal facts. */
  @Column('timestamptz', { name: 'erased_at', nullable: true })
  erasedAt!: Date | null;

  /** The case was reopened: the CASE_CLOSED exchanged before this no longer close any part of it. */
  @Column('timestamptz', { name: 'reopened_at', nullable: true })
  reopenedAt!: Date | null;

  /** From the referral: a documented, presumed or disputed child is protected as a child. */
  @Column('text', { name: 'age_status', nullable: true })
  ageStatus!: AgeStatus | null;

  /**
   * The statistical categories the latest referral gave (docs/indicators.md, "Anonymised statistics"):
   * coarse codes, counted only with small-cell suppression.
   */
  @Column('text', { nullable: true })
  sex!: string | null;

  @Column('text', { name: 'age_band', nullable: true })
  ageBand!: string | null;

  @Column('text', { name: 'exploitation_types', array: true, nullable: true })
  exploitationTypes!: string[] | null;

  /**
   * The owner's identification status (from its referrals, or this node's own decision on its own case):
   * identifying the person is the case owner's decision, and only the owner's word moves it.
   */
  @Column('text', { name: 'identification_status', nullable: true })
  identificationStatus!: string | null;

  /**
   * This node's own identification decision on another country's case it takes part in (a coordinator's, by
   * `PUT /cases/{ref}/identification`): it drives this node's gates only and never travels, so a peer can
   * never lift the owner's "no return while identification is in progress" on the owner's node.
   */
  @Column('text', { name: 'own_identification_status', nullable: true })
  ownIdentificationStatus!: string | null;

  @Column('timestamptz', { name: 'own_identification_at', nullable: true })
  ownIdentificationAt!: Date | null;

  /** A peer withdrew consent: personal data is no longer shown or forwarded until new consent is recorded. */
  @Column('timestamptz', { name: 'restricted_at', nullable: true })
  restrictedAt!: Date | null;

  /** The role of each country on the case, this node's own included (origin, transit, destination). */
  @Column('jsonb', { name: 'country_roles' })
  countryRoles!: Record<string, CountryRole>;

  /** The status of each SOP; a SOP not listed has not started. */
  @Column('jsonb')
  phases!: Phases;

  /** One case manager per country: a professional, named minimally (no phone or e-mail kept here). */
  @EncryptedColumn('json')
  managers!: CaseManager[];

  /** A child's guardian or legal representative, by function and institution (no personal name). */
  @EncryptedColumn('json', { nullable: true })
  guardian!: Guardian | null;
}

export interface CaseManager {
  country: string;
  name: string;
  institution: string;
  role?: string;
}

export const GUARDIAN_KINDS = ['GUARDIAN', 'LEGAL_REPRESENTATIVE'] as const;

export interface Guardian {
  kind: (typeof GUARDIAN_KINDS)[number];
  institution: string;
  appointedAt: string;
}

export { isChild, isChildCase, referralSaysChild } from './age-presumption';
export type { AgeStatus } from './age-presumption';
