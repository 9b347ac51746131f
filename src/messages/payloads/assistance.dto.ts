import { Type } from 'class-transformer';
import {
  ArrayMinSize,
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import type { FieldError } from '../../common/validation';
import type { Envelope } from '../envelope.dto';
import { SOPS, Sop } from '../message-types';
import {
  IsDateOnly,
  IsDateTime,
  IsOptionalNotNull,
  ITEM_MAX,
  LIST_MAX,
  NAME_MAX,
  TEXT_MAX,
} from './common.dto';
import {
  DOCUMENT_KINDS,
  DocumentKind,
  IdentityDocumentDto,
  PersonIdentityDto,
  PlacementDto,
} from './identification.dto';

// SOP 2 (crisis intervention, emergencies) and SOP 3 (assistance and social inclusion).

/** The dangers of Council of Europe Convention art. 33, plus a missing child, which always travels urgent. */
export const DANGERS = ['LIFE', 'FREEDOM', 'PHYSICAL_INTEGRITY', 'MISSING_CHILD'] as const;
export type Danger = (typeof DANGERS)[number];

export class EmergencyAlertPayload {
  @IsIn(DANGERS)
  danger!: Danger;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  description!: string;

  /** Region-level only: an exact location in a message could lead traffickers to the person. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  locationHint?: string;

  /** Required when the envelope's legal basis is VITAL_INTEREST: the one transfer without consent is reviewed. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  justification?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  immediateActionsRequested!: string[];
}

/** How far the alerted country got: it read the alert, it acted, or it cannot act (and says why in notes). */
export const ACKNOWLEDGEMENT_OUTCOMES = ['RECEIVED', 'ACTION_TAKEN', 'UNABLE_TO_ACT'] as const;
export type AcknowledgementOutcome = (typeof ACKNOWLEDGEMENT_OUTCOMES)[number];

/**
 * The alerted country's answer to an EMERGENCY_ALERT (a compatible v1 extension, docs/protocol.md): a person
 * there read it, and what was done. It may travel on VITAL_INTEREST when the alert did, so it has no field
 * for the person's identity, contact or health: it carries no personal data beyond what the alert carried.
 */
export class EmergencyAlertAcknowledgementPayload {
  @IsIn(ACKNOWLEDGEMENT_OUTCOMES)
  outcome!: AcknowledgementOutcome;

  /** The immediate actions taken, required with ACTION_TAKEN. */
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  actionsTaken?: string[];

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

export function emergencyAlertAcknowledgementRuleErrors(
  payload: EmergencyAlertAcknowledgementPayload,
): FieldError[] {
  if (payload.outcome === 'ACTION_TAKEN' && payload.actionsTaken === undefined) {
    return [
      {
        path: 'actionsTaken',
        constraints: ['actionsRequired: actionsTaken is required when the outcome is ACTION_TAKEN'],
      },
    ];
  }
  return [];
}

export class CaseUpdatePayload {
  /** The SOP the update concerns: measures are à la carte, so an update may belong to any phase. */
  @IsIn(SOPS)
  sop!: Sop;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  status?: string;
}

export function emergencyAlertRuleErrors(
  payload: EmergencyAlertPayload,
  envelope?: Pick<Envelope, 'legalBasis'>,
): FieldError[] {
  if (envelope?.legalBasis === 'VITAL_INTEREST' && (payload.justification ?? '').trim() === '') {
    return [
      {
        path: 'justification',
        constraints: [
          'justificationRequired: a written justification is required when legalBasis is VITAL_INTEREST',
        ],
      },
    ];
  }
  return [];
}

/** What a search for a missing person came to. */
export const SEARCH_OUTCOMES = ['FOUND_SAFE', 'FOUND_IN_DANGER', 'NOT_FOUND', 'SEARCH_CONTINUING'] as const;
export type SearchOutcome = (typeof SEARCH_OUTCOMES)[number];

/**
 * The outcome of a search for a missing person (a compatible v1 extension, SOP 2), often after an
 * EMERGENCY_ALERT about a missing child, which `inReplyTo` then names. Where she was found is told at region
 * level, and a new placement is described without an address, as in a referral: locations are secret.
 */
export class MissingPersonSearchResultPayload {
  @IsIn(SEARCH_OUTCOMES)
  outcome!: SearchOutcome;

  @IsOptionalNotNull()
  @IsDateTime()
  foundAt?: string;

  /** Region-level only, as an alert's. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  locationHint?: string;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;

  @IsOptionalNotNull()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(LIST_MAX)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  @MaxLength(ITEM_MAX, { each: true })
  actionsTaken?: string[];

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

/** The steps of first assistance and assistance (SOPs 2 and 3) a report may concern. */
export const ASSISTANCE_STEPS = [
  'SHELTER',
  'MEDICAL_CARE',
  'PSYCHOLOGICAL_SUPPORT',
  'LEGAL_AID',
  'INTERPRETATION',
  'INFORMATION_ON_RIGHTS',
  'REFLECTION_PERIOD',
  'RESIDENCE_PERMIT',
  'EDUCATION',
  'EMPLOYMENT',
  'FINANCIAL_SUPPORT',
  'OTHER',
] as const;
export type AssistanceStep = (typeof ASSISTANCE_STEPS)[number];

/** Steps whose report is health data: they need SHARE_HEALTH (least data per message type). */
export const HEALTH_STEPS: readonly AssistanceStep[] = ['MEDICAL_CARE', 'PSYCHOLOGICAL_SUPPORT'];

export const ASSISTANCE_STEP_STATUSES = [
  'PLANNED',
  'STARTED',
  'COMPLETED',
  'DISCONTINUED',
  'DECLINED',
] as const;
export type AssistanceStepStatus = (typeof ASSISTANCE_STEP_STATUSES)[number];

/** The assistance SOPs. */
export const ASSISTANCE_SOPS = [2, 3] as const;

/**
 * One step of assistance reported to another country (a compatible v1 extension): the structured form of what
 * a CASE_UPDATE says in prose. A shelter is described, never addressed ("secure shelter, region X").
 */
export class AssistanceStepReportPayload {
  @IsIn(ASSISTANCE_SOPS)
  sop!: (typeof ASSISTANCE_SOPS)[number];

  @IsIn(ASSISTANCE_STEPS)
  step!: AssistanceStep;

  @IsIn(ASSISTANCE_STEP_STATUSES)
  stepStatus!: AssistanceStepStatus;

  @IsDateOnly()
  date!: string;

  /** The organisation giving the assistance (an NGO, a health centre), not a person. */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  provider?: string;

  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => PlacementDto)
  placement?: PlacementDto;

  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary!: string;
}

/**
 * A request for a travel or identity document for the person (a compatible v1 extension, SOP 3): to the
 * country of origin's consular or passport services, so it contacts its authorities with her identity.
 */
export class TravelDocumentRequestPayload {
  @IsObject()
  @ValidateNested()
  @Type(() => PersonIdentityDto)
  person!: PersonIdentityDto;

  @IsIn(DOCUMENT_KINDS)
  documentKind!: DocumentKind;

  /** Documents she had (often retained by the traffickers): they help the issuing office find her records. */
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => IdentityDocumentDto)
  knownDocuments?: IdentityDocumentDto[];

  @IsOptionalNotNull()
  @IsDateOnly()
  neededBy?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  notes?: string;
}

export const TRAVEL_DOCUMENT_OUTCOMES = [
  'ISSUED',
  'IN_PROGRESS',
  'REFUSED',
  'IDENTITY_NOT_CONFIRMED',
] as const;
export type TravelDocumentOutcome = (typeof TRAVEL_DOCUMENT_OUTCOMES)[number];

/** The answer to a TRAVEL_DOCUMENT_REQUEST. The document itself is handed over, never sent as data. */
export class TravelDocumentResultPayload {
  @IsIn(TRAVEL_DOCUMENT_OUTCOMES)
  outcome!: TravelDocumentOutcome;

  @IsOptionalNotNull()
  @IsIn(DOCUMENT_KINDS)
  documentKind?: DocumentKind;

  @IsOptionalNotNull()
  @IsDateOnly()
  validUntil?: string;

  /** Where and how it is handed over (e.g. "consulate in Paris, to the case manager"). */
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  collection?: string;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  details?: string;
}
