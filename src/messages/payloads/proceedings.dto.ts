import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsNotEmpty,
  IsNumber,
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
import {
  ID_MAX,
  IsDateOnly,
  IsDateTime,
  IsOptionalNotNull,
  ITEM_MAX,
  LIST_MAX,
  NAME_MAX,
  TEXT_MAX,
} from './common.dto';
import { EXPLOITATION_TYPES, ExploitationType } from './identification.dto';

// SOP 5: criminal proceedings and compensation claims.

export class EvidenceRequestPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  purpose!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  requestingAuthority!: string;

  /**
   * Whether the request means contacting the country of origin's police, courts or consular services:
   * that needs the person's consent for it and is refused when the assessment flags a security risk.
   */
  @IsBoolean()
  targetsOriginAuthorities!: boolean;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  items!: string[];
}

export class EvidenceResponsePayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;

  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  itemsProvided!: string[];
}

/**
 * How a victim-witness may give testimony. Remote testimony (a video or audio link from where she lives, e.g.
 * her country of origin after the return) spares her travelling to where the perpetrators live (RF-13).
 */
export const APPEARANCE_MODES = ['IN_PERSON', 'VIDEO_LINK', 'AUDIO_LINK', 'RECORDED_STATEMENT'] as const;
export type AppearanceMode = (typeof APPEARANCE_MODES)[number];

/** The modes given from another place than the court: they may name the country they are given from. */
export const REMOTE_APPEARANCE_MODES: readonly AppearanceMode[] = ['VIDEO_LINK', 'AUDIO_LINK'];

/** Protection of victim-witnesses (SOP 5): what the court can order or the witness asks for. */
export const PROTECTION_MEASURES = [
  'ANONYMITY',
  'SCREENING_FROM_DEFENDANT',
  'CLOSED_HEARING',
  'VOICE_DISTORTION',
  'SUPPORT_PERSON',
  'ESCORT',
  'SEPARATE_WAITING_AREA',
  'WITNESS_PROTECTION_PROGRAMME',
] as const;
export type ProtectionMeasure = (typeof PROTECTION_MEASURES)[number];

/**
 * A court or prosecutor asks for the victim to testify (a compatible v1 extension). It names the hearing, the
 * ways she may testify and the protection measures on offer; never where she lives or stays.
 */
export class WitnessAppearanceRequestPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  requestingAuthority!: string;

  /** The court's or prosecutor's own reference of the proceedings. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  proceedingsRef?: string;

  @IsDateTime()
  hearingAt!: string;

  /** The court and its city: a public place, never the witness's location. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  venue!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(APPEARANCE_MODES.length)
  @ArrayUnique()
  @IsIn(APPEARANCE_MODES, { each: true })
  appearanceOptions!: AppearanceMode[];

  @IsArray()
  @ArrayMaxSize(PROTECTION_MEASURES.length)
  @ArrayUnique()
  @IsIn(PROTECTION_MEASURES, { each: true })
  protectionMeasures!: ProtectionMeasure[];

  @IsOptionalNotNull()
  @IsBoolean()
  travelCostsCovered?: boolean;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

/**
 * The answer, after the person was asked (testifying is her choice): whether and how she will testify, from
 * which country when remotely, and the protection she asks for.
 */
export class WitnessAppearanceResponsePayload {
  @IsBoolean()
  willAppear!: boolean;

  /** Required when she will appear: one of the request's options. */
  @IsOptionalNotNull()
  @IsIn(APPEARANCE_MODES)
  appearanceMode?: AppearanceMode;

  /** The country a remote testimony is given from (e.g. her country of origin); only with a remote mode. */
  @IsOptionalNotNull()
  @IsCountryCode()
  remoteFrom?: string;

  @IsArray()
  @ArrayMaxSize(PROTECTION_MEASURES.length)
  @ArrayUnique()
  @IsIn(PROTECTION_MEASURES, { each: true })
  protectionMeasuresRequested!: ProtectionMeasure[];

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

export function witnessAppearanceResponseRuleErrors(payload: WitnessAppearanceResponsePayload): FieldError[] {
  const errors: FieldError[] = [];
  if (payload.willAppear && payload.appearanceMode === undefined) {
    errors.push({
      path: 'appearanceMode',
      constraints: ['appearanceModeRequired: appearanceMode is required when willAppear is true'],
    });
  }
  if (!payload.willAppear && payload.appearanceMode !== undefined) {
    errors.push({
      path: 'appearanceMode',
      constraints: ['appearanceModeWithoutAppearance: appearanceMode only when willAppear is true'],
    });
  }
  if (
    payload.remoteFrom !== undefined &&
    !(payload.appearanceMode !== undefined && REMOTE_APPEARANCE_MODES.includes(payload.appearanceMode))
  ) {
    errors.push({
      path: 'remoteFrom',
      constraints: ['remoteFromNeedsRemoteMode: remoteFrom only with VIDEO_LINK or AUDIO_LINK'],
    });
  }
  return errors;
}

/**
 * A complaint received in one country handed to the country where the crime happened, for its police and
 * prosecutors (a compatible v1 extension). The victim's statement itself travels through judicial channels;
 * this names what was sent and whether she wants to be kept informed.
 */
export class ComplaintTransferPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  transferringAuthority!: string;

  /** The day the complaint was made. */
  @IsDateOnly()
  complaintDate!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EXPLOITATION_TYPES.length)
  @ArrayUnique()
  @IsIn(EXPLOITATION_TYPES, { each: true })
  exploitationTypes!: ExploitationType[];

  /** The facts of the offence as the complaint states them. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  offenceSummary!: string;

  /** Localities or regions where the offence took place, in the receiving country. */
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(NAME_MAX, { each: true })
  placesOfOffence?: string[];

  @IsBoolean()
  suspectsIdentified!: boolean;

  /** What is transmitted through judicial channels with the complaint (statements, records). */
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  documentsTransmitted?: string[];

  /** The victim's right to information on the proceedings: PROCEEDINGS_STATUS messages then follow. */
  @IsBoolean()
  victimWishesToBeInformed!: boolean;
}

/** What happened in the proceedings. An offender's release or escape must reach the victim. */
export const PROCEEDINGS_EVENTS = [
  'INVESTIGATION_OPENED',
  'CHARGES_FILED',
  'HEARING_SCHEDULED',
  'HEARING_POSTPONED',
  'VERDICT',
  'APPEAL_LODGED',
  'OFFENDER_RELEASED',
  'OFFENDER_ESCAPED',
  'PROCEEDINGS_CLOSED',
] as const;
export type ProceedingsEvent = (typeof PROCEEDINGS_EVENTS)[number];

/** The events the victim must be told of for her safety: they are never held back (consent, closed case). */
export const RELEASE_EVENTS: readonly ProceedingsEvent[] = ['OFFENDER_RELEASED', 'OFFENDER_ESCAPED'];

/** The events that name a hearing date. */
export const HEARING_EVENTS: readonly ProceedingsEvent[] = ['HEARING_SCHEDULED', 'HEARING_POSTPONED'];

export const RELEASE_KINDS = [
  'END_OF_SENTENCE',
  'CONDITIONAL_RELEASE',
  'PRE_TRIAL_RELEASE',
  'ACQUITTAL',
  'OTHER',
] as const;
export type ReleaseKind = (typeof RELEASE_KINDS)[number];

/** An offender's release or escape: when, how, and the conditions that protect the victim. */
export class OffenderReleaseDto {
  @IsDateTime()
  at!: string;

  /** Absent for an escape. */
  @IsOptionalNotNull()
  @IsIn(RELEASE_KINDS)
  releaseKind?: ReleaseKind;

  /** e.g. "no contact with the victim", "may not enter North Macedonia". */
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  conditions?: string[];
}

/**
 * The status of the proceedings, for the victim's country (a compatible v1 extension): hearing dates, the
 * verdict, an offender's release. A release or escape travels whatever the case's state: see RELEASE_EVENTS.
 */
export class ProceedingsStatusPayload {
  @IsIn(PROCEEDINGS_EVENTS)
  event!: ProceedingsEvent;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  authority!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  proceedingsRef?: string;

  /** Required with HEARING_SCHEDULED and HEARING_POSTPONED (the new date). */
  @IsOptionalNotNull()
  @IsDateTime()
  hearingAt?: string;

  /** Required with OFFENDER_RELEASED and OFFENDER_ESCAPED. */
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => OffenderReleaseDto)
  release?: OffenderReleaseDto;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary?: string;
}

export function proceedingsStatusRuleErrors(payload: ProceedingsStatusPayload): FieldError[] {
  const errors: FieldError[] = [];
  if (HEARING_EVENTS.includes(payload.event) && payload.hearingAt === undefined) {
    errors.push({
      path: 'hearingAt',
      constraints: [`hearingRequired: hearingAt is required with ${HEARING_EVENTS.join(' and ')}`],
    });
  }
  const releasing = RELEASE_EVENTS.includes(payload.event);
  if (releasing !== (payload.release !== undefined)) {
    errors.push({
      path: 'release',
      constraints: [
        releasing
          ? `releaseRequired: release is required with ${RELEASE_EVENTS.join(' and ')}`
          : `releaseWithoutRelease: release only with ${RELEASE_EVENTS.join(' and ')}`,
      ],
    });
  }
  return errors;
}

/** Whether a payload reports an offender's release or escape (the victim must be told). */
export function reportsRelease(payload: Record<string, unknown>): boolean {
  return (RELEASE_EVENTS as readonly unknown[]).includes(payload.event);
}

export const CLAIM_AGAINST = ['OFFENDER', 'STATE_FUND', 'EMPLOYER', 'OTHER'] as const;
export type ClaimAgainst = (typeof CLAIM_AGAINST)[number];

export const CLAIM_STATUSES = [
  'FILED',
  'UNDER_REVIEW',
  'AWARDED',
  'PARTIALLY_PAID',
  'PAID',
  'REJECTED',
  'APPEALED',
  'WITHDRAWN',
] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/** An amount in an ISO 4217 currency, in the currency's main unit (euros, denars). */
export class MoneyDto {
  @IsNumber({ maxDecimalPlaces: 2, allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1_000_000_000)
  amount!: number;

  @Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 currency code' })
  currency!: string;
}

/**
 * Where a compensation claim stands (a compatible v1 extension), from the offender or a state fund. No bank
 * details: payment is arranged between the authorities and the person, not over the TRM.
 */
export class CompensationClaimUpdatePayload {
  @IsIn(CLAIM_AGAINST)
  claimAgainst!: ClaimAgainst;

  @IsIn(CLAIM_STATUSES)
  claimStatus!: ClaimStatus;

  /** The court or fund that decides. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  authority!: string;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => MoneyDto)
  amountAwarded?: MoneyDto;

  @IsOptionalNotNull()
  @IsDateOnly()
  nextStepDate?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}
