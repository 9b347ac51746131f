import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsString,
  MaxLength,
} from 'class-validator';
import { CONSENT_SCOPES, ConsentScope } from '../envelope.dto';
import { ID_MAX, IsDateTime, IsOptionalNotNull, TEXT_MAX } from './common.dto';

// Messages of any SOP: consent withdrawal and closing a case.

export const CASE_CLOSURE_REASONS = ['COMPLETED', 'VICTIM_DECLINED', 'TRANSFERRED', 'OTHER'] as const;
export type CaseClosureReason = (typeof CASE_CLOSURE_REASONS)[number];

/**
 * Withdrawal is the person's right: every NCP that received data under the consent is told, stops sharing
 * it further, and (because traffickers pressure victims to withdraw) reassesses the risk.
 */
export class ConsentWithdrawnPayload {
  @IsString()
  @IsNotEmpty()
  @MaxLength(ID_MAX)
  consentId!: string;

  @IsDateTime()
  withdrawnAt!: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CONSENT_SCOPES.length)
  @ArrayUnique()
  @IsIn(CONSENT_SCOPES, { each: true })
  scopesWithdrawn!: ConsentScope[];
}

export class CaseClosedPayload {
  @IsIn(CASE_CLOSURE_REASONS)
  reason!: CaseClosureReason;

  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary?: string;
}
