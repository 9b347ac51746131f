import { ArrayMinSize, ArrayMaxSize, IsArray, IsIn, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import type { FieldError } from '../../common/validation';
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
