import { Body, Controller, HttpCode, Param, ParseIntPipe, Post, Put } from '@nestjs/common';
import {
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { CaseWorkflowService } from '../cases/case-workflow.service';
import { CaseError, CaseErrorCode } from '../cases/case.errors';
import { SOPS, Sop } from '../messages/message-types';
import { CaseClosureService, ClosureResult } from '../transfers/case-closure.service';
import { Actor } from './actor';
import {
  CloseCaseDto,
  SetAgeStatusDto,
  SetGuardianDto,
  SetIdentificationDto,
  SetManagerDto,
  SetPhaseDto,
  SetRolesDto,
} from './case-workflow.dto';
import { CaseRefPipe } from '../common/request-guards';
import { CaseView, toCaseView } from './views';

/** What a coordinator sets on a case as the workflow needs it; each change is audited. */
@ApiTags('cases')
@Roles('coordinator')
@ApiNotFoundResponse({ description: 'no such case on this node' })
@ApiConflictResponse({ description: 'the case is closed' })
@Controller('cases/:caseRef')
export class CaseWorkflowController {
  constructor(
    private readonly workflow: CaseWorkflowService,
    private readonly closure: CaseClosureService,
  ) {}

  @Put('roles')
  @ApiOperation({ summary: 'set the role of each country on the case' })
  @ApiOkResponse({ type: CaseView, description: 'the roles of the countries (origin, transit, destination)' })
  async setRoles(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SetRolesDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    const roles = Object.fromEntries(body.roles.map((r) => [r.country, r.role]));
    return toCaseView(await this.workflow.setRoles(caseRef, roles, actor));
  }

  @Put('manager')
  @ApiOperation({ summary: "name this country's case manager" })
  @ApiOkResponse({ type: CaseView, description: "a country's case manager (this node's by default)" })
  async setManager(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SetManagerDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    const { country, name, institution, role } = body;
    const named = { country: country ?? this.workflow.self, name, institution, ...(role ? { role } : {}) };
    return toCaseView(await this.workflow.setManager(caseRef, named, actor));
  }

  @Put('guardian')
  @ApiOperation({ summary: "record the child's guardian" })
  @ApiOkResponse({ type: CaseView, description: "a child's guardian or legal representative" })
  async setGuardian(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SetGuardianDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    const { kind, institution, appointedAt } = body;
    return toCaseView(await this.workflow.setGuardian(caseRef, { kind, institution, appointedAt }, actor));
  }

  @Put('age-status')
  @ApiOperation({ summary: 'record whether the person is a child, an adult, or of unknown age' })
  @ApiOkResponse({ type: CaseView, description: 'the age status, with the evidence it rests on' })
  @ApiUnprocessableEntityResponse({ description: 'a documented age on a mere presumption' })
  async setAgeStatus(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SetAgeStatusDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    return toCaseView(await this.workflow.setAgeStatus(caseRef, body.status, body.evidence, actor));
  }

  @Put('identification')
  @ApiOperation({
    summary: "record an identification decision (the owner's status, or this node's own view)",
  })
  @ApiOkResponse({
    type: CaseView,
    description:
      "an identification decision: on this node's own case the case's status; on another country's case this node takes part in, this node's own view (ownIdentificationStatus), which drives this node's gates only and never changes the owner's status",
  })
  async setIdentification(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SetIdentificationDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    return toCaseView(
      await this.workflow.setIdentification(caseRef, body.status, actor, body.reason ?? null),
    );
  }

  @Put('phases/:sop')
  @ApiOperation({ summary: 'set the status of a SOP phase' })
  @ApiOkResponse({ type: CaseView, description: 'a SOP phase set by hand: skipped, active or completed' })
  async setPhase(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Param('sop', ParseIntPipe) sop: number,
    @Body() body: SetPhaseDto,
    @Actor() actor: string,
  ): Promise<CaseView> {
    if (!(SOPS as readonly number[]).includes(sop))
      throw new CaseError(CaseErrorCode.CHANGE_REFUSED, 'the SOP must be 1 to 5');
    return toCaseView(await this.workflow.setPhase(caseRef, sop as Sop, body.status, actor));
  }

  @Post('close')
  @ApiOperation({ summary: 'close the case' })
  @HttpCode(202)
  @ApiOkResponse({
    description:
      'closed here; every country on the case is sent a CASE_CLOSED (notified; redacted: ["summary"] when no live consent names it or the case is restricted), except those no consent record ever named (notNotified: tell them by other means)',
  })
  async close(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: CloseCaseDto,
    @Actor() actor: string,
  ): Promise<ClosureResult> {
    return this.closure.close(
      caseRef,
      { reason: body.reason, ...(body.summary ? { summary: body.summary } : {}) },
      actor,
    );
  }
}
