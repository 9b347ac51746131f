import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';
import { COUNTRY_ROLES, CountryRole, PHASE_STATUSES, PhaseStatus } from '../cases/case-lifecycle.policy';
import {
  CASE_LIST_DEFAULT_LIMIT,
  CASE_LIST_MAX_LIMIT,
  CaseListFilter,
  decodeCaseCursor,
} from '../cases/case-list';
import type { CaseStatus } from '../cases/case.entity';
import type { CaseSummaryRow } from '../cases/cases.repository';
import { AGE_STATUSES, IDENTIFICATION_STATUSES } from '../messages/payloads/identification.dto';
import { IsCountryCode } from '../common/validation';

const IsCaseCursor = () =>
  ValidateBy({
    name: 'isCaseCursor',
    validator: {
      validate: (value: unknown) => typeof value === 'string' && decodeCaseCursor(value) !== null,
      defaultMessage: () => 'after must be the nextCursor of a previous page',
    },
  });

/** GET /cases: every filter optional; dates are ISO 8601 instants (from inclusive, to exclusive). */
export class CaseListQueryDto {
  @ApiPropertyOptional({ example: '000123', description: 'a case reference or any part of one' })
  @IsOptional()
  @Matches(/^[A-Z0-9-]{1,24}$/, { message: 'caseRef must be a case reference or part of one' })
  caseRef?: string;

  @ApiPropertyOptional({ enum: ['OPEN', 'CLOSED'] })
  @IsOptional()
  @IsIn(['OPEN', 'CLOSED'])
  status?: CaseStatus;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 5,
    description: 'with phaseStatus: that SOP has that status; alone: the SOP is ACTIVE',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5)
  sop?: number;

  @ApiPropertyOptional({ enum: PHASE_STATUSES, description: 'alone: any SOP has that status' })
  @IsOptional()
  @IsIn(PHASE_STATUSES)
  phaseStatus?: PhaseStatus;

  @ApiPropertyOptional({
    example: 'MK',
    description: 'a country on the case (owner, counterpart or with a role)',
  })
  @IsOptional()
  @IsCountryCode()
  country?: string;

  @ApiPropertyOptional({
    enum: COUNTRY_ROLES,
    description: "with country: that country's role; alone: this node's own role on the case",
  })
  @IsOptional()
  @IsIn(COUNTRY_ROLES)
  role?: CountryRole;

  @ApiPropertyOptional({ enum: IDENTIFICATION_STATUSES })
  @IsOptional()
  @IsIn(IDENTIFICATION_STATUSES)
  identificationStatus?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'opened at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  openedFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'opened before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  openedTo?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'last activity at or after' })
  @IsOptional()
  @IsISO8601({ strict: true })
  activityFrom?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'last activity before' })
  @IsOptional()
  @IsISO8601({ strict: true })
  activityTo?: string;

  @ApiPropertyOptional({ description: 'the nextCursor of the previous page (opaque)' })
  @IsOptional()
  @IsCaseCursor()
  after?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: CASE_LIST_MAX_LIMIT, default: CASE_LIST_DEFAULT_LIMIT })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(CASE_LIST_MAX_LIMIT)
  limit?: number;
}

export function toCaseListFilter(query: CaseListQueryDto): CaseListFilter {
  const date = (value?: string): Date | undefined => (value ? new Date(value) : undefined);
  return {
    caseRef: query.caseRef,
    status: query.status,
    sop: query.sop,
    phaseStatus: query.phaseStatus,
    country: query.country,
    role: query.role,
    identificationStatus: query.identificationStatus,
    openedFrom: date(query.openedFrom),
    openedTo: date(query.openedTo),
    activityFrom: date(query.activityFrom),
    activityTo: date(query.activityTo),
  };
}

export class CaseCountryView {
  @ApiProperty({ example: 'MK' }) country!: string;
  @ApiPropertyOptional({ enum: COUNTRY_ROLES, nullable: true }) role!: CountryRole | null;
}

/** A case in the list: the case's own facts only, never a person's data (no read is audited for it). */
export class CaseSummaryView {
  @ApiProperty({ example: 'TRM-FR-2026-000123' }) caseRef!: string;
  @ApiProperty({ enum: ['OPEN', 'CLOSED'] }) status!: CaseStatus;
  @ApiProperty({ example: 'FR', description: 'the referring NCP, which created the reference' })
  ownerCountry!: string;
  @ApiProperty({ type: [CaseCountryView], description: 'every country on the case, with its role if known' })
  countries!: CaseCountryView[];
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...PHASE_STATUSES] },
    description: 'the status of each SOP by number; a SOP not listed has not started',
  })
  phases!: Record<string, PhaseStatus>;
  @ApiPropertyOptional({ enum: AGE_STATUSES, nullable: true }) ageStatus!: string | null;
  @ApiPropertyOptional({ enum: IDENTIFICATION_STATUSES, nullable: true }) identificationStatus!:
    string | null;
  @ApiProperty({ description: 'consent was withdrawn: personal data is withheld' }) restricted!: boolean;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true }) closedAt!: string | null;
  @ApiProperty({ format: 'date-time', description: 'the newest message, consent, assessment or change' })
  lastActivityAt!: string;
}

export class CaseListView {
  @ApiProperty({ type: [CaseSummaryView], description: 'newest activity first' }) items!: CaseSummaryView[];
  @ApiPropertyOptional({ nullable: true, description: 'pass as `after` for the next page; null on the last' })
  nextCursor!: string | null;
}

export function toCaseSummaryView(row: CaseSummaryRow): CaseSummaryView {
  const codes = [...new Set([row.ownerCountry, ...row.countries, ...Object.keys(row.countryRoles)])].sort();
  return {
    caseRef: row.caseRef,
    status: row.status,
    ownerCountry: row.ownerCountry,
    countries: codes.map((country) => ({ country, role: row.countryRoles[country] ?? null })),
    phases: row.phases as Record<string, PhaseStatus>,
    ageStatus: row.ageStatus,
    identificationStatus: row.identificationStatus,
    restricted: row.restrictedAt !== null,
    openedAt: new Date(row.openedAt).toISOString(),
    closedAt: row.closedAt ? new Date(row.closedAt).toISOString() : null,
    lastActivityAt: new Date(row.lastActivityAt).toISOString(),
  };
}
