import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
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
import {
  CaseManagerDto,
  ID_MAX,
  IsDateOnly,
  IsDateTime,
  isLaterThan,
  IsOptionalNotNull,
  ITEM_MAX,
  LIST_MAX,
  NAME_MAX,
  RISK_LEVELS,
  RiskLevel,
  TEXT_MAX,
} from './common.dto';

// SOP 4: risk assessment, family tracing, the return handshake and reintegration.

export const RISK_ASSESSMENT_PURPOSES = [
  'RETURN',
  'PLACEMENT',
  'FAMILY_TRACING',
  'ORIGIN_CONTACT',
  'OTHER',
] as const;
export type RiskAssessmentPurpose = (typeof RISK_ASSESSMENT_PURPOSES)[number];

/** Codes RF-01 … RF-20 of the assessment record (domain.md, "Risk factors"). */
export const RISK_FACTOR_CODE_RE = /^RF-(0[1-9]|1\d|20)$/;

export const RISK_FACTOR_STATUSES = ['PRESENT', 'ABSENT', 'UNKNOWN'] as const;
export type RiskFactorStatus = (typeof RISK_FACTOR_STATUSES)[number];

export const FAMILY_TRACING_OUTCOMES = ['FOUND', 'NOT_FOUND', 'FAMILY_RISK', 'IN_PROGRESS'] as const;
export type FamilyTracingOutcome = (typeof FAMILY_TRACING_OUTCOMES)[number];

export const TRAVEL_MODES = ['AIR', 'LAND', 'SEA'] as const;
export type TravelMode = (typeof TRAVEL_MODES)[number];

export const BEST_INTERESTS_OUTCOMES = ['RETURN_IN_BEST_INTERESTS', 'RETURN_NOT_IN_BEST_INTERESTS'] as const;
export type BestInterestsOutcome = (typeof BEST_INTERESTS_OUTCOMES)[number];

export class RiskAssessmentRequestPayload {
  @IsIn(RISK_ASSESSMENT_PURPOSES)
  purpose!: RiskAssessmentPurpose;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  questions?: string;

  @IsOptionalNotNull()
  @IsDateTime()
  dueBy?: string;
}

/** A factor and its status; the evidence and its sources stay in the assessing country. */
export class RiskFactorDto {
  @Matches(RISK_FACTOR_CODE_RE, { message: '$property must be a risk factor code RF-01 to RF-20' })
  code!: string;

  @IsIn(RISK_FACTOR_STATUSES)
  status!: RiskFactorStatus;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ITEM_MAX)
  note?: string;
}

export class RiskAssessmentResultPayload {
  @IsIn(RISK_LEVELS)
  level!: RiskLevel;

  @IsArray()
  @ArrayMaxSize(20)
  @ArrayUnique((factor: RiskFactorDto) => factor.code, {
    message: 'each risk factor code may appear only once',
  })
  @ValidateNested({ each: true })
  @Type(() => RiskFactorDto)
  factors!: RiskFactorDto[];

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  protectionPlan?: string;

  @IsDateTime()
  assessedAt!: string;

  /** The situation changes: every assessment expires, and an expired one blocks a return. */
  @IsDateTime()
  validUntil!: string;

  /** False while a contribution (e.g. family tracing) is pending: an incomplete assessment blocks return. */
  @IsBoolean()
  complete!: boolean;
}

export class FamilyMemberDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  relation!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  givenName?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  familyName?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  lastKnownLocality?: string;
}

export class FamilyTracingRequestPayload {
  /** Tracing happens only because the person asked to return to their family, so false is not a request. */
  @Equals(true)
  wishToReturnToFamily!: true;

  /**
   * Carried rather than required false: tracing while an asylum claim is pending is a policy refusal that
   * evaluators count, not a malformed message.
   */
  @IsBoolean()
  asylumClaimPending!: boolean;

  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(30)
  @ValidateNested({ each: true })
  @Type(() => FamilyMemberDto)
  familyMembers?: FamilyMemberDto[];

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

export class FamilyTracingResultPayload {
  @IsIn(FAMILY_TRACING_OUTCOMES)
  outcome!: FamilyTracingOutcome;

  /** Families are sometimes the traffickers: for a child, tracing results count only after this. */
  @IsBoolean()
  familyRiskAssessed!: boolean;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;
}

export class TravelDto {
  @IsIn(TRAVEL_MODES)
  mode!: TravelMode;

  @IsBoolean()
  escort!: boolean;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  details?: string;
}

export class ReceivingOrganisationDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  name!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ITEM_MAX)
  contact?: string;
}

/** Required by policy for a child's return (art. 16(7)): the outcome is machine-readable for that check. */
export class BestInterestsDeterminationDto {
  @IsDateOnly()
  date!: string;

  @IsIn(BEST_INTERESTS_OUTCOMES)
  outcome!: BestInterestsOutcome;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  by!: string;
}

export class ReturnPlanPayload {
  @IsDateTime()
  estimatedDeparture!: string;

  @IsObject()
  @ValidateNested()
  @Type(() => TravelDto)
  travel!: TravelDto;

  @IsObject()
  @ValidateNested()
  @Type(() => ReceivingOrganisationDto)
  receivingOrganisation!: ReceivingOrganisationDto;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => BestInterestsDeterminationDto)
  bestInterestsDetermination?: BestInterestsDeterminationDto;

  /** The named child-protection service that receives a child on arrival. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  childProtectionReceiver?: string;

  /** The id of the RISK_ASSESSMENT_RESULT (or local reference) the plan relies on. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  riskAssessmentRef?: string;
}

export class ReturnPlanConfirmationPayload {
  @IsBoolean()
  accepted!: boolean;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  receptionArrangements!: string;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => CaseManagerDto)
  caseManager?: CaseManagerDto;
}

export class ArrivalConfirmationPayload {
  @IsDateTime()
  arrivedAt!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  receivedBy!: string;

  @IsOptionalNotNull()
  @IsDateOnly()
  followUpScheduled?: string;
}

export class ReintegrationRequestPayload {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  needs!: string[];

  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(60)
  durationMonths?: number;
}

export class ReintegrationConfirmationPayload {
  @IsBoolean()
  accepted!: boolean;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  programme!: string;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => CaseManagerDto)
  caseManager?: CaseManagerDto;
}

export function riskAssessmentResultRuleErrors(payload: RiskAssessmentResultPayload): FieldError[] {
  if (!isLaterThan(payload.validUntil, payload.assessedAt)) {
    return [
      { path: 'validUntil', constraints: ['validAfterAssessment: validUntil must be after assessedAt'] },
    ];
  }
  return [];
}
