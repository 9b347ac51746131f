import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Roles } from '../auth/roles';
import { ExpectationView, toExpectationView } from '../expectations/expectation.views';
import { ExpiringConsentRow, RiskReviewRow, WORKLIST_LIMIT, WorklistService } from './worklist.service';

export class WorklistQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 365, default: 14, description: 'consents expiring within' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  consentWithinDays?: number;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 365,
    default: 7,
    description: 'own risk assessments running out within',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(365)
  riskWithinDays?: number;
}

export class RiskReviewView {
  @ApiProperty() caseRef!: string;
  @ApiProperty({ format: 'uuid' }) assessmentId!: string;
  @ApiProperty({ enum: ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] }) level!: string;
  @ApiProperty({ format: 'date-time' }) assessedAt!: string;
  @ApiProperty({ format: 'date-time' }) validUntil!: string;
  @ApiPropertyOptional({
    format: 'date-time',
    nullable: true,
    description: 'new information asked for a review',
  })
  reviewRequiredAt!: string | null;
}

export class ExpiringConsentView {
  @ApiProperty() caseRef!: string;
  @ApiProperty({ format: 'uuid' }) consentId!: string;
  @ApiProperty({ enum: ['VICTIM', 'GUARDIAN', 'LEGAL_REPRESENTATIVE'] }) givenBy!: string;
  @ApiProperty({ type: [String] }) recipients!: string[];
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class WorklistTotalsView {
  @ApiProperty() owed!: number;
  @ApiProperty() awaited!: number;
  @ApiProperty() unansweredReferrals!: number;
  @ApiProperty() riskReviewDue!: number;
  @ApiProperty() consentsExpiring!: number;
}

export class WorklistView {
  @ApiProperty({
    type: [ExpectationView],
    description: 'answers this country owes, earliest deadline (so the overdue) first, each with its contact',
  })
  owed!: ExpectationView[];
  @ApiProperty({ type: [ExpectationView], description: 'answers awaited from other countries, likewise' })
  awaited!: ExpectationView[];
  @ApiProperty({ type: [ExpectationView], description: 'referrals received and not yet answered' })
  unansweredReferrals!: ExpectationView[];
  @ApiProperty({ type: [RiskReviewView], description: 'open cases whose own assessment is due for review' })
  riskReviewDue!: RiskReviewView[];
  @ApiProperty({ type: [ExpiringConsentView], description: 'live consents expiring soon, soonest first' })
  consentsExpiring!: ExpiringConsentView[];
  @ApiProperty({
    type: WorklistTotalsView,
    description: `how many each list holds in all: each shows at most its first ${WORKLIST_LIMIT}`,
  })
  totals!: WorklistTotalsView;
}

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

@ApiTags('worklist')
@Roles('coordinator')
@Controller('worklist')
export class WorklistController {
  constructor(private readonly worklist: WorklistService) {}

  @Get()
  @ApiOperation({ summary: "the coordinator's worklist: what is owed, awaited, unanswered, due or expiring" })
  @ApiOkResponse({ type: WorklistView })
  async get(@Query() query: WorklistQueryDto): Promise<WorklistView> {
    const list = await this.worklist.worklist({
      consentWithinDays: query.consentWithinDays ?? 14,
      riskWithinDays: query.riskWithinDays ?? 7,
    });
    return {
      owed: list.owed.rows.map(toExpectationView),
      awaited: list.awaited.rows.map(toExpectationView),
      unansweredReferrals: list.unansweredReferrals.rows.map(toExpectationView),
      riskReviewDue: list.riskReviewDue.rows.map((r: RiskReviewRow) => ({
        ...r,
        assessedAt: iso(r.assessedAt)!,
        validUntil: iso(r.validUntil)!,
        reviewRequiredAt: iso(r.reviewRequiredAt),
      })),
      consentsExpiring: list.consentsExpiring.rows.map((c: ExpiringConsentRow) => ({
        ...c,
        expiresAt: iso(c.expiresAt)!,
      })),
      totals: {
        owed: list.owed.total,
        awaited: list.awaited.total,
        unansweredReferrals: list.unansweredReferrals.total,
        riskReviewDue: list.riskReviewDue.total,
        consentsExpiring: list.consentsExpiring.total,
      },
    };
  }
}
