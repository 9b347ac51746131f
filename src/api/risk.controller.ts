import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { AssessmentView, OverrideView, RecordAssessmentDto, RecordOverrideDto } from '../risk/risk.dto';
import { RiskService } from '../risk/risk.service';
import { Actor } from './actor';
import { PageOf, PageQueryDto } from '../common/page';
import { CaseRefPipe } from '../common/request-guards';

class AssessmentPageView extends PageOf(AssessmentView) {}

@ApiTags('risk')
@Roles('coordinator')
@Controller('cases/:caseRef')
export class RiskController {
  constructor(private readonly risk: RiskService) {}

  @Post('risk-assessments')
  @ApiOperation({ summary: 'record a risk assessment' })
  @ApiCreatedResponse({ type: AssessmentView })
  @ApiBadRequestResponse()
  @ApiNotFoundResponse()
  async record(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: RecordAssessmentDto,
    @Actor() actor: string,
  ): Promise<AssessmentView> {
    return this.risk.record(caseRef, body, actor);
  }

  @Get('risk-assessments')
  @ApiOperation({ summary: "the case's risk assessments, own and peers', and which one governs" })
  @ApiOkResponse({
    type: AssessmentPageView,
    description: 'both countries’ assessments, newest first, a page at a time',
  })
  async list(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Query() page: PageQueryDto,
    @Actor() actor: string,
  ): Promise<AssessmentPageView> {
    return this.risk.list(caseRef, page, actor);
  }

  @Post('risk-overrides')
  @ApiOperation({ summary: 'override a HIGH risk assessment for one message type (never a CRITICAL one)' })
  @ApiCreatedResponse({
    type: OverrideView,
    description:
      'asks to let one message type through despite a HIGH assessment (never at CRITICAL): PENDING_CONFIRMATION ' +
      'until a second coordinator confirms it',
  })
  @ApiUnprocessableEntityResponse({ description: 'the current assessment is not HIGH' })
  async override(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: RecordOverrideDto,
    @Actor() actor: string,
  ): Promise<OverrideView> {
    return this.risk.override(caseRef, body, actor);
  }

  @Post('risk-overrides/:id/confirm')
  @ApiOperation({ summary: "confirm another coordinator's pending risk override (four eyes)" })
  @HttpCode(200)
  @ApiOkResponse({
    type: OverrideView,
    description: 'a second coordinator confirms a pending override: from now on the risk gate counts it',
  })
  @ApiForbiddenResponse({ description: 'OVERRIDE_SELF_CONFIRMATION: the requester cannot confirm her own' })
  @ApiConflictResponse({ description: 'OVERRIDE_ALREADY_CONFIRMED' })
  @ApiNotFoundResponse({ description: 'OVERRIDE_NOT_FOUND' })
  @ApiUnprocessableEntityResponse({
    description: 'OVERRIDE_STALE: the assessment it names is no longer current; NOT_OVERRIDABLE',
  })
  async confirm(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Param('id', new ParseUUIDPipe()) id: string,
    @Actor() actor: string,
  ): Promise<OverrideView> {
    return this.risk.confirmOverride(caseRef, id, actor);
  }
}
