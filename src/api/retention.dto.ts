import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { CASE_STATUSES } from '../cases/case-lifecycle.policy';
import { LEGAL_HOLD_REASONS, LegalHoldReason } from '../cases/retention.policy';

export class SetLegalHoldDto {
  @ApiProperty({
    enum: LEGAL_HOLD_REASONS,
    example: 'CRIMINAL_PROCEEDINGS',
    description: 'why the case must be kept beyond its retention period: a code, audited (no free text)',
  })
  @IsIn(LEGAL_HOLD_REASONS)
  reason!: LegalHoldReason;
}

export class LegalHoldView {
  @ApiProperty({ enum: LEGAL_HOLD_REASONS }) reason!: string;
  @ApiProperty({ example: 'api:coordinator' }) by!: string;
  @ApiProperty({ format: 'date-time' }) since!: string;
}

export class ErasureRequestView {
  @ApiProperty({ example: 'api:admin' }) by!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

/** A case's retention (docs/retention.md): codes, dates and actor names only. */
export class RetentionView {
  @ApiProperty({ example: 'TRM-FR-2026-000001' }) caseRef!: string;
  @ApiProperty({ enum: CASE_STATUSES }) status!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'when the retention pass erases it unless held (null: never for its status, or erased)',
  })
  retentionEndsAt!: string | null;
  @ApiProperty({ type: LegalHoldView, nullable: true }) legalHold!: LegalHoldView | null;
  @ApiProperty({ type: ErasureRequestView, nullable: true, description: 'awaiting a second admin' })
  erasureRequest!: ErasureRequestView | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) erasedAt!: string | null;
}
