import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import {
  ASYLUM_STATUSES,
  AsylumStatus,
  IDENTIFICATION_SOURCES,
  THREAT_TARGETS,
  ThreatTarget,
} from '../cases/case-facts.policy';
import { IsDateOnly, ITEM_MAX, NAME_MAX } from '../messages/payloads/common.dto';

/** A reason a coordinator writes: long enough to say something, kept among the case's facts only. */
const REASON_MIN = 10;

export class RecordAsylumClaimDto {
  @ApiProperty({
    enum: ASYLUM_STATUSES,
    description: 'PENDING blocks family tracing, return plans and identity verification with the origin',
  })
  @IsIn(ASYLUM_STATUSES)
  status!: AsylumStatus;

  @ApiProperty({
    example: '2026-11-02',
    description: 'when the claim was lodged (YYYY-MM-DD), not in the future',
  })
  @IsDateOnly()
  lodgedOn!: string;

  @ApiPropertyOptional({
    type: String,
    example: '2026-12-01',
    nullable: true,
    description: 'when it was decided (GRANTED or REFUSED only; not before lodgedOn, not in the future)',
  })
  @ValidateIf((o: RecordAsylumClaimDto) => o.decidedOn !== undefined && o.decidedOn !== null)
  @IsDateOnly()
  decidedOn?: string | null;
}

export class StartReflectionPeriodDto {
  @ApiProperty({
    example: '2026-11-20',
    description: "the period's first day (YYYY-MM-DD); it lasts this country's TRM_REFLECTION_PERIOD_DAYS",
  })
  @IsDateOnly()
  startOn!: string;
}

export class ExtendReflectionPeriodDto {
  @ApiProperty({ minimum: 1, maximum: 365, example: 30 })
  @IsInt()
  @Min(1)
  @Max(365)
  days!: number;

  @ApiProperty({ minLength: REASON_MIN, description: 'why (kept among the facts, not in the audit log)' })
  @IsString()
  @MinLength(REASON_MIN)
  @MaxLength(ITEM_MAX)
  reason!: string;
}

export class RecordThreatDto {
  @ApiProperty({
    example: 'Police, anti-trafficking unit',
    description: 'who reported it: a role or an agency, never a person’s name',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  reportedBy!: string;

  @ApiProperty({ example: '2026-11-25', description: 'when it was reported (YYYY-MM-DD), not in the future' })
  @IsDateOnly()
  reportedOn!: string;

  @ApiProperty({ enum: THREAT_TARGETS, isArray: true, description: 'against whom' })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(THREAT_TARGETS.length)
  @IsIn(THREAT_TARGETS, { each: true })
  against!: ThreatTarget[];

  @ApiProperty({ example: 'threatening messages to the family', description: 'a short kind, no names' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  kind!: string;
}

export class ReopenCaseDto {
  @ApiProperty({ minLength: REASON_MIN, description: 'why the case is reopened (kept among the facts)' })
  @IsString()
  @MinLength(REASON_MIN)
  @MaxLength(ITEM_MAX)
  reason!: string;
}

class RecordedView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'who recorded it (actor)' }) recordedBy!: string;
  @ApiProperty() recordedAt!: string;
}

export class AsylumClaimView extends RecordedView {
  @ApiProperty({ enum: ASYLUM_STATUSES }) status!: string;
  @ApiProperty() lodgedOn!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) decidedOn!: string | null;
}

export class AsylumView {
  @ApiPropertyOptional({ type: AsylumClaimView, nullable: true, description: 'the latest status recorded' })
  current!: AsylumClaimView | null;
  @ApiProperty({ type: [AsylumClaimView], description: 'every status recorded, oldest first' })
  history!: AsylumClaimView[];
}

export class IdentificationChangeView extends RecordedView {
  @ApiPropertyOptional({ type: String, nullable: true }) from!: string | null;
  @ApiProperty() to!: string;
  @ApiProperty({ enum: ['OWNER_STATUS', 'OWN_VIEW'] }) target!: string;
  @ApiProperty({ enum: IDENTIFICATION_SOURCES }) source!: string;
  @ApiPropertyOptional({ type: String, nullable: true }) reason!: string | null;
}

export class ReflectionExtensionView extends RecordedView {
  @ApiProperty() days!: number;
  @ApiProperty() reason!: string;
}

export class ReflectionView {
  @ApiProperty() startOn!: string;
  @ApiProperty({ description: 'the first day after the period' }) endOn!: string;
  @ApiProperty({ description: "the whole period in days: the country's period plus the extensions" })
  days!: number;
  @ApiProperty({ type: [ReflectionExtensionView] }) extensions!: ReflectionExtensionView[];
  @ApiProperty({ description: 'today lies within the period' }) active!: boolean;
  @ApiProperty({ description: 'days until endOn, 0 once over' }) daysLeft!: number;
  @ApiProperty() recordedBy!: string;
  @ApiProperty() recordedAt!: string;
}

export class ThreatView extends RecordedView {
  @ApiProperty() reportedBy!: string;
  @ApiProperty() reportedOn!: string;
  @ApiProperty({ enum: THREAT_TARGETS, isArray: true }) against!: string[];
  @ApiProperty() kind!: string;
  @ApiProperty({ description: 'reported within the reflection period' }) duringReflectionPeriod!: boolean;
}

export class ReopeningView extends RecordedView {
  @ApiProperty() reason!: string;
}

export class CaseFactsView {
  @ApiProperty({ type: AsylumView }) asylum!: AsylumView;
  @ApiProperty({ type: [IdentificationChangeView], description: 'the identification history, oldest first' })
  identification!: IdentificationChangeView[];
  @ApiPropertyOptional({ type: ReflectionView, nullable: true }) reflection!: ReflectionView | null;
  @ApiProperty({ type: [ThreatView] }) threats!: ThreatView[];
  @ApiProperty({ type: [ReopeningView] }) reopenings!: ReopeningView[];
}
