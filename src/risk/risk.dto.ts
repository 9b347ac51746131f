import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { MESSAGE_TYPES } from '../messages/message-types';
import type { OverrideStatus } from './risk.policy';
// The message schema's strict date-time: seconds and an explicit offset, never the server's own zone.
import { IsDateTime } from '../messages/payloads/common.dto';

export const RISK_LEVELS = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;

/** The same pattern as the payload schemas' (the console offers a code matching it as a choice). */
const RISK_FACTOR_CODE = /^RF-(0[1-9]|1\d|20)$/;

export class RiskFactorDto {
  @ApiProperty({
    example: 'RF-01',
    pattern: RISK_FACTOR_CODE.source,
    description: 'a risk factor code of domain.md (RF-01 … RF-20)',
  })
  @Matches(RISK_FACTOR_CODE, { message: 'code must be RF-01 … RF-20' })
  code!: string;

  @ApiProperty({ enum: ['PRESENT', 'ABSENT', 'UNKNOWN'] })
  @IsIn(['PRESENT', 'ABSENT', 'UNKNOWN'])
  status!: 'PRESENT' | 'ABSENT' | 'UNKNOWN';

  @ApiPropertyOptional({ description: 'the evidence; it stays in this country' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  evidence?: string;
}

export class RecordAssessmentDto {
  @ApiProperty({ enum: RISK_LEVELS })
  @IsIn(RISK_LEVELS)
  level!: (typeof RISK_LEVELS)[number];

  @ApiProperty({ type: [RiskFactorDto] })
  @IsArray()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => RiskFactorDto)
  factors!: RiskFactorDto[];

  @ApiProperty({ description: 'what crosses the border: no sources of information' })
  @IsString()
  @MinLength(1)
  @MaxLength(4000)
  summary!: string;

  @ApiPropertyOptional({ description: 'required before a return plan at MEDIUM' })
  @IsOptional()
  @IsString()
  @MaxLength(4000)
  protectionPlan?: string;

  @ApiProperty({ description: 'false while a contribution (e.g. family tracing) is still missing' })
  @IsBoolean()
  complete!: boolean;

  @ApiPropertyOptional({ description: 'default: now' })
  @IsOptional()
  @IsDateTime()
  assessedAt?: string;

  @ApiProperty({ description: 'the situation changes: an assessment is current only until then' })
  @IsDateTime()
  validUntil!: string;
}

export class RecordOverrideDto {
  @ApiProperty({ enum: MESSAGE_TYPES, example: 'RETURN_PLAN' })
  @IsIn(MESSAGE_TYPES)
  messageType!: string;

  @ApiProperty({ description: 'the written reason (at least 20 characters), reviewed by auditors' })
  @IsString()
  @MinLength(20)
  @MaxLength(4000)
  reason!: string;
}

export class AssessmentView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() caseRef!: string;
  @ApiProperty() country!: string;
  @ApiProperty({ enum: RISK_LEVELS }) level!: string;
  @ApiProperty({ type: [RiskFactorDto], nullable: true, description: 'null once the case is erased' })
  factors!: RiskFactorDto[] | null;
  @ApiProperty({ type: String, nullable: true, description: 'null once the case is erased' })
  summary!: string | null;
  @ApiPropertyOptional({ nullable: true }) protectionPlan!: string | null;
  @ApiProperty() complete!: boolean;
  @ApiProperty() assessedBy!: string;
  @ApiProperty() assessedAt!: string;
  @ApiProperty() validUntil!: string;
  @ApiPropertyOptional({ nullable: true }) reviewRequiredAt!: string | null;
  @ApiPropertyOptional({ nullable: true }) sourceMessageId!: string | null;
  @ApiProperty({ description: 'the assessment the policies use now' }) current!: boolean;
}

const OVERRIDE_STATUSES = ['PENDING_CONFIRMATION', 'CONFIRMED'];

/** An override as the case file lists it: who asked and who confirmed (actor names), never the reason. */
export class OverrideStatusView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) assessmentId!: string;
  @ApiProperty() messageType!: string;
  @ApiProperty({
    enum: OVERRIDE_STATUSES,
    description: 'only a CONFIRMED override lets the message type through the risk gate',
  })
  status!: OverrideStatus;
  @ApiProperty({ description: 'the coordinator who requested it (api:<name>)' }) requestedBy!: string;
  @ApiProperty() requestedAt!: string;
  @ApiPropertyOptional({ nullable: true, description: 'the second coordinator (api:<name>)' })
  confirmedBy!: string | null;
  @ApiPropertyOptional({ nullable: true }) confirmedAt!: string | null;
}

export class OverrideView extends OverrideStatusView {
  @ApiProperty() caseRef!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'the same as requestedBy (kept for older clients)' }) overriddenBy!: string;
  @ApiProperty() createdAt!: string;
}
