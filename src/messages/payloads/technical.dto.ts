import { IsEnum, IsInt, IsNotEmpty, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { RejectionCode } from '../rejection-codes';
import { IsDateTime, IsOptionalNotNull } from './common.dto';

// Technical types: no personal data, legal basis NONE.

export const REJECTION_REASON_MAX = 500;

export class DeliveryReceiptPayload {
  /** When the receiver committed the message: from then on the sender knows it is safely stored. */
  @IsDateTime()
  receivedAt!: string;

  /** The id it confirms (also the envelope's `inReplyTo`), repeated inside the signed, sealed payload. */
  @IsOptionalNotNull()
  @IsUUID('all')
  messageId?: string;
}

export class DeliveryRejectedPayload {
  @IsEnum(RejectionCode)
  reasonCode!: RejectionCode;

  /** Goes back across the border and into dead-letter logs: it must never contain personal data. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(REJECTION_REASON_MAX)
  reason!: string;
}

/** The sender's signed statement of its audit chain head, kept by each peer so history cannot be rewritten. */
export class AuditCheckpointPayload {
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  seq!: number;

  @Matches(/^[0-9a-f]{64}$/, { message: '$property must be a lowercase hex SHA-256' })
  headHash!: string;

  @IsDateTime()
  at!: string;
}
