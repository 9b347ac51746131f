import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { CaseFactsService } from '../cases/case-facts.service';
import { CaseRefPipe } from '../common/request-guards';
import { Actor } from './actor';
import {
  CaseFactsView,
  ExtendReflectionPeriodDto,
  RecordAsylumClaimDto,
  RecordThreatDto,
  ReopenCaseDto,
  StartReflectionPeriodDto,
} from './case-facts.dto';
import { CaseView, toCaseView } from './views';

/**
 * Facts on the case that the gates read (docs/consent-policy.md, "Facts on the case"), recorded by this
 * node's coordinators for this node's gates: none travels. Each is audited by its id, never its content.
 */
@ApiTags('cases')
@Roles('coordinator')
@ApiNotFoundResponse({ description: 'no such case on this node' })
@ApiBadRequestResponse({ description: 'a malformed case reference or body, with field-level reasons' })
@Controller('cases/:caseRef')
export class CaseFactsController {
  constructor(private readonly facts: CaseFactsService) {}

  @Get('facts')
  @ApiOperation({
    summary: "the case's facts: asylum claim, identification history, reflection period, threats",
  })
  @ApiOkResponse({ type: CaseFactsView, description: 'personal data: the read is audited' })
  async get(@Param('caseRef', CaseRefPipe) caseRef: string, @Actor() actor: string): Promise<CaseFactsView> {
    return this.facts.read(caseRef, actor);
  }

  @Post('facts/asylum-claim')
  @ApiOperation({ summary: "record the asylum claim's status (pending, granted, refused) with its dates" })
  @ApiCreatedResponse({ type: CaseFactsView, description: 'the case’s facts after it; the history is kept' })
  @ApiConflictResponse({ description: 'the case is closed' })
  @ApiUnprocessableEntityResponse({ description: 'dates that contradict each other or lie in the future' })
  async recordAsylumClaim(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: RecordAsylumClaimDto,
    @Actor() actor: string,
  ): Promise<CaseFactsView> {
    const fact = { status: body.status, lodgedOn: body.lodgedOn, decidedOn: body.decidedOn ?? null };
    return this.facts.recordAsylumClaim(caseRef, fact, actor);
  }

  @Post('facts/reflection-period')
  @ApiOperation({ summary: 'record the start of the reflection and recovery period' })
  @ApiCreatedResponse({
    type: CaseFactsView,
    description: "its end follows from this country's period (TRM_REFLECTION_PERIOD_DAYS)",
  })
  @ApiConflictResponse({ description: 'the case is closed, or the period is already recorded (extend it)' })
  @ApiUnprocessableEntityResponse({ description: 'a start in the future' })
  async startReflectionPeriod(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: StartReflectionPeriodDto,
    @Actor() actor: string,
  ): Promise<CaseFactsView> {
    return this.facts.startReflectionPeriod(caseRef, body.startOn, actor);
  }

  @Post('facts/reflection-period/extensions')
  @ApiOperation({ summary: 'extend the reflection period, with a reason' })
  @ApiCreatedResponse({ type: CaseFactsView })
  @ApiConflictResponse({ description: 'the case is closed, or no period is recorded' })
  async extendReflectionPeriod(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: ExtendReflectionPeriodDto,
    @Actor() actor: string,
  ): Promise<CaseFactsView> {
    return this.facts.extendReflectionPeriod(caseRef, { days: body.days, reason: body.reason }, actor);
  }

  @Post('facts/threats')
  @ApiOperation({ summary: 'record a threat reported: by whom (role), when, against whom, what kind' })
  @ApiCreatedResponse({
    type: CaseFactsView,
    description:
      "the case's risk assessments become due for review, and a return waits for a new assessment recorded after it",
  })
  @ApiConflictResponse({ description: 'the case is closed' })
  @ApiUnprocessableEntityResponse({ description: 'a report date in the future' })
  async recordThreat(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: RecordThreatDto,
    @Actor() actor: string,
  ): Promise<CaseFactsView> {
    const { reportedBy, reportedOn, against, kind } = body;
    return this.facts.recordThreat(
      caseRef,
      { reportedBy, reportedOn, against: [...new Set(against)], kind },
      actor,
    );
  }

  @Post('reopen')
  @HttpCode(200)
  @ApiOperation({ summary: 'reopen a closed case, with a reason' })
  @ApiOkResponse({
    type: CaseView,
    description:
      'open again on this node; each country reopens its own part (the CASE_CLOSED exchanged before no longer close it here)',
  })
  @ApiConflictResponse({ description: 'the case is open' })
  async reopen(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: ReopenCaseDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    return toCaseView(await this.facts.reopen(caseRef, body.reason, actor));
  }
}
