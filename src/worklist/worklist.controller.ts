import { Controller, Get, Query } from '@nestjs/common';
import {
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
  IntersectionType,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Roles } from '../auth/roles';
import { type Page, PageOf, PageQueryDto } from '../common/page';
import { ExpectationPageView, ExpectationView, toExpectationView } from '../expectations/expectation.views';
import {
  ExpiringConsentRow,
  RiskReviewRow,
  WORKLIST_LIMIT,
  WorklistService,
  type WorklistWindows,
} from './worklist.service';

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

/** Where each list continues: `GET /worklist/<list>?after=` with it; null when the list is shown whole. */
export class WorklistNextCursorsView {
  @ApiProperty({ nullable: true, type: String, description: 'GET /worklist/owed' })
  owed!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'GET /worklist/awaited' })
  awaited!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'GET /worklist/unanswered-referrals' })
  unansweredReferrals!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'GET /worklist/risk-review-due' })
  riskReviewDue!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'GET /worklist/consents-expiring' })
  consentsExpiring!: string | null;
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
  @ApiProperty({
    type: WorklistNextCursorsView,
    description: "each list's cursor for its next page (null when it is shown whole)",
  })
  nextCursors!: WorklistNextCursorsView;
}

export class WorklistPageQueryDto extends IntersectionType(WorklistQueryDto, PageQueryDto) {}

class RiskReviewPageView extends PageOf(RiskReviewView) {}
class ExpiringConsentPageView extends PageOf(ExpiringConsentView) {}

const iso = (date: Date | null): string | null => (date ? new Date(date).toISOString() : null);

const windowsOf = (query: WorklistQueryDto): WorklistWindows => ({
  consentWithinDays: query.consentWithinDays ?? 14,
  riskWithinDays: query.riskWithinDays ?? 7,
});

const toRiskReviewView = (r: RiskReviewRow): RiskReviewView => ({
  ...r,
  assessedAt: iso(r.assessedAt)!,
  validUntil: iso(r.validUntil)!,
  reviewRequiredAt: iso(r.reviewRequiredAt),
});

const toExpiringConsentView = (c: ExpiringConsentRow): ExpiringConsentView => ({
  ...c,
  expiresAt: iso(c.expiresAt)!,
});

const mapPage = <R, V>(page: Page<R>, view: (row: R) => V): Page<V> => ({
  items: page.items.map(view),
  nextCursor: page.nextCursor,
});

@ApiTags('worklist')
@Roles('coordinator')
@Controller('worklist')
export class WorklistController {
  constructor(private readonly worklist: WorklistService) {}

  @Get()
  @ApiOperation({ summary: "the coordinator's worklist: what is owed, awaited, unanswered, due or expiring" })
  @ApiOkResponse({ type: WorklistView })
  async get(@Query() query: WorklistQueryDto): Promise<WorklistView> {
    const list = await this.worklist.worklist(windowsOf(query));
    return {
      owed: list.owed.items.map(toExpectationView),
      awaited: list.awaited.items.map(toExpectationView),
      unansweredReferrals: list.unansweredReferrals.items.map(toExpectationView),
      riskReviewDue: list.riskReviewDue.items.map(toRiskReviewView),
      consentsExpiring: list.consentsExpiring.items.map(toExpiringConsentView),
      totals: {
        owed: list.owed.total ?? 0,
        awaited: list.awaited.total ?? 0,
        unansweredReferrals: list.unansweredReferrals.total ?? 0,
        riskReviewDue: list.riskReviewDue.total ?? 0,
        consentsExpiring: list.consentsExpiring.total ?? 0,
      },
      nextCursors: {
        owed: list.owed.nextCursor,
        awaited: list.awaited.nextCursor,
        unansweredReferrals: list.unansweredReferrals.nextCursor,
        riskReviewDue: list.riskReviewDue.nextCursor,
        consentsExpiring: list.consentsExpiring.nextCursor,
      },
    };
  }

  @Get('owed')
  @ApiOperation({ summary: 'the answers this country owes, earliest deadline first, a page at a time' })
  @ApiOkResponse({ type: ExpectationPageView })
  async owed(@Query() page: PageQueryDto): Promise<ExpectationPageView> {
    return mapPage(await this.worklist.expectations('owed', page), toExpectationView);
  }

  @Get('awaited')
  @ApiOperation({
    summary: 'the answers awaited from other countries, earliest deadline first, a page at a time',
  })
  @ApiOkResponse({ type: ExpectationPageView })
  async awaited(@Query() page: PageQueryDto): Promise<ExpectationPageView> {
    return mapPage(await this.worklist.expectations('awaited', page), toExpectationView);
  }

  @Get('unanswered-referrals')
  @ApiOperation({
    summary: 'referrals received and not yet answered, earliest deadline first, a page at a time',
  })
  @ApiOkResponse({ type: ExpectationPageView })
  async unansweredReferrals(@Query() page: PageQueryDto): Promise<ExpectationPageView> {
    return mapPage(await this.worklist.expectations('unanswered-referrals', page), toExpectationView);
  }

  @Get('risk-review-due')
  @ApiOperation({ summary: 'open cases whose own risk assessment is due for review, a page at a time' })
  @ApiOkResponse({ type: RiskReviewPageView })
  async riskReviewDue(@Query() query: WorklistPageQueryDto): Promise<RiskReviewPageView> {
    return mapPage(await this.worklist.riskReviews(windowsOf(query), query), toRiskReviewView);
  }

  @Get('consents-expiring')
  @ApiOperation({ summary: 'live consents expiring soon, soonest first, a page at a time' })
  @ApiOkResponse({ type: ExpiringConsentPageView })
  async consentsExpiring(@Query() query: WorklistPageQueryDto): Promise<ExpiringConsentPageView> {
    return mapPage(await this.worklist.expiringConsents(windowsOf(query), query), toExpiringConsentView);
  }
}
