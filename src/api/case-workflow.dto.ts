import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsNotEmpty,
  IsOptional,
  IsString,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { AGE_EVIDENCE, COUNTRY_ROLES, PHASE_STATUSES } from '../cases/case-lifecycle.policy';
import { GUARDIAN_KINDS } from '../cases/case.entity';
import { CASE_CLOSURE_REASONS } from '../messages/payloads/case.dto';
import { AGE_STATUSES, IDENTIFICATION_STATUSES } from '../messages/payloads/identification.dto';
import { IsDateOnly, ITEM_MAX, NAME_MAX, TEXT_MAX } from '../messages/payloads/common.dto';
import { IsCountryCode } from '../common/validation';

export class CountryRoleDto {
  @ApiProperty({ example: 'RS' })
  @IsCountryCode()
  country!: string;

  @ApiProperty({ enum: COUNTRY_ROLES })
  @IsIn(COUNTRY_ROLES)
  role!: (typeof COUNTRY_ROLES)[number];
}

/** Roles of countries on the case; a transit country need not be a participant (e.g. RS on the route). */
export class SetRolesDto {
  @ApiProperty({ type: [CountryRoleDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  @Type(() => CountryRoleDto)
  roles!: CountryRoleDto[];
}

/** A professional, named minimally: no phone or e-mail is kept on the case. */
export class SetManagerDto {
  @ApiPropertyOptional({ description: "the manager's country; this node's when left out", example: 'FR' })
  @IsOptional()
  @IsCountryCode()
  country?: string;

  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(NAME_MAX) name!: string;
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(NAME_MAX) institution!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @IsNotEmpty() @MaxLength(NAME_MAX) role?: string;
}

/** A child's guardian or legal representative, by function and institution: no personal name. */
export class SetGuardianDto {
  @ApiProperty({ enum: GUARDIAN_KINDS })
  @IsIn(GUARDIAN_KINDS)
  kind!: (typeof GUARDIAN_KINDS)[number];

  @ApiProperty({ example: 'Aide sociale à l’enfance, Paris' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(NAME_MAX)
  institution!: string;

  @ApiProperty({ example: '2026-11-20' })
  @IsDateOnly()
  appointedAt!: string;
}

export class SetAgeStatusDto {
  @ApiProperty({ enum: AGE_STATUSES })
  @IsIn(AGE_STATUSES)
  status!: (typeof AGE_STATUSES)[number];

  @ApiProperty({
    enum: AGE_EVIDENCE,
    description:
      'a documented age needs a DOCUMENT or an AGE_ASSESSMENT; a PRESUMPTION can only make a child',
  })
  @IsIn(AGE_EVIDENCE)
  evidence!: (typeof AGE_EVIDENCE)[number];
}

export class SetIdentificationDto {
  @ApiProperty({
    enum: IDENTIFICATION_STATUSES,
    description:
      "on this node's own case, the case's status; on another country's case, this node's own decision (its own gates only)",
  })
  @IsIn(IDENTIFICATION_STATUSES)
  status!: (typeof IDENTIFICATION_STATUSES)[number];

  @ApiPropertyOptional({
    description: 'why it changes: kept in the identification history (not in the audit log)',
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(ITEM_MAX)
  reason?: string;
}

export class SetPhaseDto {
  @ApiProperty({ enum: PHASE_STATUSES.filter((s) => s !== 'NOT_STARTED') })
  @IsIn(PHASE_STATUSES)
  status!: (typeof PHASE_STATUSES)[number];
}

export class CloseCaseDto {
  @ApiProperty({ enum: CASE_CLOSURE_REASONS })
  @IsIn(CASE_CLOSURE_REASONS)
  reason!: (typeof CASE_CLOSURE_REASONS)[number];

  @ApiPropertyOptional({ description: 'travels to every country on the case: no personal data' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(TEXT_MAX)
  summary?: string;
}
