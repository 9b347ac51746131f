import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, MaxLength, Min } from 'class-validator';
import { CASE_REF, IsCountryCode } from '../common/validation';
import { PageQueryDto } from '../common/page';

/** Query-string filters shared by the page and the exports. */
export class AuditFilterDto {
  @ApiPropertyOptional({ example: 'TRM-FR-2026-000123' })
  @IsOptional()
  @Matches(CASE_REF, { message: 'caseRef must look like TRM-FR-2026-000123' })
  caseRef?: string;

  @ApiPropertyOptional({ example: 'MK', description: 'the counterpart country of the entry' })
  @IsOptional()
  @IsCountryCode()
  country?: string;

  @ApiPropertyOptional({ example: 'REFERRAL_REQUEST' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z_]{1,49}$/, { message: 'messageType must be a message type code' })
  messageType?: string;

  @ApiPropertyOptional({ enum: ['ALLOW', 'DENY'] })
  @IsOptional()
  @IsIn(['ALLOW', 'DENY'])
  decision?: 'ALLOW' | 'DENY';

  @ApiPropertyOptional({ example: 'api:coordinator-1', description: 'exactly as recorded' })
  @IsOptional()
  @MaxLength(200)
  actor?: string;

  @ApiPropertyOptional({ example: 'PERSONAL_DATA_READ' })
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{1,63}$/, { message: 'action must be an action code' })
  action?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'entries at or after this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'entries before this time' })
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export class AuditPageQueryDto extends AuditFilterDto {
  @ApiPropertyOptional({ description: 'the nextCursor of the previous page (a seq)' })
  @IsOptional()
  @Matches(/^\d{1,18}$/, { message: 'after must be a seq' })
  after?: string;

  @ApiPropertyOptional({ default: 100, minimum: 1, maximum: 1000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order?: 'asc' | 'desc';
}

export class AuditExportQueryDto extends AuditFilterDto {
  @ApiProperty({ enum: ['csv', 'jsonl'] })
  @IsIn(['csv', 'jsonl'])
  format!: 'csv' | 'jsonl';
}

export class ChainQueryDto {
  @ApiPropertyOptional({ default: 1, minimum: 1, description: 'first chain position' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  fromPos?: number;

  @ApiPropertyOptional({ default: 1000, minimum: 1, maximum: 10000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(10_000)
  limit?: number;
}

export class CheckpointsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ example: 'FR' })
  @IsOptional()
  @IsCountryCode()
  peer?: string;
}

export class AuditEntryView {
  @ApiProperty({ example: '1042' }) seq!: string;
  @ApiProperty({ example: '2026-11-23T10:15:00.123000Z' }) at!: string;
  @ApiProperty({ example: 'MESSAGE_QUEUED' }) action!: string;
  @ApiProperty({ example: 'api:coordinator-1' }) actor!: string;
  @ApiPropertyOptional({ nullable: true }) caseRef!: string | null;
  @ApiPropertyOptional({ nullable: true }) messageId!: string | null;
  @ApiPropertyOptional({ nullable: true }) messageType!: string | null;
  @ApiPropertyOptional({ nullable: true }) counterpart!: string | null;
  @ApiPropertyOptional({ nullable: true }) legalBasis!: string | null;
  @ApiPropertyOptional({ nullable: true, enum: ['ALLOW', 'DENY'] }) decision!: string | null;
  @ApiPropertyOptional({ nullable: true }) reasonCode!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: Record<string, unknown>;
  @ApiPropertyOptional({ nullable: true, description: 'position in the hash chain, once sealed' })
  chainPos!: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'hex SHA-256 chain hash, once sealed' })
  hash!: string | null;
}

export class AuditPageView {
  @ApiProperty({ type: [AuditEntryView] }) entries!: AuditEntryView[];
  @ApiPropertyOptional({ nullable: true }) nextCursor!: string | null;
}

export class ChainRowViewDto {
  @ApiProperty() pos!: string;
  @ApiProperty() entrySeq!: string;
  @ApiProperty() prevHash!: string;
  @ApiProperty() hash!: string;
}

export class ChainHeadView {
  @ApiProperty() pos!: string;
  @ApiProperty() entrySeq!: string;
  @ApiProperty() hash!: string;
  @ApiProperty() sealedAt!: string;
}

export class ChainPageView {
  @ApiPropertyOptional({ type: ChainHeadView, nullable: true }) head!: ChainHeadView | null;
  @ApiProperty({ type: [ChainRowViewDto] }) rows!: ChainRowViewDto[];
}

export class MessageTrailView {
  @ApiProperty() messageId!: string;
  @ApiPropertyOptional({ nullable: true }) messageType!: string | null;
  @ApiPropertyOptional({ nullable: true }) counterpart!: string | null;
  @ApiPropertyOptional({ nullable: true, enum: ['OUTBOUND', 'INBOUND'] }) direction!: string | null;
  @ApiProperty() lastAction!: string;
  @ApiProperty({ type: 'array', items: { type: 'object' } }) steps!: object[];
}

export class CaseTimelineView {
  @ApiProperty() caseRef!: string;
  @ApiProperty({ type: [AuditEntryView] }) entries!: AuditEntryView[];
  @ApiProperty({ type: [MessageTrailView] }) messages!: MessageTrailView[];
  @ApiProperty({ type: [AuditEntryView] }) decisions!: AuditEntryView[];
  @ApiProperty() truncated!: boolean;
}

export class PeerCheckpointView {
  @ApiProperty() peer!: string;
  @ApiProperty() messageId!: string;
  @ApiProperty({ description: 'the chain position the peer signed' }) seq!: string;
  @ApiProperty() headHash!: string;
  @ApiProperty() signedAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() keyId!: string;
  @ApiProperty({ description: 'base64 of the exact signed AMQP body' }) body!: string;
  @ApiProperty({ description: 'base64 Ed25519 signature over body' }) signature!: string;
}

export class PeerCheckpointPageView {
  @ApiProperty({ type: [PeerCheckpointView] }) items!: PeerCheckpointView[];
  @ApiProperty({
    nullable: true,
    type: String,
    description: 'pass as `after` for the next page; null on the last',
  })
  nextCursor!: string | null;
}

export class ChainStateHeadView {
  @ApiProperty({ description: 'the chain position of the newest sealed entry' }) seq!: string;
  @ApiProperty({ description: 'its hash (hex)' }) hash!: string;
  @ApiProperty({ format: 'date-time' }) sealedAt!: string;
}

export class ChainVerificationView {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ description: 'the chain was intact' }) ok!: boolean;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'what npm run audit:verify reported (counts, head, the first problem found)',
  })
  details!: Record<string, unknown>;
}

export class PeerChainStateView {
  @ApiProperty() peer!: string;
  @ApiProperty({ description: 'the furthest chain position the peer signed' }) lastCheckpointSeq!: string;
  @ApiProperty({ format: 'date-time' }) lastCheckpointReceivedAt!: string;
  @ApiPropertyOptional({
    nullable: true,
    description:
      "true: the last check of the peer's chain against its checkpoints matched; false: it did not, or the " +
      'peer signed contradicting checkpoints; null: never checked',
  })
  matched!: boolean | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) checkedAt!: string | null;
}

export class ChainStateView {
  @ApiPropertyOptional({ type: ChainStateHeadView, nullable: true }) head!: ChainStateHeadView | null;
  @ApiPropertyOptional({
    type: ChainVerificationView,
    nullable: true,
    description: 'the last run of npm run audit:verify on this node (null: never)',
  })
  lastVerification!: ChainVerificationView | null;
  @ApiProperty({ type: [PeerChainStateView] }) peers!: PeerChainStateView[];
}
