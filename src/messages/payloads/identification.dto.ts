import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import type { FieldError } from '../../common/validation';
import { IsCountryCode } from '../../common/validation';
import { SOPS, Sop } from '../message-types';
import {
  CaseManagerDto,
  ID_MAX,
  IsDateOnly,
  IsDateTime,
  isLaterThan,
  IsOptionalNotNull,
  ITEM_MAX,
  LANGUAGE_CODE_RE,
  LIST_MAX,
  NAME_MAX,
  RISK_LEVELS,
  RiskLevel,
  TEXT_MAX,
} from './common.dto';

// SOP 1, identification: the referral and the verification of identity with the country of origin.

export const SEXES = ['FEMALE', 'MALE', 'OTHER', 'UNKNOWN'] as const;
export type Sex = (typeof SEXES)[number];

export const AGE_STATUSES = ['DOCUMENTED_ADULT', 'DOCUMENTED_CHILD', 'PRESUMED_CHILD', 'DISPUTED'] as const;
export type AgeStatus = (typeof AGE_STATUSES)[number];

export const EXPLOITATION_TYPES = [
  'SEXUAL',
  'LABOUR',
  'DOMESTIC_SERVITUDE',
  'FORCED_BEGGING',
  'FORCED_CRIMINALITY',
  'FORCED_MARRIAGE',
  'ORGAN_REMOVAL',
  'OTHER',
] as const;
export type ExploitationType = (typeof EXPLOITATION_TYPES)[number];

export const IDENTIFICATION_STATUSES = [
  'PRESUMED_VICTIM',
  'IDENTIFICATION_IN_PROGRESS',
  'IDENTIFIED_VICTIM',
  'NOT_IDENTIFIED',
] as const;
export type IdentificationStatus = (typeof IDENTIFICATION_STATUSES)[number];

export const DOCUMENT_KINDS = [
  'PASSPORT',
  'NATIONAL_ID',
  'BIRTH_CERTIFICATE',
  'RESIDENCE_PERMIT',
  'TRAVEL_DOCUMENT',
  'OTHER',
] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

export const VERIFICATION_OUTCOMES = ['CONFIRMED', 'NOT_CONFIRMED', 'PARTIAL', 'UNABLE'] as const;
export type VerificationOutcome = (typeof VERIFICATION_OUTCOMES)[number];

const MAX_AGE = 120;
const ADULT_AGE = 18;

/** What identifies a person: enough for the country of origin to verify identity. */
export class PersonIdentityDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  givenName!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  familyName!: string;

  /** Aliases and the name in other scripts (Cyrillic, Latin transliteration). */
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(NAME_MAX, { each: true })
  otherNames?: string[];

  @IsOptionalNotNull()
  @IsIn(SEXES)
  sex?: Sex;

  @IsOptionalNotNull()
  @IsDateOnly()
  dateOfBirth?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  placeOfBirth?: string;

  @IsOptionalNotNull()
  @IsCountryCode()
  nationality?: string;
}

export class PersonDto extends PersonIdentityDto {
  /** ISO 639-1 codes, so the receiving country can arrange interpretation from day one. */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(10)
  @ArrayUnique()
  @Matches(LANGUAGE_CODE_RE, { each: true, message: 'each value in $property must be an ISO 639-1 code' })
  languages!: string[];
}

/**
 * Age status and ages. A person presumed a child, or whose age is disputed, is protected as a child until
 * verified (Council of Europe Convention, art. 10): see `isTreatedAsChild`.
 */
export class AgeDto {
  @IsIn(AGE_STATUSES)
  status!: AgeStatus;

  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_AGE)
  ageWhenTrafficked?: number;

  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_AGE)
  ageNow?: number;
}

/** Travels only when the person returns to the country of origin (least data per message type). */
export class ResidenceInOriginDto {
  @IsCountryCode()
  country!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  region?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  locality?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ITEM_MAX)
  address?: string;
}

export class MedicalDto {
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  conditions?: string[];

  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  vulnerabilities?: string[];

  @IsOptionalNotNull()
  @IsBoolean()
  needsUrgentCare?: boolean;
}

/** Only the level and a summary cross the border; the sources of the information never do. */
export class RiskSummaryDto {
  @IsIn(RISK_LEVELS)
  level!: RiskLevel;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;

  @IsDateTime()
  assessedAt!: string;

  @IsOptionalNotNull()
  @IsDateTime()
  validUntil?: string;
}

/**
 * Where the person is placed, described without an address ("secure child shelter, region X"): shelter
 * locations are secret, and an unknown `address` field is rejected by the whitelist.
 */
export class PlacementDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ITEM_MAX)
  description!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  region?: string;
}

/** The referral content of the TRM guidelines. */
export class ReferralRequestPayload {
  @IsObject()
  @ValidateNested()
  @Type(() => PersonDto)
  person!: PersonDto;

  @IsObject()
  @ValidateNested()
  @Type(() => AgeDto)
  age!: AgeDto;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ResidenceInOriginDto)
  residenceInOrigin?: ResidenceInOriginDto;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(EXPLOITATION_TYPES, { each: true })
  exploitationTypes!: ExploitationType[];

  /** Identification must travel with the case: a person returned unidentified gets too little assistance. */
  @IsIn(IDENTIFICATION_STATUSES)
  identificationStatus!: IdentificationStatus;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => MedicalDto)
  medical?: MedicalDto;

  @IsObject()
  @ValidateNested()
  @Type(() => RiskSummaryDto)
  riskSummary!: RiskSummaryDto;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  assistanceNeeds!: string[];

  @IsOptionalNotNull()
  @IsDateTime()
  estimatedDeparture?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  otherInformation?: string;

  @IsIn(SOPS)
  requestedSop!: Sop;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;
}

export class ReferralConfirmationPayload {
  @IsObject()
  @ValidateNested()
  @Type(() => CaseManagerDto)
  caseManager!: CaseManagerDto;

  /** The receiving organisation decides eligibility; a confirmation may still say the person is not. */
  @IsBoolean()
  eligible!: boolean;

  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  assistanceOffered!: string[];

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

export class ReferralDeclinedPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  reason!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  alternatives?: string;
}

export class IdentityDocumentDto {
  @IsIn(DOCUMENT_KINDS)
  kind!: DocumentKind;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  number?: string;

  @IsOptionalNotNull()
  @IsCountryCode()
  issuingCountry?: string;
}

export class IdentityVerificationRequestPayload {
  @IsObject()
  @ValidateNested()
  @Type(() => PersonIdentityDto)
  person!: PersonIdentityDto;

  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => IdentityDocumentDto)
  documents?: IdentityDocumentDto[];

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  questions?: string;
}

export class IdentityVerificationResultPayload {
  @IsIn(VERIFICATION_OUTCOMES)
  outcome!: VerificationOutcome;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  details?: string;
}

/**
 * Whether a date of birth (YYYY-MM-DD) is less than 18 years before `now`: the 18th birthday, in UTC, has not
 * come (a 29 February birthday comes on 1 March in a common year, the later day).
 */
export function bornUnder18(dateOfBirth: string, now: Date): boolean {
  const [year, month, day] = dateOfBirth.split('-').map(Number);
  return now.getTime() < Date.UTC(year + ADULT_AGE, month - 1, day);
}

/**
 * Protective by design: only a documented adult neither recorded as under 18 nor born less than 18 years ago
 * is treated as an adult; a presumed child and a disputed age are protected as a child until verified.
 */
export function isTreatedAsChild(
  age: Pick<AgeDto, 'status' | 'ageNow'>,
  person?: Pick<PersonIdentityDto, 'dateOfBirth'>,
  now = new Date(),
): boolean {
  if (age.status !== 'DOCUMENTED_ADULT') return true;
  if (age.ageNow !== undefined && age.ageNow < ADULT_AGE) return true;
  return typeof person?.dateOfBirth === 'string' && bornUnder18(person.dateOfBirth, now);
}

/** Whole years from a date of birth (YYYY-MM-DD) to `at`, birthdays counted in UTC as `bornUnder18` does. */
export function ageOn(dateOfBirth: string, at: Date): number {
  const [year, month, day] = dateOfBirth.split('-').map(Number);
  const years = at.getUTCFullYear() - year;
  return at.getTime() < Date.UTC(at.getUTCFullYear(), month - 1, day) ? years - 1 : years;
}

/**
 * A day either side of the reference time: the sender may count birthdays in its own time zone (UTC−12 to
 * UTC+14), and a stated age that is right somewhere on Earth at that moment is not a contradiction.
 */
const AGE_TOLERANCE_MS = 24 * 3_600_000;

/**
 * The age rules that span fields, judged at `now` and, for a message, also at its `sentAt`: the stated age
 * was true when the sender wrote it (a receiver must not refuse a referral whose person had a birthday on
 * the way) or is true now (so an absurd `sentAt` is refused as STALE, the check made for it, not here).
 * Protective either way: a documented adult under 18 at either instant is contradicted, a documented
 * child only once she is an adult at both.
 */
export function referralRequestRuleErrors(
  payload: ReferralRequestPayload,
  now = new Date(),
  sentAt?: Date,
): FieldError[] {
  const errors: FieldError[] = [];
  const { status, ageNow, ageWhenTrafficked } = payload.age;
  const { dateOfBirth } = payload.person;
  const instants = sentAt ? [sentAt, now] : [now];
  const shifted = (ms: number) => instants.map((at) => new Date(at.getTime() + ms));
  if (status === 'DOCUMENTED_ADULT') {
    const contradictions = [
      ...(ageNow !== undefined && ageNow < ADULT_AGE
        ? ['ageConsistent: a documented adult cannot be under 18']
        : []),
      ...(dateOfBirth !== undefined && instants.some((at) => bornUnder18(dateOfBirth, at))
        ? ['ageConsistent: a documented adult cannot have a person.dateOfBirth less than 18 years ago']
        : []),
    ];
    if (contradictions.length > 0) errors.push({ path: 'age.status', constraints: contradictions });
  }
  if (status === 'DOCUMENTED_CHILD') {
    const contradictions = [
      ...(ageNow !== undefined && ageNow >= ADULT_AGE
        ? ['ageConsistent: a documented child cannot be 18 or over']
        : []),
      // Her 18th birthday passed everywhere on Earth: the document says adult, whatever the status claims.
      ...(dateOfBirth !== undefined && shifted(-AGE_TOLERANCE_MS).every((at) => !bornUnder18(dateOfBirth, at))
        ? ['ageConsistent: a documented child cannot have a person.dateOfBirth 18 or more years ago']
        : []),
    ];
    if (contradictions.length > 0) errors.push({ path: 'age.status', constraints: contradictions });
  }
  const possibleAges =
    dateOfBirth === undefined
      ? []
      : [...shifted(-AGE_TOLERANCE_MS), ...shifted(AGE_TOLERANCE_MS)].map((at) => ageOn(dateOfBirth, at));
  if (ageNow !== undefined && dateOfBirth !== undefined && !possibleAges.includes(ageNow)) {
    errors.push({
      path: 'age.ageNow',
      constraints: ['ageConsistent: ageNow disagrees with person.dateOfBirth'],
    });
  }
  if (ageNow !== undefined && ageWhenTrafficked !== undefined && ageWhenTrafficked > ageNow) {
    errors.push({
      path: 'age.ageWhenTrafficked',
      constraints: ['ageConsistent: ageWhenTrafficked cannot exceed ageNow'],
    });
  }
  const { assessedAt, validUntil } = payload.riskSummary;
  if (validUntil !== undefined && !isLaterThan(validUntil, assessedAt)) {
    errors.push({
      path: 'riskSummary.validUntil',
      constraints: ['validAfterAssessment: validUntil must be after assessedAt'],
    });
  }
  return errors;
}
