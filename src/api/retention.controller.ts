import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { CaseRetentionService, RetentionState } from '../cases/case-retention.service';
import { CaseRefPipe } from '../common/request-guards';
import { Actor } from './actor';
import { RetentionView, SetLegalHoldDto } from './retention.dto';

const toView = (s: RetentionState): RetentionView => ({
  caseRef: s.caseRef,
  status: s.status,
  retentionEndsAt: s.retentionEndsAt?.toISOString() ?? null,
  legalHold: s.legalHold && { ...s.legalHold, since: s.legalHold.since.toISOString() },
  erasureRequest: s.erasureRequest && { ...s.erasureRequest, at: s.erasureRequest.at.toISOString() },
  erasedAt: s.erasedAt?.toISOString() ?? null,
});

/**
 * A case's retention, legal hold and erasure (docs/retention.md). Admins and coordinators see it and set or
 * lift a hold; erasing a case takes two admins (four eyes). Every change is audited.
 */
@ApiTags('cases')
@ApiNotFoundResponse({ description: 'no such case on this node' })
@ApiBadRequestResponse({ description: 'a malformed case reference or body, with field-level reasons' })
@Controller('cases/:caseRef')
export class RetentionController {
  constructor(private readonly retention: CaseRetentionService) {}

  @Get('retention')
  @Roles('admin', 'coordinator')
  @ApiOperation({ summary: "the case's retention: when it ends, its legal hold, a pending erasure" })
  @ApiOkResponse({ type: RetentionView })
  async get(@Param('caseRef', CaseRefPipe) caseRef: string): Promise<RetentionView> {
    return toView(await this.retention.state(caseRef));
  }

  @Put('legal-hold')
  @Roles('admin', 'coordinator')
  @ApiOperation({ summary: 'put the case under a legal hold: the retention pass leaves it (audited)' })
  @ApiOkResponse({ type: RetentionView })
  @ApiConflictResponse({ description: 'the case is erased' })
  async setHold(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Body() body: SetLegalHoldDto,
    @Actor() actor: string,
  ): Promise<RetentionView> {
    return toView(await this.retention.setHold(caseRef, body.reason, actor));
  }

  @Delete('legal-hold')
  @Roles('admin', 'coordinator')
  @ApiOperation({ summary: 'lift the legal hold (audited with the reason it was set for)' })
  @ApiOkResponse({ type: RetentionView })
  @ApiConflictResponse({ description: 'the case has no legal hold, or is erased' })
  async liftHold(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Actor() actor: string,
  ): Promise<RetentionView> {
    return toView(await this.retention.liftHold(caseRef, actor));
  }

  @Post('erasure')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({ summary: 'ask to erase the case now: a second admin confirms (four eyes)' })
  @ApiOkResponse({ type: RetentionView })
  @ApiConflictResponse({ description: 'the case is under a legal hold, or erased' })
  async requestErasure(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Actor() actor: string,
  ): Promise<RetentionView> {
    return toView(await this.retention.requestErasure(caseRef, actor));
  }

  @Post('erasure/confirm')
  @HttpCode(200)
  @Roles('admin')
  @ApiOperation({
    summary: "confirm another admin's erasure: the case's key is destroyed, its personal data unreadable",
  })
  @ApiOkResponse({ type: RetentionView })
  @ApiConflictResponse({ description: 'no erasure was requested, the case is held, or erased' })
  @ApiUnprocessableEntityResponse({ description: 'four eyes: the admin who asked cannot confirm' })
  async confirmErasure(
    @Param('caseRef', CaseRefPipe) caseRef: string,
    @Actor() actor: string,
  ): Promise<RetentionView> {
    return toView(await this.retention.confirmErasure(caseRef, actor));
  }
}
