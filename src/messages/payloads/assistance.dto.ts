import { ArrayMinSize, ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { FieldError } from '../catalogue';
import type { Envelope } from '../envelope.dto';
import { SOPS, Sop } from '../message-types';
import { IsOptionalNotNull, ITEM_MAX, LIST_MAX, NAME_MAX, TEXT_MAX } from './common.dto';

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
